package web_test

// The test harness of the panel's HTTP side. Every web test runs the real
// panel (app.New) on a fresh SQLite file and talks to it over HTTP:
//
//	a := newTestApp(t)                     // options: withLimits(perIP, perAccount), or any func(*app.Config)
//	u := a.createUser(t, "ana@example.com", testPassword) // straight through Accounts.SignUp
//	a.user(t, email), a.count(t, "SELECT count(*) …", args…) // read the database back
//	c := a.client(t)                       // a browser: own cookie jar, never follows redirects
//	c.Header.Set("Accept-Language", "en")  // sent with every request of this client
//	c.signIn(email, testPassword)          // GET /signin, POST the form, fails the test unless 303
//	c.signUp(email, name, password)        // GET /signup, POST the form
//	r := c.get("/vms")                     // r.Status, r.Header, r.Body, r.Location()
//	r = c.post("/account/password", form("current", "…", "password", "…", "confirm", "…"))
//	r = c.postToken("/signout", nil, "")   // an explicit CSRF token; "" sends none
//	r = c.do("GET", "/nope", nil, header("Accept", "application/json"))
//	c.cookie(sessionCookie), c.setCookie(name, value) // inspect or plant cookies
//	newTestApp(t, withHTTPS)               // served over TLS with Secure cookies; its clients trust it
//	fieldErrors(r.Body), formMessage(r.Body), htmlLangDir(r.Body), contains(r.Body, text)
//
// The client remembers the CSRF token of the last page it received (the
// <meta name="csrf-token"> tag) and post sends it as the _csrf field, as a
// browser's form would; token() loads a page first when it has none. Scenario
// tables (scenario, runScenarios) build a fresh app per row, run its setup,
// send one request and check status, redirect, page text, headers and the
// database.
//
// Each app checks when its test ends that no page asked for a translation the
// catalogs lack (i18n.Missing).

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/services"
	"abrak/store"
	"abrak/views/i18n"
	"abrak/web"
)

// testPassword passes every password rule.
const testPassword = "correct-horse-battery"

// testApp is a running panel on its own database.
type testApp struct {
	*app.App
	URL    string
	DBPath string
	// transport is how clients reach it (the test certificate's, over TLS).
	transport http.RoundTripper
}

// realBaseURL, as Web.BaseURL, asks newTestApp for the address it really
// listens on (withRealBaseURL).
const realBaseURL = "test:real"

// withRealBaseURL makes the app's public URL its listener's, for links that a
// browser follows back to it from elsewhere (a payment gateway's callback).
func withRealBaseURL(c *app.Config) { c.Web.BaseURL = realBaseURL }

// httpsBaseURL, as Web.BaseURL, asks newTestApp to serve over TLS at the
// address it really listens on (withHTTPS).
const httpsBaseURL = "test:https"

// withHTTPS serves the app over TLS with Secure cookies, as behind HTTPS in
// production: browsers send a Secure cookie only over TLS.
func withHTTPS(c *app.Config) {
	c.Web.BaseURL = httpsBaseURL
	c.Web.SecureCookies = true
}

// withLimits replaces the sign-in limiters (nil keeps the default).
func withLimits(perIP, perAccount *services.AttemptLimiter) func(*app.Config) {
	return func(c *app.Config) { c.PerIP, c.PerAccount = perIP, perAccount }
}

// newTestApp starts the panel on a fresh SQLite file in t.TempDir(); everything
// is closed when the test ends.
func newTestApp(t testing.TB, opts ...func(*app.Config)) *testApp {
	t.Helper()
	cfg := app.Config{
		Web:    web.Config{Addr: "127.0.0.1:0", BaseURL: "http://localhost"},
		DBPath: filepath.Join(t.TempDir(), "abrak.db"),
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		// Generous by default: all test requests come from 127.0.0.1.
		PerIP:      services.NewAttemptLimiter(1000, time.Minute, nil),
		PerAccount: services.NewAttemptLimiter(1000, time.Minute, nil),
	}
	for _, o := range opts {
		o(&cfg)
	}
	// A mail server with the real clock gets its delivery worker; a test with a
	// clock of its own delivers by hand (DeliverDue).
	startMailer := cfg.Mail.Server.Addr != "" && cfg.Mail.Now == nil
	// The listener comes first, so that an app that must know its own address
	// (withRealBaseURL: a gateway sends the browser back to it) can be told.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tls := cfg.Web.BaseURL == httpsBaseURL
	switch cfg.Web.BaseURL {
	case realBaseURL:
		cfg.Web.BaseURL = "http://" + l.Addr().String()
	case httpsBaseURL:
		cfg.Web.BaseURL = "https://" + l.Addr().String()
	}
	panel, err := app.New(context.Background(), cfg)
	if err != nil {
		l.Close()
		t.Fatalf("app.New: %v", err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: panel.Server.Echo}}
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	stopMailer := func() {}
	if startMailer {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { panel.Mailer.Run(ctx); close(done) }()
		stopMailer = func() { cancel(); <-done }
	}
	t.Cleanup(func() {
		stopMailer()
		srv.Close()
		panel.Close()
		if m := i18n.Missing(); len(m) > 0 {
			t.Errorf("pages asked for translations no catalog has: %v", m)
		}
	})
	return &testApp{App: panel, URL: srv.URL, DBPath: cfg.DBPath, transport: srv.Client().Transport}
}

// createUser makes an account through the service, as sign-up would.
func (a *testApp) createUser(t testing.TB, email, password string) store.User {
	t.Helper()
	_, err := a.Accounts.SignUp(context.Background(), services.SignUpInput{
		Email: email, Name: "Test " + strings.Split(email, "@")[0], Password: password, Confirm: password, IP: "127.0.0.1",
	})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return a.user(t, email)
}

// user reloads a user by email; it fails the test when there is none.
func (a *testApp) user(t testing.TB, email string) store.User {
	t.Helper()
	u, err := a.DB.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u
}

// count runs a SELECT count(*) … query.
func (a *testApp) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := a.DB.R.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// client is one browser: its own cookies, redirects left for the test to see.
type client struct {
	t    testing.TB
	base *url.URL
	http *http.Client
	// Header is sent with every request (e.g. Accept-Language).
	Header http.Header
	// csrf is the token of the last page received.
	csrf string
}

func (a *testApp) client(t testing.TB) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(a.URL)
	return &client{t: t, base: base, Header: http.Header{}, http: &http.Client{
		Jar:           jar,
		Transport:     a.transport,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is an answer read in full.
type response struct {
	Status int
	Header http.Header
	Body   string
}

// Location is where a redirect points.
func (r response) Location() string { return r.Header.Get("Location") }

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)"`)

// csrfOf extracts the page's CSRF token, or "".
func csrfOf(body string) string {
	if m := csrfMeta.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// form builds form values from name, value pairs.
func form(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v
}

// header builds a header from name, value pairs.
func header(pairs ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(pairs); i += 2 {
		h.Add(pairs[i], pairs[i+1])
	}
	return h
}

// do sends one request; a non-nil form is sent url-encoded.
func (c *client) do(method, path string, f url.Values, h http.Header) response {
	c.t.Helper()
	var body io.Reader
	if f != nil {
		body = strings.NewReader(f.Encode())
	}
	req, err := http.NewRequest(method, c.base.String()+path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if f != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range c.Header {
		req.Header[k] = vs
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	session := c.session()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if c.session() != session {
		// A new session (sign-in, sign-out, a password change): the CSRF token of
		// the pages before it no longer holds, as in a browser, which loads the
		// next page before it posts again.
		c.csrf = ""
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	r := response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
	if tok := csrfOf(r.Body); tok != "" {
		c.csrf = tok
	}
	return r
}

func (c *client) get(path string) response {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil, nil)
}

// token is the CSRF token a form on the current page would carry, loading a
// page first when the client has seen none.
func (c *client) token() string {
	c.t.Helper()
	if c.csrf == "" {
		if r := c.get("/signin"); r.Status == http.StatusSeeOther {
			c.get(r.Location())
		}
	}
	if c.csrf == "" {
		c.t.Fatal("no page carried a CSRF token")
	}
	return c.csrf
}

// post sends a form with the CSRF token, as a browser's form does.
func (c *client) post(path string, f url.Values) response {
	c.t.Helper()
	return c.postToken(path, f, c.token())
}

// postToken sends a form with the given CSRF token; "" sends none.
func (c *client) postToken(path string, f url.Values, token string) response {
	c.t.Helper()
	g := url.Values{}
	for k, v := range f {
		g[k] = v
	}
	if token != "" {
		g.Set("_csrf", token)
	}
	return c.do(http.MethodPost, path, g, nil)
}

// signUp loads the sign-up form and sends it.
func (c *client) signUp(email, name, password string) response {
	c.t.Helper()
	c.get("/signup")
	return c.post("/signup", form("email", email, "name", name, "password", password, "confirm", password))
}

// signIn loads the sign-in form and sends it; use it when success is expected.
func (c *client) signIn(email, password string) response {
	c.t.Helper()
	c.get("/signin")
	r := c.post("/signin", form("email", email, "password", password))
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("sign in %s: status %d, want 303", email, r.Status)
	}
	return r
}

// cookie is the value of a cookie the client holds for the panel, or "".
func (c *client) cookie(name string) string {
	for _, ck := range c.http.Jar.Cookies(c.base) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// setCookie plants a cookie, as another browser or an attacker might.
func (c *client) setCookie(name, value string) {
	c.http.Jar.SetCookies(c.base, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// sessionCookie is the session's cookie over plain http; behind HTTPS (Secure
// cookies) it is secureSessionCookie.
const (
	sessionCookie       = "abrak_session"
	secureSessionCookie = "__Host-abrak_session"
)

// session is the client's session cookie, by either name.
func (c *client) session() string {
	if v := c.cookie(sessionCookie); v != "" {
		return v
	}
	return c.cookie(secureSessionCookie)
}

var fieldErrorRe = regexp.MustCompile(`data-field-error="([^"]+)">([^<]*)<`)

// fieldErrors maps each field that carries an error message on the page to that message.
func fieldErrors(body string) map[string]string {
	out := map[string]string{}
	for _, m := range fieldErrorRe.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

var formMessageRe = regexp.MustCompile(`data-testid="form-message">([^<]*)<`)

// formMessage is the message above the page's form, or "".
func formMessage(body string) string {
	if m := formMessageRe.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

var htmlTagRe = regexp.MustCompile(`<html lang="([^"]*)" dir="([^"]*)"`)

// htmlLangDir is the page's <html lang dir>.
func htmlLangDir(body string) (lang, dir string) {
	if m := htmlTagRe.FindStringSubmatch(body); m != nil {
		return m[1], m[2]
	}
	return "", ""
}

// contains reports whether body holds text as a page would show it (HTML-escaped).
func contains(body, text string) bool { return strings.Contains(body, html.EscapeString(text)) }

// scenario is one row of an endpoint table: a fresh app, an optional setup,
// one request, and what must be true of the answer and of the database.
type scenario struct {
	name   string
	opts   []func(*app.Config)
	setup  func(t *testing.T, a *testApp, c *client) // sign in, make users, load the form …
	method string                                    // default POST
	path   string
	form   url.Values
	// formFunc, when set, makes the form after setup and replaces form.
	formFunc func(t *testing.T, a *testApp, c *client) url.Values
	header   http.Header
	// csrf decides the _csrf field of a POST: "" the page's token, "-" none, anything else sent as is.
	csrf string

	status      int
	redirect    string            // the Location wanted, when non-empty
	contains    []string          // shown on the page (compared HTML-escaped)
	notContains []string          // never on the page
	headers     map[string]string // header → substring its value must hold
	check       func(t *testing.T, a *testApp, c *client, r response)
}

func (s scenario) run(t *testing.T) {
	t.Helper()
	a := newTestApp(t, s.opts...)
	c := a.client(t)
	if s.setup != nil {
		s.setup(t, a, c)
	}
	if s.formFunc != nil {
		s.form = s.formFunc(t, a, c)
	}
	method := s.method
	if method == "" {
		method = http.MethodPost
	}
	var r response
	if method == http.MethodPost {
		tok := s.csrf
		switch tok {
		case "":
			tok = c.token()
		case "-":
			tok = ""
		}
		f := url.Values{}
		for k, v := range s.form {
			f[k] = v
		}
		if tok != "" {
			f.Set("_csrf", tok)
		}
		r = c.do(method, s.path, f, s.header)
	} else {
		r = c.do(method, s.path, s.form, s.header)
	}
	if r.Status != s.status {
		t.Fatalf("%s %s: status %d, want %d\n%s", method, s.path, r.Status, s.status, trim(r.Body))
	}
	if s.redirect != "" && r.Location() != s.redirect {
		t.Errorf("%s %s: Location %q, want %q", method, s.path, r.Location(), s.redirect)
	}
	for _, want := range s.contains {
		if !contains(r.Body, want) {
			t.Errorf("%s %s: page lacks %q\n%s", method, s.path, want, trim(r.Body))
		}
	}
	for _, not := range s.notContains {
		if contains(r.Body, not) {
			t.Errorf("%s %s: page shows %q", method, s.path, not)
		}
	}
	for k, want := range s.headers {
		if got := r.Header.Get(k); !strings.Contains(got, want) {
			t.Errorf("%s %s: header %s = %q, want it to hold %q", method, s.path, k, got, want)
		}
	}
	if s.check != nil {
		s.check(t, a, c, r)
	}
}

// runScenarios runs every row as a parallel subtest.
func runScenarios(t *testing.T, rows []scenario) {
	t.Helper()
	for _, s := range rows {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			s.run(t)
		})
	}
}

// trim shortens a body for a failure message.
func trim(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// isolated is a customer's name as pages put it into a sentence: between
// first-strong isolates (U+2068 … U+2069).
func isolated(name string) string { return "\u2068" + name + "\u2069" }
