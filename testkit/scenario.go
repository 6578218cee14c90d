package testkit

// Tables of requests, one row a fresh panel, in the style of PocketBase's
// tests.ApiScenario.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"abrak/app"
)

// Scenario is one row of an endpoint table: a fresh app, an optional setup,
// one request, and what must be true of the answer and of the database.
type Scenario struct {
	Name   string
	Opts   []func(*app.Config)
	Setup  func(t *testing.T, a *App, c *Client) // sign in, make users, load the form …
	Method string                                // default POST
	Path   string
	Form   url.Values
	// FormFunc, when set, makes the form after setup and replaces form.
	FormFunc func(t *testing.T, a *App, c *Client) url.Values
	Header   http.Header
	// CSRF decides the _csrf field of a POST: "" the page's token, "-" none, anything else sent as is.
	CSRF string

	Status      int
	Redirect    string            // the Location wanted, when non-empty
	Contains    []string          // shown on the page (compared HTML-escaped)
	NotContains []string          // never on the page
	Headers     map[string]string // header → substring its value must hold
	Check       func(t *testing.T, a *App, c *Client, r Response)
}

func (s Scenario) Run(t *testing.T) {
	t.Helper()
	a := NewApp(t, s.Opts...)
	c := a.Client(t)
	if s.Setup != nil {
		s.Setup(t, a, c)
	}
	if s.FormFunc != nil {
		s.Form = s.FormFunc(t, a, c)
	}
	method := s.Method
	if method == "" {
		method = http.MethodPost
	}
	var r Response
	if method == http.MethodPost {
		tok := s.CSRF
		switch tok {
		case "":
			tok = c.Token()
		case "-":
			tok = ""
		}
		f := url.Values{}
		for k, v := range s.Form {
			f[k] = v
		}
		if tok != "" {
			f.Set("_csrf", tok)
		}
		r = c.Do(method, s.Path, f, s.Header)
	} else {
		r = c.Do(method, s.Path, s.Form, s.Header)
	}
	if r.Status != s.Status {
		t.Fatalf("%s %s: status %d, want %d\n%s", method, s.Path, r.Status, s.Status, Trim(r.Body))
	}
	if s.Redirect != "" && r.Location() != s.Redirect {
		t.Errorf("%s %s: Location %q, want %q", method, s.Path, r.Location(), s.Redirect)
	}
	for _, want := range s.Contains {
		if !Contains(r.Body, want) {
			t.Errorf("%s %s: page lacks %q\n%s", method, s.Path, want, Trim(r.Body))
		}
	}
	for _, not := range s.NotContains {
		if Contains(r.Body, not) {
			t.Errorf("%s %s: page shows %q", method, s.Path, not)
		}
	}
	for k, want := range s.Headers {
		if got := r.Header.Get(k); !strings.Contains(got, want) {
			t.Errorf("%s %s: header %s = %q, want it to hold %q", method, s.Path, k, got, want)
		}
	}
	if s.Check != nil {
		s.Check(t, a, c, r)
	}
}

// RunScenarios runs every row as a parallel subtest.
func RunScenarios(t *testing.T, rows []Scenario) {
	t.Helper()
	for _, s := range rows {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			s.Run(t)
		})
	}
}
