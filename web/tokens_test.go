package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"abrak/testkit"
	"abrak/views/i18n"
)

func TestTokensDashboardLifecycle(t *testing.T) {
	a := testkit.NewApp(t)
	a.CreateUser(t, "ana@example.com", testkit.Password)
	c := a.Client(t)
	c.SignIn("ana@example.com", testkit.Password)

	r := c.Get("/tokens")
	testkit.MustStatus(t, "tokens page", r, http.StatusOK)
	if !testkit.Contains(r.Body, i18n.T(i18n.FA, "tokens.empty")) || !testkit.Contains(r.Body, i18n.T(i18n.FA, "tokens.scope.vm_console")) {
		t.Fatalf("the empty page lacks the empty message or a scope's explanation\n%s", testkit.Trim(r.Body))
	}

	r = c.Post("/tokens", testkit.Form("name", "deploy", "scopes", "vm:read", "scopes", "account:read", "expires", "30"))
	testkit.MustStatus(t, "create token", r, http.StatusOK)
	secret := testkit.TokenSecretRe.FindString(r.Body)
	if secret == "" || !testkit.Contains(r.Body, i18n.T(i18n.FA, "tokens.created_warning")) || !strings.Contains(r.Body, `data-copy="new-token-secret"`) {
		t.Fatalf("the created token, its warning or its copy button is missing\n%s", testkit.Trim(r.Body))
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

	r = c.Get("/tokens")
	if strings.Contains(r.Body, secret) || strings.Contains(r.Body, secret[len("ic_pat_"):]) {
		t.Fatal("the list shows the secret again")
	}
	if !testkit.Contains(r.Body, "ic_pat_"+prefix+"…") || !testkit.Contains(r.Body, "deploy") || !testkit.Contains(r.Body, i18n.T(i18n.FA, "tokens.never_used")) {
		t.Fatalf("the list lacks the token's name, prefix or use\n%s", testkit.Trim(r.Body))
	}

	r = a.APICall(t, http.MethodGet, "/api/v1/account", secret, "")
	testkit.MustStatus(t, "the new token on the API", r, http.StatusOK)
	r = c.Get("/tokens?lang=en")
	if !testkit.Contains(r.Body, i18n.T(i18n.EN, "time.just_now")) || !testkit.Contains(r.Body, "127.0.0.1") {
		t.Fatalf("the list does not show the token's last use in English\n%s", testkit.Trim(r.Body))
	}

	id := a.Count(t, `SELECT id FROM api_tokens`)
	r = c.Post("/tokens/"+strconv.Itoa(id)+"/revoke", nil)
	if r.Status != http.StatusSeeOther || r.Location() != "/tokens" {
		t.Fatalf("revoke: %d → %q, want 303 → /tokens", r.Status, r.Location())
	}
	r = c.Get("/tokens")
	if !testkit.Contains(r.Body, i18n.T(i18n.EN, "tokens.revoked")) || testkit.Contains(r.Body, "ic_pat_"+prefix) {
		t.Fatalf("after revoking: no message, or the token is still listed\n%s", testkit.Trim(r.Body))
	}
	testkit.MustStatus(t, "a revoked token", a.APICall(t, http.MethodGet, "/api/v1/account", secret, ""), http.StatusUnauthorized)
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action IN ('token.created', 'token.revoked') AND severity = 'security'`); n != 2 {
		t.Errorf("%d security audit events for create and revoke, want 2", n)
	}
}

func TestTokensDashboardRefusals(t *testing.T) {
	signedIn := func(t *testing.T, a *testkit.App, c *testkit.Client) {
		a.CreateUser(t, "ana@example.com", testkit.Password)
		c.SignIn("ana@example.com", testkit.Password)
		c.Get("/tokens")
	}
	noTokenMade := func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
		if n := a.Count(t, `SELECT count(*) FROM api_tokens`); n != 0 {
			t.Errorf("%d tokens exist after a refused form", n)
		}
		if testkit.TokenSecretRe.MatchString(r.Body) {
			t.Error("a refused form shows a token")
		}
	}
	fieldIs := func(field, key string) func(*testing.T, *testkit.App, *testkit.Client, testkit.Response) {
		return func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
			noTokenMade(t, a, c, r)
			if got := testkit.FieldErrors(r.Body)[field]; got != i18n.T(i18n.FA, key) {
				t.Errorf("field %s says %q, want %q (all: %v)", field, got, i18n.T(i18n.FA, key), testkit.FieldErrors(r.Body))
			}
		}
	}
	testkit.RunScenarios(t, []testkit.Scenario{
		{Name: "empty name", Setup: signedIn, Path: "/tokens", Form: testkit.Form("name", " ", "scopes", "vm:read", "expires", "30"),
			Status: 422, Check: fieldIs("name", "form.required")},
		{Name: "long name keeps what was typed", Setup: signedIn, Path: "/tokens",
			Form:   testkit.Form("name", strings.Repeat("x", 65), "scopes", "vm:write", "expires", "never"),
			Status: 422, Contains: []string{strings.Repeat("x", 65)}, Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
				fieldIs("name", "tokens.error_name_too_long")(t, a, c, r)
				if !regexp.MustCompile(`value="vm:write"[^>]*checked`).MatchString(r.Body) {
					t.Error("the ticked scope is not ticked again")
				}
			}},
		{Name: "no scope", Setup: signedIn, Path: "/tokens", Form: testkit.Form("name", "ci", "expires", "30"),
			Status: 422, Check: fieldIs("scopes", "tokens.error_no_scope")},
		{Name: "unknown scope", Setup: signedIn, Path: "/tokens", Form: testkit.Form("name", "ci", "scopes", "admin:all", "expires", "30"),
			Status: 422, Check: fieldIs("scopes", "tokens.error_unknown_scope")},
		{Name: "custom expiry without days", Setup: signedIn, Path: "/tokens", Form: testkit.Form("name", "ci", "scopes", "vm:read", "expires", "custom"),
			Status: 422, Check: fieldIs("expires", "tokens.error_expiry_range")},
		{Name: "custom expiry of 10 days", Setup: signedIn, Path: "/tokens", Form: testkit.Form("name", "ci", "scopes", "vm:read", "expires", "custom", "expires_days", "10"),
			Status: 200, Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
				if n := a.Count(t, `SELECT count(*) FROM api_tokens WHERE expires_at - created_at = 10*86400`); n != 1 {
					t.Errorf("no token expiring in 10 days was made")
				}
			}},
		{Name: "no CSRF token", Setup: signedIn, Path: "/tokens", CSRF: "-", Form: testkit.Form("name", "ci", "scopes", "vm:read", "expires", "30"),
			Status: 403, Check: noTokenMade},
		{Name: "anonymous", Path: "/tokens", Method: http.MethodGet, Status: 303, Redirect: "/signin"},
		{Name: "revoking another customer's token", Setup: func(t *testing.T, a *testkit.App, c *testkit.Client) {
			a.CreateUser(t, "bob@example.com", testkit.Password)
			a.MintToken(t, "bob@example.com", "vm:read")
			signedIn(t, a, c)
		}, Path: "/tokens/1/revoke", Status: 404, Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
			if n := a.Count(t, `SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL`); n != 1 {
				t.Error("bob's token was revoked by ana")
			}
		}},
		{Name: "revoking a token that does not exist", Setup: signedIn, Path: "/tokens/abc/revoke", Status: 404},
	})
}

// TestTokensAndKeysInBrowser creates and revokes a token and adds an SSH key
// in headless Chromium, in Persian and English, at desktop and phone sizes.
func TestTokensAndKeysInBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	a.CreateUser(t, "sara@example.com", testkit.Password)
	p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
	p.Open("/signin?lang=fa")
	p.Fill(map[string]string{"#f-email": "sara@example.com", "#f-password": testkit.Password})
	p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)

	p.Open("/tokens")
	p.WantLangDir("fa", "rtl")
	p.Fill(map[string]string{"#f-name": "اسکریپت استقرار"})
	p.MustElement(`input[name=scopes][value="vm:read"]`).MustClick()
	p.MustElement(`input[name=scopes][value="account:read"]`).MustClick()
	p.Click(`form[action="/tokens"] button[type=submit]`, `[data-testid=token-secret]`)
	secret := p.MustElement(`[data-testid=token-secret]`).MustText()
	if !testkit.TokenSecretRe.MatchString(secret) {
		t.Fatalf("the page shows %q as the token", secret)
	}
	if dir := p.MustElement(`[data-testid=token-secret]`).MustEval(`() => getComputedStyle(this).direction`).Str(); dir != "ltr" {
		t.Errorf("the token is set %s inside the Persian page, want ltr", dir)
	}
	p.SaveScreenshot("tokens-created-fa-desktop")
	p.AtPhoneSize()
	p.SaveScreenshot("tokens-created-fa-phone")
	p.AtDesktopSize()
	testkit.MustStatus(t, "the browser's token on the API", a.APICall(t, http.MethodGet, "/api/v1/account", secret, ""), http.StatusOK)

	// Revoking asks first, naming the token.
	p.Open("/tokens?lang=en")
	p.ConfirmClick(`[data-token-id] button[type=submit]`, i18n.T(i18n.EN, "tokens.revoke_confirm", "name", testkit.Isolated("اسکریپت استقرار")))
	p.SettledElement(`.flash-success`)
	if has, _, _ := p.Has(`[data-token-id]`); has {
		t.Error("the revoked token is still listed")
	}
	testkit.MustStatus(t, "the revoked token on the API", a.APICall(t, http.MethodGet, "/api/v1/account", secret, ""), http.StatusUnauthorized)

	line, fp := newEd25519Line(t, "sara@laptop")
	p.Open("/ssh-keys")
	p.WantLangDir("en", "ltr")
	p.Fill(map[string]string{"#f-name": "laptop", "#f-public_key": line})
	p.Click(`form[action="/ssh-keys"] button[type=submit]`, `[data-testid=ssh-keys]`)
	// Shown shortened (start and end, which people compare), whole in its title and its copy.
	code := p.MustElement(`[data-ssh-key-id] code[data-fingerprint]`)
	if got, title := code.MustText(), code.MustAttribute("title"); title == nil || *title != fp || !strings.HasPrefix(fp, strings.Split(got, "…")[0]) || !strings.HasSuffix(fp, strings.Split(got, "…")[1]) {
		t.Errorf("listed fingerprint %q (title %v), want a shortening of %q", got, title, fp)
	}
	p.AtPhoneSize()
	p.SaveScreenshot("ssh-keys-en-phone")
	p.AtDesktopSize()
	p.Open("/ssh-keys?lang=fa")
	p.SaveScreenshot("ssh-keys-fa-desktop")
}
