package testkit

// Tables of requests in the style of PocketBase's tests.ApiScenario: the
// browser door's (Scenario: a fresh panel a row, forms with their CSRF token)
// and the API's (APIScenario: rows against the test's panel, with a token).

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"abrak/app"
)

// Scenario is one row of a table of the browser door's requests: a fresh app,
// an optional setup, one request, and what must be true of the answer and of
// the database.
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

// Run builds the row's app, sets it up, sends the request and checks the answer.
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

// APIScenario is one row of a table of API requests, sent as App.APICall
// sends them (a bearer token, no cookies) to a panel the test built: the
// request, and what must be true of the answer.
type APIScenario struct {
	Name    string
	Method  string   // default GET
	URL     string   // the path and query: /api/v1/…
	Token   string   // the bearer token; "" sends none
	Headers []string // extra header name, value pairs
	Body    string   // JSON; "" sends none

	ExpectedStatus     int
	ExpectedContent    []string // substrings the body must hold
	NotExpectedContent []string // substrings it must not
	// ExpectedFields are the fields a refusal must name (error.fields).
	ExpectedFields []string
	// After checks what else must be true: the body read as JSON, the database.
	After func(t *testing.T, r Response)
}

// Test sends the row's request to a and checks the answer: its status; that
// a refusal (400 and above) is the API's error document naming the expected
// fields; the content wanted and not wanted; then After.
func (s APIScenario) Test(t *testing.T, a *App) {
	t.Helper()
	method := s.Method
	if method == "" {
		method = http.MethodGet
	}
	what := method + " " + s.URL
	r := a.APICall(t, method, s.URL, s.Token, s.Body, s.Headers...)
	MustStatus(t, what, r, s.ExpectedStatus)
	if r.Status >= 400 {
		e := APIErrorOf(t, r)
		for _, f := range s.ExpectedFields {
			if e.Error.Fields[f] == "" {
				t.Errorf("%s: fields %v do not name %q", what, e.Error.Fields, f)
			}
		}
	}
	for _, want := range s.ExpectedContent {
		if !strings.Contains(r.Body, want) {
			t.Errorf("%s: the answer lacks %q\n%s", what, want, Trim(r.Body))
		}
	}
	for _, not := range s.NotExpectedContent {
		if strings.Contains(r.Body, not) {
			t.Errorf("%s: the answer holds %q", what, not)
		}
	}
	if s.After != nil {
		s.After(t, r)
	}
}

// RunAPIScenarios runs the rows in order against a, each as a subtest: a row
// may build on what the rows before it did.
func RunAPIScenarios(t *testing.T, a *App, rows []APIScenario) {
	t.Helper()
	for _, s := range rows {
		t.Run(s.Name, func(t *testing.T) { s.Test(t, a) })
	}
}
