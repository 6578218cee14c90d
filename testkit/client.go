package testkit

// A browser's side of HTTP: cookies, the CSRF token of the last page, forms.

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Client is one browser: its own cookies, redirects left for the test to see.
type Client struct {
	t    testing.TB
	base *url.URL
	http *http.Client
	// Header is sent with every request (e.g. Accept-Language).
	Header http.Header
	// csrf is the token of the last page received.
	csrf string
}

// Client is a new browser of the panel, with no cookies yet.
func (a *App) Client(t testing.TB) *Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(a.URL)
	return &Client{t: t, base: base, Header: http.Header{}, http: &http.Client{
		Jar:           jar,
		Transport:     a.transport,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Response is an answer read in full.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Location is where a redirect points.
func (r Response) Location() string { return r.Header.Get("Location") }

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)"`)

// csrfOf extracts the page's CSRF token, or "".
func csrfOf(body string) string {
	if m := csrfMeta.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// Form builds form values from name, value pairs.
func Form(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v
}

// Header builds a header from name, value pairs.
func Header(pairs ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(pairs); i += 2 {
		h.Add(pairs[i], pairs[i+1])
	}
	return h
}

// Do sends one request; a non-nil form is sent url-encoded.
func (c *Client) Do(method, path string, f url.Values, h http.Header) Response {
	c.t.Helper()
	if f == nil {
		return c.send(method, path, "", nil, h)
	}
	return c.send(method, path, "application/x-www-form-urlencoded", strings.NewReader(f.Encode()), h)
}

// DoRaw sends body as it is, whatever it holds (a fuzzer's input), as contentType.
func (c *Client) DoRaw(method, path, contentType, body string) Response {
	c.t.Helper()
	return c.send(method, path, contentType, strings.NewReader(body), nil)
}

// Bind makes the client report to t: a fuzz target's client outlives the test
// of each input.
func (c *Client) Bind(t testing.TB) { c.t = t }

func (c *Client) send(method, path, contentType string, body io.Reader, h http.Header) Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base.String()+path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
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
	r := Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
	if tok := csrfOf(r.Body); tok != "" {
		c.csrf = tok
	}
	return r
}

// Get loads path.
func (c *Client) Get(path string) Response {
	c.t.Helper()
	return c.Do(http.MethodGet, path, nil, nil)
}

// Token is the CSRF token a form on the current page would carry, loading a
// page first when the client has seen none.
func (c *Client) Token() string {
	c.t.Helper()
	if c.csrf == "" {
		if r := c.Get("/signin"); r.Status == http.StatusSeeOther {
			c.Get(r.Location())
		}
	}
	if c.csrf == "" {
		c.t.Fatal("no page carried a CSRF token")
	}
	return c.csrf
}

// Post sends a form with the CSRF token, as a browser's form does.
func (c *Client) Post(path string, f url.Values) Response {
	c.t.Helper()
	return c.PostToken(path, f, c.Token())
}

// PostToken sends a form with the given CSRF token; "" sends none.
func (c *Client) PostToken(path string, f url.Values, token string) Response {
	c.t.Helper()
	g := url.Values{}
	for k, v := range f {
		g[k] = v
	}
	if token != "" {
		g.Set("_csrf", token)
	}
	return c.Do(http.MethodPost, path, g, nil)
}

// SignUp loads the sign-up form and sends it.
func (c *Client) SignUp(email, name, password string) Response {
	c.t.Helper()
	c.Get("/signup")
	return c.Post("/signup", Form("email", email, "name", name, "password", password, "confirm", password))
}

// SignIn loads the sign-in form and sends it; use it when success is expected.
func (c *Client) SignIn(email, password string) Response {
	c.t.Helper()
	c.Get("/signin")
	r := c.Post("/signin", Form("email", email, "password", password))
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("sign in %s: status %d, want 303", email, r.Status)
	}
	return r
}

// Cookie is the value of a cookie the client holds for the panel, or "".
func (c *Client) Cookie(name string) string {
	for _, ck := range c.http.Jar.Cookies(c.base) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie plants a cookie, as another browser or an attacker might.
func (c *Client) SetCookie(name, value string) {
	c.http.Jar.SetCookies(c.base, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// SessionCookie is the session's cookie over plain http; behind HTTPS (Secure
// cookies) it is SecureSessionCookie.
const (
	SessionCookie       = "abrak_session"
	SecureSessionCookie = "__Host-abrak_session"
)

// session is the client's session cookie, by either name.
func (c *Client) session() string {
	if v := c.Cookie(SessionCookie); v != "" {
		return v
	}
	return c.Cookie(SecureSessionCookie)
}
