package web_test

import (
	"net/http"
	"strings"
	"testing"

	"abrak/testkit"
)

// fuzzWorld is one panel per fuzzing process: a signed-in browser, a token of
// every scope and a VM, so that each route below reaches its handler's parsing.
type fuzzWorld struct {
	a     *testkit.App
	c     *testkit.Client
	token string
	vm    string
}

// newFuzzWorld builds it once per fuzzing process, before the inputs come.
func newFuzzWorld(f *testing.F) *fuzzWorld {
	a := testkit.NewApp(f, testkit.WithAPIRateLimit(1<<30, 1<<30))
	seedCatalog(f, a)
	c := newVMCustomer(f, a, "fuzz@example.com", 1_000_000_000)
	w := &fuzzWorld{a: a, token: c.token, vm: orderVM(f, a, c, "fuzzed", "fuzzed")}
	w.c = a.Client(f)
	w.c.SignIn(c.email, testkit.Password)
	w.c.Get("/account")
	return w
}

// Every form a browser posts, and every API route that takes a body.
var (
	fuzzForms = []string{"/signin", "/signup", "/signin/2fa", "/lang", "/account/password", "/account/2fa/start",
		"/account/2fa/confirm", "/account/2fa/disable", "/tokens", "/tokens/1/revoke", "/ssh-keys", "/ssh-keys/1/delete",
		"/vms", "/vms/{vm}/rename", "/vms/{vm}/hostname", "/vms/{vm}/password", "/vms/{vm}/power/start",
		"/vms/{vm}/resize", "/vms/{vm}/snapshots", "/vms/{vm}/snapshots/x/revert", "/vms/{vm}/rebuild", "/vms/{vm}/delete",
		"/vms/{vm}/backups", "/vms/{vm}/backups/enabled", "/vms/{vm}/backups/1/restore", "/vms/{vm}/backups/1/delete"}
	fuzzAPI = []struct{ method, path string }{{"POST", "/vms"}, {"PATCH", "/vms/{vm}"}, {"POST", "/vms/{vm}/power/kill"},
		{"POST", "/vms/{vm}/security/password"}, {"POST", "/vms/{vm}/security/hostname"}, {"POST", "/vms/{vm}/resize"},
		{"POST", "/vms/{vm}/snapshots"}, {"POST", "/vms/{vm}/rebuild"}, {"POST", "/ssh-keys"}, {"POST", "/vms/{vm}/backups/1/restore"},
		{"POST", "/vms/{vm}/actions"}}
)

// FuzzForms: any body posted to any form, with a valid CSRF token, is answered
// without a server error (malformed bodies are 400, refused values 4xx).
func FuzzForms(f *testing.F) {
	for i, s := range []string{"email=a%40b.c&password=x", "display_name=%E2%80%AEx", "name=k&public_key=ssh-ed25519+AAAA",
		"%zz", "plan_slug=pro&os_template_slug=debian-12&auth_mode=password&custom_password=Strong-Pass-123", "lang=en&next=//evil",
		"scopes=vm%3Aread&scopes=nope&days=%DB%B3%DB%B0", "confirm=\xff", strings.Repeat("a=b&", 300)} {
		f.Add(uint8(i), s)
	}
	w := newFuzzWorld(f)
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		w.c.Bind(t) // one input at a time in a fuzzing process
		path := strings.ReplaceAll(fuzzForms[int(route)%len(fuzzForms)], "{vm}", w.vm)
		r := w.c.DoRaw(http.MethodPost, path, "application/x-www-form-urlencoded", body+"&_csrf="+w.c.Token())
		if r.Status >= 500 && r.Status != http.StatusServiceUnavailable {
			t.Fatalf("POST %s with %q: %d", path, body, r.Status)
		}
	})
}

// FuzzAPIBodies: any JSON body to any API route that takes one is answered
// without a server error.
func FuzzAPIBodies(f *testing.F) {
	for i, s := range []string{`{"plan_slug":"starter","os_template_slug":"debian-12","auth_mode":"password","custom_password":"StrongPass123!"}`,
		`{"display_name":"\u202e"}`, `{}`, `{"password":"short"}`, `{"hostname":"-"}`, `{"plan_slug":["x"]}`, `{"name":"a b"}`, `{"os_template_slug":1}`,
		`{"name":"k","public_key":"x"}`, `nul`, `{"type":"snapshot","name":"New Snapshot"}`, `{"type":"resize","data":{"cpu":-1}}`} {
		f.Add(uint8(i), s)
	}
	w := newFuzzWorld(f)
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		r := fuzzAPI[int(route)%len(fuzzAPI)]
		got := w.a.APICall(t, r.method, "/api/v1"+strings.ReplaceAll(r.path, "{vm}", w.vm), w.token, body)
		if got.Status >= 500 && got.Status != http.StatusServiceUnavailable {
			t.Fatalf("%s %s with %q: %d %s", r.method, r.path, body, got.Status, testkit.Trim(got.Body))
		}
	})
}
