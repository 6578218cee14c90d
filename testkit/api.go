package testkit

// The API door: requests with a bearer token, the tokens themselves, and the
// API's answers read back.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"abrak/app"
	"abrak/services"
	"abrak/web"
)

// TokenSecretRe is a token's secret as the panel hands it out, once.
var TokenSecretRe = regexp.MustCompile(`ic_pat_[0-9A-Za-z]{43}`)

// WithAPIRateLimit gives the app small API budgets.
func WithAPIRateLimit(perToken, perIP int) func(*app.Config) {
	return func(c *app.Config) {
		rl := web.NewRateLimiter()
		rl.PerToken, rl.PerIP = perToken, perIP
		c.Web.APIRateLimit = rl
	}
}

// MintToken creates a token for a user straight through the service.
func (a *App) MintToken(t testing.TB, email string, scopes ...string) (string, services.Token) {
	t.Helper()
	secret, tok, err := a.Tokens.Create(context.Background(), a.PrincipalOf(t, email), "test token", scopes, 0)
	if err != nil {
		t.Fatalf("mint token: %v", err)
	}
	return secret, tok
}

// APICall sends one API request without cookies: token "" sends no
// Authorization header; pairs are extra header name, value pairs. The
// request and its answer are checked against the OpenAPI document
// (checkAPIExchange, openapi.go).
func (a *App) APICall(t testing.TB, method, path, token, body string, pairs ...string) Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		req.Header.Set(pairs[i], pairs[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	a.checkAPIExchange(t, req, body, res.StatusCode, res.Header, b)
	return Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// APIError is the API's error document.
type APIError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

// APIErrorOf reads an answer as the API's error document; it fails the test
// when the answer is not one.
func APIErrorOf(t testing.TB, r Response) APIError {
	t.Helper()
	var e APIError
	if err := json.Unmarshal([]byte(r.Body), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not a JSON error (%v): %s", err, Trim(r.Body))
	}
	return e
}

// MustStatus fails the test at once when the answer's status is not status.
func MustStatus(t testing.TB, what string, r Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.Status, status, Trim(r.Body))
	}
}

// PrincipalOf is a user acting through the browser, for calling services directly.
func (a *App) PrincipalOf(t testing.TB, email string) services.Principal {
	t.Helper()
	u := a.User(t, email)
	return services.Principal{UserID: u.ID, Email: u.Email, IsAdmin: u.IsAdmin, IP: "127.0.0.1"}
}

// Decode reads an answer's JSON body as a T; it fails the test when it cannot.
func Decode[T any](t testing.TB, r Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("body is not the expected JSON (%v): %s", err, Trim(r.Body))
	}
	return v
}
