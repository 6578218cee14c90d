package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"abrak/services"
)

// FuzzDecodeCreateVM: any body decodes, or is refused with 400, 413 or a 422
// naming at least one field; never a panic, never another status.
func FuzzDecodeCreateVM(f *testing.F) {
	for _, s := range []string{
		`{"plan_slug":"starter","os_template_slug":"debian-12","auth_mode":"password","custom_password":"StrongPass123!"}`,
		`{"ssh_key_ids":[1,2,3],"auth_mode":"ssh_key"}`, `{"ssh_key_ids":[1e400]}`, `{"plan_slug":"\ud800"}`,
		``, `[]`, `null`, `{"x":1}`, `{"plan_slug":{"a":[]}}`, `{}{}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in apiCreateVM
		err := decodeJSONBytes(body, &in)
		if err == nil {
			return
		}
		e := services.AsError(err)
		switch e.Status {
		case http.StatusBadRequest:
		case http.StatusUnprocessableEntity:
			if len(e.Fields) == 0 {
				t.Fatalf("422 naming no field for %q", body)
			}
		default:
			t.Fatalf("status %d for %q", e.Status, body)
		}
	})
}

// apiBodies are every JSON body an API route decodes, each through decodeJSON.
var apiBodies = []func() any{
	func() any { return &apiCreateVM{} }, func() any { return &apiHostname{} },
	func() any { return &apiPassword{} }, func() any { return &apiResize{} }, func() any { return &apiCreateSnapshot{} },
	func() any { return &apiRebuild{} }, func() any { return &apiCreateSSHKey{} }, func() any { return &apiUpdateVM{} },
	func() any { return &apiRestoreBackup{} }, func() any { return &apiRunAction{} },
}

// FuzzDecodeAPIBodies: every API body, as FuzzDecodeCreateVM: decoded, or 400,
// 413, or a 422 naming a field.
func FuzzDecodeAPIBodies(f *testing.F) {
	for i, s := range []string{`{"display_name":"x"}`, `{"hostname":"web-1"}`, `{"password":1}`, `{"plan_slug":"pro","x":1}`,
		`{"name":"snap-1"}`, `{"os_template_slug":null}`, `{"name":"k","public_key":"ssh-ed25519 AAAA"}`, `{"name":[]}`,
		`{"type":"resize","data":{"gpu":1}}`} {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		dst := apiBodies[int(kind)%len(apiBodies)]()
		err := decodeJSONBytes(body, dst)
		if err == nil {
			return
		}
		e := services.AsError(err)
		switch e.Status {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		case http.StatusUnprocessableEntity:
			if len(e.Fields) == 0 {
				t.Fatalf("422 naming no field for %T %q", dst, body)
			}
		default:
			t.Fatalf("status %d for %T %q", e.Status, dst, body)
		}
	})
}

// FuzzLocalURL: whatever comes back stays on the site.
func FuzzLocalURL(f *testing.F) {
	for _, s := range []string{"/vms?q=1", "//evil.example/x", "/\\evil", "https://x", "/%2f%2fx", "\t//x", "/a//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := LocalURL(raw)
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("LocalURL(%q) = %q leaves the site", raw, got)
		}
	})
}

// FuzzListQuery: any query string gives a list input the service can bound,
// or a 422 naming the bad parameter.
func FuzzListQuery(f *testing.F) {
	for _, s := range []string{"", "limit=50&offset=0", "limit=-1", "limit=99999999999999999999", "status=bogus&q=%00", "q=%ZZ", "limit=1&limit=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		in, err := parseListQuery(q)
		if err != nil {
			if e := services.AsError(err); e.Status != http.StatusUnprocessableEntity || len(e.Fields) == 0 {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		if len(in.Q) > 200 {
			t.Fatalf("%q: q of %d bytes accepted", raw, len(in.Q))
		}
	})
}
