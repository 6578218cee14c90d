package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"abrak/testkit"
	"abrak/views/i18n"
)

func wantLang(t *testing.T, what string, r testkit.Response, lang, dir string) {
	t.Helper()
	if l, d := testkit.HTMLLangDir(r.Body); l != lang || d != dir {
		t.Errorf("%s: <html lang=%q dir=%q>, want lang=%q dir=%q", what, l, d, lang, dir)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	c := a.Client(t)
	for _, tc := range []struct {
		path, lang, dir string
		l               i18n.Locale
	}{
		{"/no-such-page", "fa", "rtl", i18n.FA},
		{"/no-such-page?lang=en", "en", "ltr", i18n.EN},
		{"/vms/nothing/here", "en", "ltr", i18n.EN},
	} {
		r := c.Get(tc.path)
		testkit.MustStatus(t, tc.path, r, http.StatusNotFound)
		wantLang(t, tc.path, r, tc.lang, tc.dir)
		for _, key := range []string{"page.not_found", "page.not_found_hint", "page.home"} {
			if !testkit.Contains(r.Body, i18n.T(tc.l, key)) {
				t.Errorf("%s: the page lacks %q", tc.path, i18n.T(tc.l, key))
			}
		}
		if !strings.Contains(r.Body, `href="/"`) {
			t.Errorf("%s: no way home", tc.path)
		}
	}
	if r := a.Client(t).Get("/no-such-page"); !strings.Contains(r.Body, "۴۰۴") {
		t.Error("the Persian 404 page does not show ۴۰۴")
	}
	// Signed in, a missing page keeps the customer's shell: navigation and balance.
	a.CreateUser(t, "lost@example.com", testkit.Password)
	signed := a.Client(t)
	signed.SignIn("lost@example.com", testkit.Password)
	for _, path := range []string{"/no-such-page", "/vms/00000000-0000-4000-8000-000000000000"} {
		r := signed.Get(path)
		if r.Status != http.StatusNotFound || !strings.Contains(r.Body, `data-testid="balance"`) || !strings.Contains(r.Body, `href="/wallet"`) {
			t.Errorf("%s signed in: %d, and the page lacks the signed-in shell", path, r.Status)
		}
	}

	r := a.Client(t).Do(http.MethodGet, "/no-such-page", nil, testkit.Header("Accept", "application/json"))
	testkit.MustStatus(t, "JSON 404", r, http.StatusNotFound)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatalf("JSON 404 body %q: %v", r.Body, err)
	}
	if body.Error.Code != "not_found" || body.Error.Message == "" {
		t.Errorf("error = %+v", body.Error)
	}
	if body.RequestID == "" || body.RequestID != r.Header.Get("X-Request-Id") {
		t.Errorf("request_id %q, X-Request-Id header %q", body.RequestID, r.Header.Get("X-Request-Id"))
	}
	// A client's own X-Request-Id is not echoed: pages and logs carry the panel's.
	r = a.Client(t).Do(http.MethodGet, "/no-such-page", nil, testkit.Header("X-Request-Id", "<script>evil</script>"))
	if got := r.Header.Get("X-Request-Id"); got == "<script>evil</script>" || strings.Contains(r.Body, "evil") {
		t.Errorf("the client's request id came back: header %q", got)
	}
}

// The static files are served one by one; a directory (the root, the fonts,
// a name that is not there) is a 404 page in the visitor's language, not a
// listing of what the build holds.
func TestStaticDirectoriesAreNotListed(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	c := a.Client(t)
	c.Header.Set("Accept-Language", "en")
	for _, path := range []string{"/static/", "/static/dist/", "/static/fonts/", "/static/fonts", "/static/./", "/static/fonts/../"} {
		r := c.Get(path)
		if r.Status != http.StatusNotFound || strings.Contains(r.Body, "Vazirmatn") || strings.Contains(r.Body, "app.css\"") ||
			!testkit.Contains(r.Body, i18n.T(i18n.EN, "page.not_found")) {
			t.Errorf("GET %s: %d, want the 404 page and no listing\n%s", path, r.Status, testkit.Trim(r.Body))
		}
	}
	for _, path := range []string{"/static/app.css", "/static/fonts/Vazirmatn-Variable.woff2"} {
		testkit.MustStatus(t, path, c.Get(path), http.StatusOK)
	}
}

var balanceRe = regexp.MustCompile(`(?s)data-testid="balance">(.*?)</a>`)

func TestBalanceInHeader(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	u := a.CreateUser(t, "ana@example.com", testkit.Password)
	if _, err := a.DB.Credit(context.Background(), u.ID, 125000, "test", ""); err != nil {
		t.Fatal(err)
	}
	c := a.Client(t)
	c.SignIn("ana@example.com", testkit.Password)
	for _, tc := range []struct{ path, want string }{
		{"/vms?lang=fa", "۱۲٬۵۰۰ تومان"},
		{"/wallet?lang=en", "12,500 toman"},
	} {
		r := c.Get(tc.path)
		testkit.MustStatus(t, tc.path, r, http.StatusOK)
		m := balanceRe.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("%s: no balance in the header", tc.path)
		}
		if !strings.Contains(html.UnescapeString(m[1]), tc.want) {
			t.Errorf("%s: balance shows %q, want %q", tc.path, m[1], tc.want)
		}
	}
}

// Every page of the shell renders in both languages with its navigation item
// marked, and asks for no translation the catalogs lack.
func TestShellPages(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	a.CreateUser(t, "ana@example.com", testkit.Password)
	c := a.Client(t)
	c.SignIn("ana@example.com", testkit.Password)
	c.Post("/signout", nil)
	c.SignIn("ana@example.com", testkit.Password)
	pages := []struct{ path, title string }{
		{"/vms", "nav.vms"}, {"/wallet", "nav.wallet"}, {"/tokens", "nav.tokens"}, {"/ssh-keys", "nav.ssh_keys"}, {"/webhooks", "nav.webhooks"},
		{"/activity", "nav.activity"}, {"/account", "nav.account"}, {"/docs/api", "nav.api_docs"},
	}
	for _, l := range []i18n.Locale{i18n.FA, i18n.EN} {
		for _, p := range pages {
			r := c.Get(p.path + "?lang=" + string(l))
			testkit.MustStatus(t, p.path, r, http.StatusOK)
			wantLang(t, p.path, r, string(l), l.Dir())
			if !testkit.Contains(r.Body, i18n.T(l, p.title)) {
				t.Errorf("%s in %s: no title %q", p.path, l, i18n.T(l, p.title))
			}
			if !strings.Contains(r.Body, `aria-current="page"`) && p.path != "/docs/api" {
				t.Errorf("%s in %s: no navigation item marked current", p.path, l)
			}
		}
	}
	// The activity page lists what happened, translated.
	r := c.Get("/activity?lang=en")
	for _, key := range []string{"audit.auth.signup", "audit.auth.signin", "audit.auth.signout"} {
		if !testkit.Contains(r.Body, i18n.T(i18n.EN, key)) {
			t.Errorf("activity lacks %q", i18n.T(i18n.EN, key))
		}
	}
	if m := i18n.Missing(); len(m) > 0 {
		t.Errorf("missing translations: %v", m)
	}
}
