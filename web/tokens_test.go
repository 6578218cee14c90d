package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"abrak/app"
	"abrak/services"
	"abrak/views/i18n"
	"abrak/web"
)

// Helpers shared by the token, API-auth and SSH key tests.

var tokenSecretRe = regexp.MustCompile(`ic_pat_[0-9A-Za-z]{43}`)

// withAPIRateLimit gives the app small API budgets.
func withAPIRateLimit(perToken, perIP int) func(*app.Config) {
	return func(c *app.Config) {
		rl := web.NewRateLimiter()
		rl.PerToken, rl.PerIP = perToken, perIP
		c.Web.APIRateLimit = rl
	}
}

// mintToken creates a token for a user straight through the service.
func mintToken(t testing.TB, a *testApp, email string, scopes ...string) (string, services.Token) {
	t.Helper()
	secret, tok, err := a.Tokens.Create(context.Background(), principalOf(t, a, email), "test token", scopes, 0)
	if err != nil {
		t.Fatalf("mint token: %v", err)
	}
	return secret, tok
}

// apiCall sends one API request without cookies: token "" sends no
// Authorization header; pairs are extra header name, value pairs.
func apiCall(t testing.TB, a *testApp, method, path, token, body string, pairs ...string) response {
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
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// apiErrorBody is the API's error document.
type apiErrorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

func apiErrorOf(t testing.TB, r response) apiErrorBody {
	t.Helper()
	var e apiErrorBody
	if err := json.Unmarshal([]byte(r.Body), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not a JSON error (%v): %s", err, trim(r.Body))
	}
	return e
}

func mustStatus(t testing.TB, what string, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.Status, status, trim(r.Body))
	}
}

func TestTokensDashboardLifecycle(t *testing.T) {
	a := newTestApp(t)
	a.createUser(t, "ana@example.com", testPassword)
	c := a.client(t)
	c.signIn("ana@example.com", testPassword)

	r := c.get("/tokens")
	mustStatus(t, "tokens page", r, http.StatusOK)
	if !contains(r.Body, i18n.T(i18n.FA, "tokens.empty")) || !contains(r.Body, i18n.T(i18n.FA, "tokens.scope.vm_console")) {
		t.Fatalf("the empty page lacks the empty message or a scope's explanation\n%s", trim(r.Body))
	}

	r = c.post("/tokens", form("name", "deploy", "scopes", "vm:read", "scopes", "account:read", "expires", "30"))
	mustStatus(t, "create token", r, http.StatusOK)
	secret := tokenSecretRe.FindString(r.Body)
	if secret == "" || !contains(r.Body, i18n.T(i18n.FA, "tokens.created_warning")) || !strings.Contains(r.Body, `data-copy="new-token-secret"`) {
		t.Fatalf("the created token, its warning or its copy button is missing\n%s", trim(r.Body))
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the page with the secret has Cache-Control %q, want no-store", cc)
	}
	var hash, prefix, scopes string
	var expires *int64
	if err := a.DB.R.QueryRow(`SELECT hash, prefix, scopes, expires_at FROM api_tokens`).Scan(&hash, &prefix, &scopes, &expires); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(secret))
	if hash == secret || hash != hex.EncodeToString(sum[:]) || scopes != "vm:read account:read" || expires == nil {
		t.Fatalf("stored hash %q scopes %q expires %v, want sha256 of the secret, both scopes and an expiry", hash, scopes, expires)
	}

	r = c.get("/tokens")
	if strings.Contains(r.Body, secret) || strings.Contains(r.Body, secret[len("ic_pat_"):]) {
		t.Fatal("the list shows the secret again")
	}
	if !contains(r.Body, "ic_pat_"+prefix+"…") || !contains(r.Body, "deploy") || !contains(r.Body, i18n.T(i18n.FA, "tokens.never_used")) {
		t.Fatalf("the list lacks the token's name, prefix or use\n%s", trim(r.Body))
	}

	r = apiCall(t, a, http.MethodGet, "/api/v1/account", secret, "")
	mustStatus(t, "the new token on the API", r, http.StatusOK)
	r = c.get("/tokens?lang=en")
	if !contains(r.Body, i18n.T(i18n.EN, "time.just_now")) || !contains(r.Body, "127.0.0.1") {
		t.Fatalf("the list does not show the token's last use in English\n%s", trim(r.Body))
	}

	id := a.count(t, `SELECT id FROM api_tokens`)
	r = c.post("/tokens/"+strconv.Itoa(id)+"/revoke", nil)
	if r.Status != http.StatusSeeOther || r.Location() != "/tokens" {
		t.Fatalf("revoke: %d → %q, want 303 → /tokens", r.Status, r.Location())
	}
	r = c.get("/tokens")
	if !contains(r.Body, i18n.T(i18n.EN, "tokens.revoked")) || contains(r.Body, "ic_pat_"+prefix) {
		t.Fatalf("after revoking: no message, or the token is still listed\n%s", trim(r.Body))
	}
	mustStatus(t, "a revoked token", apiCall(t, a, http.MethodGet, "/api/v1/account", secret, ""), http.StatusUnauthorized)
	if n := a.count(t, `SELECT count(*) FROM audit_events WHERE action IN ('token.created', 'token.revoked') AND severity = 'security'`); n != 2 {
		t.Errorf("%d security audit events for create and revoke, want 2", n)
	}
}

func TestTokensDashboardRefusals(t *testing.T) {
	signedIn := func(t *testing.T, a *testApp, c *client) {
		a.createUser(t, "ana@example.com", testPassword)
		c.signIn("ana@example.com", testPassword)
		c.get("/tokens")
	}
	noTokenMade := func(t *testing.T, a *testApp, c *client, r response) {
		if n := a.count(t, `SELECT count(*) FROM api_tokens`); n != 0 {
			t.Errorf("%d tokens exist after a refused form", n)
		}
		if tokenSecretRe.MatchString(r.Body) {
			t.Error("a refused form shows a token")
		}
	}
	fieldIs := func(field, key string) func(*testing.T, *testApp, *client, response) {
		return func(t *testing.T, a *testApp, c *client, r response) {
			noTokenMade(t, a, c, r)
			if got := fieldErrors(r.Body)[field]; got != i18n.T(i18n.FA, key) {
				t.Errorf("field %s says %q, want %q (all: %v)", field, got, i18n.T(i18n.FA, key), fieldErrors(r.Body))
			}
		}
	}
	runScenarios(t, []scenario{
		{name: "empty name", setup: signedIn, path: "/tokens", form: form("name", " ", "scopes", "vm:read", "expires", "30"),
			status: 422, check: fieldIs("name", "form.required")},
		{name: "long name keeps what was typed", setup: signedIn, path: "/tokens",
			form:   form("name", strings.Repeat("x", 65), "scopes", "vm:write", "expires", "never"),
			status: 422, contains: []string{strings.Repeat("x", 65)}, check: func(t *testing.T, a *testApp, c *client, r response) {
				fieldIs("name", "tokens.error_name_too_long")(t, a, c, r)
				if !regexp.MustCompile(`value="vm:write"[^>]*checked`).MatchString(r.Body) {
					t.Error("the ticked scope is not ticked again")
				}
			}},
		{name: "no scope", setup: signedIn, path: "/tokens", form: form("name", "ci", "expires", "30"),
			status: 422, check: fieldIs("scopes", "tokens.error_no_scope")},
		{name: "unknown scope", setup: signedIn, path: "/tokens", form: form("name", "ci", "scopes", "admin:all", "expires", "30"),
			status: 422, check: fieldIs("scopes", "tokens.error_unknown_scope")},
		{name: "custom expiry without days", setup: signedIn, path: "/tokens", form: form("name", "ci", "scopes", "vm:read", "expires", "custom"),
			status: 422, check: fieldIs("expires", "tokens.error_expiry_range")},
		{name: "custom expiry of 10 days", setup: signedIn, path: "/tokens", form: form("name", "ci", "scopes", "vm:read", "expires", "custom", "expires_days", "10"),
			status: 200, check: func(t *testing.T, a *testApp, c *client, r response) {
				if n := a.count(t, `SELECT count(*) FROM api_tokens WHERE expires_at - created_at = 10*86400`); n != 1 {
					t.Errorf("no token expiring in 10 days was made")
				}
			}},
		{name: "no CSRF token", setup: signedIn, path: "/tokens", csrf: "-", form: form("name", "ci", "scopes", "vm:read", "expires", "30"),
			status: 403, check: noTokenMade},
		{name: "anonymous", path: "/tokens", method: http.MethodGet, status: 303, redirect: "/signin"},
		{name: "revoking another customer's token", setup: func(t *testing.T, a *testApp, c *client) {
			a.createUser(t, "bob@example.com", testPassword)
			mintToken(t, a, "bob@example.com", "vm:read")
			signedIn(t, a, c)
		}, path: "/tokens/1/revoke", status: 404, check: func(t *testing.T, a *testApp, c *client, r response) {
			if n := a.count(t, `SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL`); n != 1 {
				t.Error("bob's token was revoked by ana")
			}
		}},
		{name: "revoking a token that does not exist", setup: signedIn, path: "/tokens/abc/revoke", status: 404},
	})
}

// principalOf is a user acting through the browser, for calling services directly.
func principalOf(t testing.TB, a *testApp, email string) services.Principal {
	t.Helper()
	u := a.user(t, email)
	return services.Principal{UserID: u.ID, Email: u.Email, IP: "127.0.0.1"}
}

// TestTokensAndKeysInBrowser creates and revokes a token and adds an SSH key
// in headless Chromium, in Persian and English, at desktop and phone sizes.
func TestTokensAndKeysInBrowser(t *testing.T) {
	a := newTestApp(t)
	a.createUser(t, "sara@example.com", testPassword)
	p := newTab(t, newBrowser(t), a.URL)
	p.open("/signin?lang=fa")
	p.fill(map[string]string{"#f-email": "sara@example.com", "#f-password": testPassword})
	p.click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)

	p.open("/tokens")
	p.wantLangDir("fa", "rtl")
	p.fill(map[string]string{"#f-name": "اسکریپت استقرار"})
	p.MustElement(`input[name=scopes][value="vm:read"]`).MustClick()
	p.MustElement(`input[name=scopes][value="account:read"]`).MustClick()
	p.click(`form[action="/tokens"] button[type=submit]`, `[data-testid=token-secret]`)
	secret := p.MustElement(`[data-testid=token-secret]`).MustText()
	if !tokenSecretRe.MatchString(secret) {
		t.Fatalf("the page shows %q as the token", secret)
	}
	if dir := p.MustElement(`[data-testid=token-secret]`).MustEval(`() => getComputedStyle(this).direction`).Str(); dir != "ltr" {
		t.Errorf("the token is set %s inside the Persian page, want ltr", dir)
	}
	p.screenshot("tokens-created-fa-desktop")
	p.atPhoneSize()
	p.screenshot("tokens-created-fa-phone")
	p.atDesktopSize()
	mustStatus(t, "the browser's token on the API", apiCall(t, a, http.MethodGet, "/api/v1/account", secret, ""), http.StatusOK)

	// Revoking asks first, naming the token.
	p.open("/tokens?lang=en")
	wait, handle := p.MustHandleDialog()
	go func() {
		d := wait()
		if want := i18n.T(i18n.EN, "tokens.revoke_confirm", "name", isolated("اسکریپت استقرار")); d.Message != want {
			t.Errorf("confirmation %q, want %q", d.Message, want)
		}
		handle(true, "")
	}()
	p.click(`[data-token-id] button[type=submit]`, `.flash-success`)
	if has, _, _ := p.Has(`[data-token-id]`); has {
		t.Error("the revoked token is still listed")
	}
	mustStatus(t, "the revoked token on the API", apiCall(t, a, http.MethodGet, "/api/v1/account", secret, ""), http.StatusUnauthorized)

	line, fp := newEd25519Line(t, "sara@laptop")
	p.open("/ssh-keys")
	p.wantLangDir("en", "ltr")
	p.fill(map[string]string{"#f-name": "laptop", "#f-public_key": line})
	p.click(`form[action="/ssh-keys"] button[type=submit]`, `[data-testid=ssh-keys]`)
	// Shown shortened (start and end, which people compare), whole in its title and its copy.
	code := p.MustElement(`[data-ssh-key-id] code[data-fingerprint]`)
	if got, title := code.MustText(), code.MustAttribute("title"); title == nil || *title != fp || !strings.HasPrefix(fp, strings.Split(got, "…")[0]) || !strings.HasSuffix(fp, strings.Split(got, "…")[1]) {
		t.Errorf("listed fingerprint %q (title %v), want a shortening of %q", got, title, fp)
	}
	p.atPhoneSize()
	p.screenshot("ssh-keys-en-phone")
	p.atDesktopSize()
	p.open("/ssh-keys?lang=fa")
	p.screenshot("ssh-keys-fa-desktop")
}
