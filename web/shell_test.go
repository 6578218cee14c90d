package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"abrak/app"
	"abrak/testkit"
	"abrak/views/i18n"
)

func wantLang(t *testing.T, what string, r testkit.Response, lang, dir string) {
	t.Helper()
	if l, d := testkit.HTMLLangDir(r.Body); l != lang || d != dir {
		t.Errorf("%s: <html lang=%q dir=%q>, want lang=%q dir=%q", what, l, d, lang, dir)
	}
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)

	t.Run("Persian by default", func(t *testing.T) {
		r := a.Client(t).Get("/signin")
		wantLang(t, "no preference", r, "fa", "rtl")
		if !testkit.Contains(r.Body, i18n.T(i18n.FA, "auth.signin")) {
			t.Error("the sign-in page is not in Persian")
		}
		if !strings.Contains(r.Body, `name="lang" value="en"`) || !strings.Contains(r.Body, `name="next" value="/signin"`) || !strings.Contains(r.Body, `data-testid="lang-switch"`) {
			t.Error("no visible switch to English")
		}
	})
	t.Run("no off-site link from the request's path", func(t *testing.T) {
		r := a.Client(t).Get("//evil.example/x")
		if strings.Contains(r.Body, "evil.example") {
			t.Errorf("the page links to the path's host:\n%s", testkit.Trim(r.Body))
		}
	})
	t.Run("Accept-Language", func(t *testing.T) {
		for _, tc := range []struct{ accept, lang, dir string }{
			{"en-US,en;q=0.9", "en", "ltr"},
			{"fa-IR", "fa", "rtl"},
			{"de-DE,de;q=0.9", "fa", "rtl"},
			{"de,en;q=0.5", "en", "ltr"},
		} {
			c := a.Client(t)
			c.Header.Set("Accept-Language", tc.accept)
			wantLang(t, "Accept-Language "+tc.accept, c.Get("/signin"), tc.lang, tc.dir)
		}
	})
	t.Run("?lang is remembered in a cookie", func(t *testing.T) {
		c := a.Client(t)
		c.Header.Set("Accept-Language", "fa")
		r := c.Get("/signin?lang=en")
		wantLang(t, "?lang=en", r, "en", "ltr")
		if !testkit.Contains(r.Body, i18n.T(i18n.EN, "auth.signin")) {
			t.Error("the sign-in page is not in English")
		}
		if c.Cookie("abrak_lang") != "en" {
			t.Errorf("language cookie %q, want en", c.Cookie("abrak_lang"))
		}
		wantLang(t, "next page, no ?lang", c.Get("/signup"), "en", "ltr")
		wantLang(t, "?lang=fa", c.Get("/signup?lang=fa"), "fa", "rtl")
		wantLang(t, "then without ?lang", c.Get("/signin"), "fa", "rtl")
		wantLang(t, "unsupported ?lang", c.Get("/signin?lang=xx"), "fa", "rtl")
	})
	t.Run("a signed-in customer's choice is saved by the switch, not by a GET", func(t *testing.T) {
		a.CreateUser(t, "ana@example.com", testkit.Password)
		c := a.Client(t)
		c.SignIn("ana@example.com", testkit.Password)
		wantLang(t, "dashboard ?lang=en", c.Get("/vms?lang=en"), "en", "ltr")
		if l := a.User(t, "ana@example.com").Locale; l != "" {
			t.Fatalf("a GET saved the locale %q", l)
		}
		c.Get("/vms?q=web")
		r := c.Post("/lang", testkit.Form("lang", "en", "next", "/vms?q=web"))
		testkit.WantRedirect(t, "the switch", r, "/vms?q=web")
		if l := a.User(t, "ana@example.com").Locale; l != "en" {
			t.Fatalf("saved locale %q, want en", l)
		}
		testkit.WantRedirect(t, "the switch sent off-site", c.Post("/lang", testkit.Form("lang", "en", "next", "//evil.example/x")), "/")
		// Another browser, whose cookie says Persian: the saved choice wins once signed in.
		other := a.Client(t)
		other.SetCookie("abrak_lang", "fa")
		wantLang(t, "sign-in page, cookie fa", other.Get("/signin"), "fa", "rtl")
		other.SignIn("ana@example.com", testkit.Password)
		r = other.Get("/vms")
		wantLang(t, "dashboard on another browser", r, "en", "ltr")
		if !testkit.Contains(r.Body, i18n.T(i18n.EN, "nav.vms")) {
			t.Error("the dashboard is not in English")
		}
	})
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

var (
	scriptTagRe = regexp.MustCompile(`<script[^>]*>`)
	assetRe     = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
)

func TestSecurityHeadersAndNoInlineCode(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	a.CreateUser(t, "ana@example.com", testkit.Password)
	anon := a.Client(t)
	in := a.Client(t)
	in.SignIn("ana@example.com", testkit.Password)
	pages := map[string]testkit.Response{
		"/signin":       anon.Get("/signin"),
		"/signup":       anon.Get("/signup"),
		"/no-such-page": anon.Get("/no-such-page"),
		"/vms":          in.Get("/vms"),
		"/account":      in.Get("/account"),
		"2fa start":     in.Post("/account/2fa/start", nil),
	}
	for name, r := range pages {
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", name, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", name, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", name, h.Get("X-Content-Type-Options"))
		}
		if h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: no Referrer-Policy", name)
		}
		// The policy holds only if the page has no inline script or style.
		for _, tag := range scriptTagRe.FindAllString(r.Body, -1) {
			if !strings.Contains(tag, "src=") {
				t.Errorf("%s: inline script %s", name, tag)
			}
		}
		if strings.Contains(r.Body, " style=") || strings.Contains(r.Body, "<style") || strings.Contains(r.Body, " onclick=") {
			t.Errorf("%s: inline style or handler, which the CSP blocks", name)
		}
	}
	for _, path := range []string{"/healthz", "/static/app.css"} {
		if h := anon.Get(path).Header; !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: no CSP", path)
		}
	}

	// Every asset a page links is served, cacheable for good because its URL carries a hash.
	for _, m := range assetRe.FindAllStringSubmatch(pages["/vms"].Body, -1) {
		r := anon.Get(html.UnescapeString(m[1]))
		testkit.MustStatus(t, m[1], r, http.StatusOK)
		if !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: Cache-Control %q", m[1], r.Header.Get("Cache-Control"))
		}
	}
	css := anon.Get("/static/app.css")
	font := regexp.MustCompile(`url\(([^)]*Vazirmatn[^)]*\.woff2[^)]*)\)`).FindStringSubmatch(css.Body)
	if font == nil {
		t.Fatal("app.css declares no Vazirmatn woff2 font")
	}
	fontURL := strings.Trim(font[1], `"'`)
	if !strings.HasPrefix(fontURL, "/") {
		fontURL = "/static/" + strings.TrimPrefix(fontURL, "./")
	}
	if r := anon.Get(fontURL); r.Status != http.StatusOK || len(r.Body) < 10_000 {
		t.Errorf("font %s: status %d, %d bytes", fontURL, r.Status, len(r.Body))
	}
}

func TestProbesAndMetrics(t *testing.T) {
	t.Parallel()
	if r := testkit.NewApp(t).Client(t).Get("/metrics"); r.Status != http.StatusNotFound {
		t.Errorf("/metrics on the public listener by default: %d, want 404", r.Status)
	}
	a := testkit.NewApp(t, func(c *app.Config) { c.Web.MetricsPublic = true }) // the operator opted in
	c := a.Client(t)

	r := c.Get("/healthz")
	testkit.MustStatus(t, "/healthz", r, http.StatusOK)

	// The database answers; a test app has no hypervisor node, so /readyz may
	// be 503, and then another check must say what is missing.
	r = c.Get("/readyz")
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal([]byte(r.Body), &ready); err != nil {
		t.Fatalf("/readyz body %q: %v", r.Body, err)
	}
	if ready.Checks["database"] != "ok" {
		t.Errorf("/readyz database check %q", ready.Checks["database"])
	}
	switch r.Status {
	case http.StatusOK:
		if ready.Status != "ready" {
			t.Errorf("/readyz 200 with status %q", ready.Status)
		}
	case http.StatusServiceUnavailable:
		missing := 0
		for name, v := range ready.Checks {
			if v != "ok" && v != "" && name != "database" {
				missing++
			}
		}
		if missing == 0 || ready.Status == "ready" {
			t.Errorf("/readyz 503 without saying what is missing: %s", r.Body)
		}
	default:
		t.Errorf("/readyz status %d: %s", r.Status, r.Body)
	}

	c.Get("/signin")
	c.Get("/signin")
	c.Get("/no-such-page")
	m := c.Get("/metrics")
	testkit.MustStatus(t, "/metrics", m, http.StatusOK)
	for _, re := range []string{
		`abrak_http_requests_total\{[^}]*route="/signin"[^}]*status="200"[^}]*\} 2\b`,
		`abrak_http_requests_total\{[^}]*status="404"[^}]*\} 1\b`,
		`abrak_http_request_duration_seconds_bucket\{[^}]*route="/signin"`,
	} {
		if !regexp.MustCompile(re).MatchString(m.Body) {
			t.Errorf("/metrics lacks %s", re)
		}
	}
	if strings.Contains(m.Body, `route="/no-such-page"`) {
		t.Error("raw paths leak into the route label")
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
		{"/vms", "nav.vms"}, {"/wallet", "nav.wallet"}, {"/tokens", "nav.tokens"}, {"/ssh-keys", "nav.ssh_keys"},
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
