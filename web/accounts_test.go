package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/services"
	"abrak/views/i18n"
)

// fa is a message as the default (Persian) page shows it.
func fa(key string, args ...string) string { return i18n.T(i18n.FA, key, args...) }

func wantStatus(t *testing.T, what string, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.Status, status, trim(r.Body))
	}
}

func wantRedirect(t *testing.T, what string, r response, to string) {
	t.Helper()
	wantStatus(t, what, r, http.StatusSeeOther)
	if r.Location() != to {
		t.Fatalf("%s: redirected to %q, want %q", what, r.Location(), to)
	}
}

func wantFieldError(t *testing.T, body, field, key string) {
	t.Helper()
	errs := fieldErrors(body)
	if errs[field] != fa(key) {
		t.Errorf("field %s: message %q, want %q (all field errors: %v)", field, errs[field], fa(key), errs)
	}
}

// auditCount counts a user's audit events of one action.
func auditCount(t *testing.T, a *testApp, userID int64, action string) int {
	t.Helper()
	return a.count(t, `SELECT count(*) FROM audit_events WHERE user_id = ? AND action = ?`, userID, action)
}

func TestSignUp(t *testing.T) {
	nobodyCreated := func(t *testing.T, a *testApp, c *client, r response) {
		if n := a.count(t, `SELECT count(*) FROM users`); n != 0 {
			t.Errorf("%d users exist after a refused sign-up", n)
		}
		if c.cookie(sessionCookie) != "" {
			t.Error("a refused sign-up got a session cookie")
		}
	}
	runScenarios(t, []scenario{
		{
			name: "ok", path: "/signup",
			setup:  func(t *testing.T, a *testApp, c *client) { c.get("/signup") },
			form:   form("email", "  Ana@Example.COM ", "name", "Ana", "password", testPassword, "confirm", testPassword),
			status: http.StatusSeeOther, redirect: "/vms",
			check: func(t *testing.T, a *testApp, c *client, r response) {
				if c.cookie(sessionCookie) == "" {
					t.Fatal("no session cookie after sign-up")
				}
				u := a.user(t, "ana@example.com")
				if u.Email != "ana@example.com" || u.Name != "Ana" || u.BalanceRials != 0 || u.TOTPEnabled {
					t.Errorf("stored user = %+v", u)
				}
				if u.Locale != "fa" {
					t.Errorf("locale saved at sign-up = %q, want fa", u.Locale)
				}
				if n := auditCount(t, a, u.ID, "auth.signup"); n != 1 {
					t.Errorf("%d auth.signup audit events, want 1", n)
				}
				page := c.get("/vms")
				wantStatus(t, "GET /vms after sign-up", page, http.StatusOK)
				if !contains(page.Body, fa("auth.welcome")) {
					t.Error("the dashboard does not welcome the new customer")
				}
				if !contains(page.Body, fa("money.toman", "amount", "۰")) {
					t.Error("the header does not show a zero balance")
				}
			},
		},
		{
			name: "duplicate email in another case", path: "/signup",
			setup:  func(t *testing.T, a *testApp, c *client) { a.createUser(t, "ana@example.com", testPassword) },
			form:   form("email", "ANA@example.com", "name", "Another Ana", "password", testPassword+"2", "confirm", testPassword+"2"),
			status: http.StatusUnprocessableEntity,
			check: func(t *testing.T, a *testApp, c *client, r response) {
				wantFieldError(t, r.Body, "email", "form.email_taken")
				if n := a.count(t, `SELECT count(*) FROM users`); n != 1 {
					t.Errorf("%d users, want 1", n)
				}
				if c.cookie(sessionCookie) != "" {
					t.Error("a refused sign-up got a session cookie")
				}
				if !strings.Contains(r.Body, `value="Another Ana"`) {
					t.Error("the form lost the name the customer typed")
				}
			},
		},
		{
			name: "weak password", path: "/signup",
			form:   form("email", "ana@example.com", "name", "Ana", "password", "1234567890", "confirm", "1234567890"),
			status: http.StatusUnprocessableEntity,
			check: func(t *testing.T, a *testApp, c *client, r response) {
				wantFieldError(t, r.Body, "password", "form.password_weak")
				nobodyCreated(t, a, c, r)
			},
		},
		{
			name: "password is the email", path: "/signup",
			form:   form("email", "ana.long@example.com", "name", "Ana", "password", "ana.long@example.com", "confirm", "ana.long@example.com"),
			status: http.StatusUnprocessableEntity,
			check: func(t *testing.T, a *testApp, c *client, r response) {
				wantFieldError(t, r.Body, "password", "form.password_weak")
				nobodyCreated(t, a, c, r)
			},
		},
		{
			name: "password too short", path: "/signup",
			form:   form("email", "ana@example.com", "name", "Ana", "password", "short1!", "confirm", "short1!"),
			status: http.StatusUnprocessableEntity,
			check: func(t *testing.T, a *testApp, c *client, r response) {
				wantFieldError(t, r.Body, "password", "form.password_too_short")
				nobodyCreated(t, a, c, r)
			},
		},
		{
			name: "confirmation differs", path: "/signup",
			form:   form("email", "ana@example.com", "name", "Ana", "password", testPassword, "confirm", testPassword+"x"),
			status: http.StatusUnprocessableEntity,
			check: func(t *testing.T, a *testApp, c *client, r response) {
				wantFieldError(t, r.Body, "confirm", "form.passwords_mismatch")
				nobodyCreated(t, a, c, r)
			},
		},
		{
			name: "invalid email", path: "/signup",
			form:   form("email", "ana-at-example", "name", "Ana", "password", testPassword, "confirm", testPassword),
			status: http.StatusUnprocessableEntity,
			check: func(t *testing.T, a *testApp, c *client, r response) {
				wantFieldError(t, r.Body, "email", "form.invalid_email")
				if !strings.Contains(r.Body, `value="ana-at-example"`) {
					t.Error("the form lost the email the customer typed")
				}
				if strings.Contains(r.Body, testPassword) {
					t.Error("the refused form echoes the password")
				}
				nobodyCreated(t, a, c, r)
			},
		},
		{
			name: "empty form", path: "/signup",
			form:   form("email", "", "name", "", "password", "", "confirm", ""),
			status: http.StatusUnprocessableEntity,
			check: func(t *testing.T, a *testApp, c *client, r response) {
				for _, f := range []string{"email", "name", "password"} {
					wantFieldError(t, r.Body, f, "form.required")
				}
				nobodyCreated(t, a, c, r)
			},
		},
		{
			name: "signed in, the form sends to the dashboard", method: http.MethodGet, path: "/signup",
			setup: func(t *testing.T, a *testApp, c *client) {
				a.createUser(t, "ana@example.com", testPassword)
				c.signIn("ana@example.com", testPassword)
			},
			status: http.StatusSeeOther, redirect: "/vms",
		},
	})
}

func TestSignIn(t *testing.T) {
	withAna := func(t *testing.T, a *testApp, c *client) {
		a.createUser(t, "ana@example.com", testPassword)
		c.get("/signin")
	}
	refused := func(t *testing.T, a *testApp, c *client, r response) {
		if got := formMessage(r.Body); got != fa("auth.invalid_credentials") {
			t.Errorf("message %q, want %q", got, fa("auth.invalid_credentials"))
		}
		if c.cookie(sessionCookie) != "" {
			t.Error("a refused sign-in got a session cookie")
		}
		wantRedirect(t, "GET /vms after a refused sign-in", c.get("/vms"), "/signin")
	}
	runScenarios(t, []scenario{
		{
			name: "ok, email in another case", path: "/signin", setup: withAna,
			form:   form("email", "ANA@example.com", "password", testPassword),
			status: http.StatusSeeOther, redirect: "/vms",
			check: func(t *testing.T, a *testApp, c *client, r response) {
				u := a.user(t, "ana@example.com")
				if n := auditCount(t, a, u.ID, "auth.signin"); n != 1 {
					t.Errorf("%d auth.signin audit events, want 1", n)
				}
				page := c.get("/vms")
				wantStatus(t, "GET /vms", page, http.StatusOK)
				if !strings.Contains(page.Body, `data-testid="balance"`) {
					t.Error("the dashboard header has no balance")
				}
			},
		},
		{
			name: "wrong password", path: "/signin", setup: withAna,
			form:   form("email", "ana@example.com", "password", testPassword+"!"),
			status: http.StatusUnprocessableEntity,
			check: func(t *testing.T, a *testApp, c *client, r response) {
				refused(t, a, c, r)
				u := a.user(t, "ana@example.com")
				if n := auditCount(t, a, u.ID, "auth.signin_failed"); n != 1 {
					t.Errorf("%d auth.signin_failed audit events, want 1", n)
				}
			},
		},
		{
			name: "unknown email", path: "/signin", setup: withAna,
			form:   form("email", "bob@example.com", "password", testPassword),
			status: http.StatusUnprocessableEntity, check: refused,
		},
		{
			name: "empty form", path: "/signin",
			form:   form("email", "", "password", ""),
			status: http.StatusUnprocessableEntity,
			check: func(t *testing.T, a *testApp, c *client, r response) {
				wantFieldError(t, r.Body, "email", "form.required")
				wantFieldError(t, r.Body, "password", "form.required")
			},
		},
		{
			name: "signed in, the form sends to the dashboard", method: http.MethodGet, path: "/signin",
			setup: func(t *testing.T, a *testApp, c *client) {
				withAna(t, a, c)
				c.signIn("ana@example.com", testPassword)
			},
			status: http.StatusSeeOther, redirect: "/vms",
		},
		{
			name: "anonymous, the dashboard sends to sign-in", method: http.MethodGet, path: "/vms",
			status: http.StatusSeeOther, redirect: "/signin",
		},
		{
			name: "anonymous htmx request is told where to go", method: http.MethodGet, path: "/account",
			header: header("HX-Request", "true"),
			status: http.StatusUnauthorized, headers: map[string]string{"HX-Redirect": "/signin"},
		},
	})
}

// An unknown email and a wrong password must be indistinguishable: same
// status, and the same page once the per-request token and the echoed email
// are set aside.
func TestSignInDoesNotRevealAccounts(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.createUser(t, "ana@example.com", testPassword)
	attempt := func(email string) response {
		c := a.client(t)
		c.get("/signin")
		tok := c.token()
		r := c.post("/signin", form("email", email, "password", "not-the-password-1"))
		r.Body = strings.ReplaceAll(strings.ReplaceAll(r.Body, tok, "TOKEN"), email, "EMAIL")
		return r
	}
	known, unknown := attempt("ana@example.com"), attempt("bob@example.org")
	if known.Status != http.StatusUnprocessableEntity || unknown.Status != known.Status {
		t.Fatalf("statuses %d (wrong password) and %d (unknown email), want both 422", known.Status, unknown.Status)
	}
	if known.Body != unknown.Body {
		t.Errorf("the pages differ:\nwrong password:\n%s\nunknown email:\n%s", known.Body, unknown.Body)
	}
	if formMessage(known.Body) != fa("auth.invalid_credentials") {
		t.Errorf("message %q", formMessage(known.Body))
	}
}

func TestSignInRateLimit(t *testing.T) {
	const max = 3
	retryAfter := func(t *testing.T, r response) int {
		t.Helper()
		s, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || s < 1 || s > 60 {
			t.Fatalf("Retry-After %q, want 1…60 seconds", r.Header.Get("Retry-After"))
		}
		return s
	}
	t.Run("per account", func(t *testing.T) {
		t.Parallel()
		a := newTestApp(t, withLimits(nil, services.NewAttemptLimiter(max, time.Minute, nil)))
		a.createUser(t, "ana@example.com", testPassword)
		a.createUser(t, "bob@example.com", testPassword)
		c := a.client(t)
		c.get("/signin")
		for i := range max {
			r := c.post("/signin", form("email", "ana@example.com", "password", "wrong-password-"+strconv.Itoa(i)))
			wantStatus(t, "wrong password "+strconv.Itoa(i+1), r, http.StatusUnprocessableEntity)
		}
		// Even the right password is refused now, in Persian and in English.
		r := c.post("/signin", form("email", "ana@example.com", "password", testPassword))
		wantStatus(t, "right password after the limit", r, http.StatusTooManyRequests)
		s := retryAfter(t, r)
		// The wait is told in Persian digits: ۶۰, not 60.
		if msg, want := formMessage(r.Body), i18n.T(i18n.FA, "auth.too_many_attempts", "seconds", strconv.Itoa(s)); msg != want || strings.ContainsAny(msg, "0123456789") {
			t.Errorf("Persian message %q, want %q", msg, want)
		}
		if c.cookie(sessionCookie) != "" {
			t.Error("a limited sign-in got a session")
		}
		en := a.client(t)
		en.Header.Set("Accept-Language", "en")
		en.get("/signin")
		r = en.post("/signin", form("email", "ana@example.com", "password", testPassword))
		wantStatus(t, "right password from another browser", r, http.StatusTooManyRequests)
		s = retryAfter(t, r)
		if want := i18n.T(i18n.EN, "auth.too_many_attempts", "seconds", strconv.Itoa(s)); formMessage(r.Body) != want {
			t.Errorf("English message %q, want %q", formMessage(r.Body), want)
		}
		// The limit is the account's: another account from the same address signs in.
		wantRedirect(t, "bob signs in", c.post("/signin", form("email", "bob@example.com", "password", testPassword)), "/vms")
	})
	t.Run("per address", func(t *testing.T) {
		t.Parallel()
		a := newTestApp(t, withLimits(services.NewAttemptLimiter(max, time.Minute, nil), nil))
		a.createUser(t, "ana@example.com", testPassword)
		c := a.client(t)
		c.get("/signin")
		for i := range max {
			r := c.post("/signin", form("email", "nobody"+strconv.Itoa(i)+"@example.com", "password", testPassword))
			wantStatus(t, "unknown email "+strconv.Itoa(i+1), r, http.StatusUnprocessableEntity)
		}
		r := c.post("/signin", form("email", "ana@example.com", "password", testPassword))
		wantStatus(t, "a real account from the same address", r, http.StatusTooManyRequests)
		retryAfter(t, r)
		if n := a.count(t, `SELECT count(*) FROM audit_events WHERE action = 'auth.signin'`); n != 0 {
			t.Errorf("%d sign-ins recorded while limited", n)
		}
	})
}

// enableTOTP turns two-factor sign-in on for u through the services and
// returns the secret and the recovery codes.
func enableTOTP(t *testing.T, a *testApp, email string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	u := a.user(t, email)
	p := services.Principal{UserID: u.ID, Email: u.Email}
	en, err := a.Accounts.BeginTOTP(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := a.Accounts.ConfirmTOTP(ctx, p, totpCode(t, en.Secret))
	if err != nil {
		t.Fatal(err)
	}
	return en.Secret, codes
}

func totpCode(t *testing.T, secret string) string {
	t.Helper()
	code, err := services.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// wrongTOTPCode is a six-digit code no authenticator would show now.
func wrongTOTPCode(t *testing.T, secret string) string {
	t.Helper()
	now := time.Now()
	valid := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		c, _ := services.TOTPCode(secret, now.Add(d))
		valid[c] = true
	}
	for i := 0; ; i++ {
		c := strconv.Itoa(100000 + i*7919%900000)
		if !valid[c] {
			return c
		}
	}
}

func TestCSRFRefused(t *testing.T) {
	signedIn := func(t *testing.T, a *testApp, c *client) {
		a.createUser(t, "ana@example.com", testPassword)
		c.signIn("ana@example.com", testPassword)
		c.get("/account")
	}
	stillSignedIn := func(t *testing.T, c *client) {
		t.Helper()
		wantStatus(t, "GET /account", c.get("/account"), http.StatusOK)
	}
	type route struct {
		name  string
		path  string
		form  []string
		setup func(t *testing.T, a *testApp, c *client)
		// formFunc, when set, makes the form after setup (a code valid now).
		formFunc func(t *testing.T, a *testApp, c *client) url.Values
		intact   func(t *testing.T, a *testApp, c *client)
	}
	routes := []route{
		{
			name: "sign in", path: "/signin", form: []string{"email", "ana@example.com", "password", testPassword},
			setup: func(t *testing.T, a *testApp, c *client) {
				a.createUser(t, "ana@example.com", testPassword)
				c.get("/signin")
			},
			intact: func(t *testing.T, a *testApp, c *client) {
				wantRedirect(t, "GET /vms", c.get("/vms"), "/signin")
			},
		},
		{
			name: "sign up", path: "/signup", form: []string{"email", "ana@example.com", "name", "Ana", "password", testPassword, "confirm", testPassword},
			setup: func(t *testing.T, a *testApp, c *client) { c.get("/signup") },
			intact: func(t *testing.T, a *testApp, c *client) {
				if n := a.count(t, `SELECT count(*) FROM users`); n != 0 {
					t.Errorf("%d users created", n)
				}
			},
		},
		{
			name: "sign out", path: "/signout", setup: signedIn,
			intact: func(t *testing.T, a *testApp, c *client) { stillSignedIn(t, c) },
		},
		{
			name: "change password", path: "/account/password",
			form:  []string{"current", testPassword, "password", "another-good-password", "confirm", "another-good-password"},
			setup: signedIn,
			intact: func(t *testing.T, a *testApp, c *client) {
				ok, _ := services.CheckPassword(a.user(t, "ana@example.com").PasswordHash, testPassword)
				if !ok {
					t.Error("the password changed")
				}
				stillSignedIn(t, c)
			},
		},
		{
			name: "start two-factor", path: "/account/2fa/start", setup: signedIn,
			intact: func(t *testing.T, a *testApp, c *client) {
				if u := a.user(t, "ana@example.com"); u.TOTPSecret != "" || u.TOTPEnabled {
					t.Errorf("two-factor state changed: secret %q, enabled %v", u.TOTPSecret, u.TOTPEnabled)
				}
			},
		},
		{
			name: "confirm two-factor", path: "/account/2fa/confirm",
			setup: func(t *testing.T, a *testApp, c *client) {
				signedIn(t, a, c)
				wantStatus(t, "start two-factor", c.post("/account/2fa/start", nil), http.StatusOK)
			},
			// The right code, so that only the token can be what refuses it.
			formFunc: func(t *testing.T, a *testApp, c *client) url.Values {
				return form("code", totpCode(t, a.user(t, "ana@example.com").TOTPSecret))
			},
			intact: func(t *testing.T, a *testApp, c *client) {
				if a.user(t, "ana@example.com").TOTPEnabled {
					t.Error("two-factor was turned on")
				}
			},
		},
		{
			name: "turn two-factor off", path: "/account/2fa/disable", form: []string{"password", testPassword},
			setup: func(t *testing.T, a *testApp, c *client) {
				a.createUser(t, "ana@example.com", testPassword)
				secret, _ := enableTOTP(t, a, "ana@example.com")
				wantRedirect(t, "password step", c.signIn("ana@example.com", testPassword), "/signin/2fa")
				wantRedirect(t, "code step", c.post("/signin/2fa", form("code", totpCode(t, secret))), "/vms")
				c.get("/account")
			},
			intact: func(t *testing.T, a *testApp, c *client) {
				if u := a.user(t, "ana@example.com"); !u.TOTPEnabled || u.TOTPSecret == "" {
					t.Error("two-factor was turned off")
				}
			},
		},
		{
			name: "second factor", path: "/signin/2fa",
			setup: func(t *testing.T, a *testApp, c *client) {
				a.createUser(t, "ana@example.com", testPassword)
				enableTOTP(t, a, "ana@example.com")
				wantRedirect(t, "password step", c.signIn("ana@example.com", testPassword), "/signin/2fa")
				c.get("/signin/2fa")
			},
			formFunc: func(t *testing.T, a *testApp, c *client) url.Values {
				return form("code", totpCode(t, a.user(t, "ana@example.com").TOTPSecret))
			},
			intact: func(t *testing.T, a *testApp, c *client) {
				wantRedirect(t, "GET /vms", c.get("/vms"), "/signin")
			},
		},
	}
	var rows []scenario
	for _, rt := range routes {
		for _, tc := range []struct{ name, token string }{{"missing", "-"}, {"wrong", "Zm9yZ2VkLXRva2VuLWZyb20tYW5vdGhlci1zaXRlLXh5eg"}} {
			rows = append(rows, scenario{
				name: rt.name + ", token " + tc.name, path: rt.path, csrf: tc.token,
				setup: rt.setup, form: form(rt.form...),
				formFunc: rt.formFunc,
				status:   http.StatusForbidden, contains: []string{fa("error.csrf")},
				check: func(t *testing.T, a *testApp, c *client, r response) { rt.intact(t, a, c) },
			})
		}
		// An Authorization header earns a cookie-authenticated request no exemption.
		rows = append(rows, scenario{
			name: rt.name + ", a junk bearer instead of the token", path: rt.path, csrf: "-",
			setup: rt.setup, form: form(rt.form...), formFunc: rt.formFunc,
			header: header("Authorization", "Bearer junk"),
			status: http.StatusForbidden, contains: []string{fa("error.csrf")},
			check: func(t *testing.T, a *testApp, c *client, r response) { rt.intact(t, a, c) },
		})
	}
	// htmx sends the token as a header instead of a form field.
	rows = append(rows, scenario{
		name: "htmx request with the token in a header is accepted", path: "/signout", csrf: "-",
		setup: func(t *testing.T, a *testApp, c *client) {
			signedIn(t, a, c)
			c.Header.Set("X-CSRF-Token", c.token())
		},
		header: header("HX-Request", "true"),
		status: http.StatusNoContent, headers: map[string]string{"HX-Redirect": "/signin"},
		check: func(t *testing.T, a *testApp, c *client, r response) {
			wantRedirect(t, "GET /account after htmx sign-out", c.get("/account"), "/signin")
		},
	})
	runScenarios(t, rows)
}

// The token is bound to the browser's session and the server's key: a pair the
// attacker chose (cookie and field alike) is refused, and the token served
// before a sign-in or a sign-out no longer works after it.
func TestCSRFBoundToTheSession(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.createUser(t, "ana@example.com", testPassword)

	mallory := a.client(t)
	planted := strings.Repeat("A", 43)
	mallory.setCookie("abrak_csrf", planted)
	mallory.get("/signin")
	r := mallory.postToken("/signin", form("email", "ana@example.com", "password", testPassword), planted)
	wantStatus(t, "an attacker's own cookie and field", r, http.StatusForbidden)
	r = mallory.postToken("/signin", form("email", "ana@example.com", "password", testPassword), planted+"."+strings.Repeat("B", 43))
	wantStatus(t, "a made-up signature", r, http.StatusForbidden)

	c := a.client(t)
	c.get("/signin")
	before := c.token()
	c.signIn("ana@example.com", testPassword)
	c.get("/account")
	after := c.token()
	if before == after {
		t.Fatal("the CSRF token did not change at sign-in")
	}
	wantStatus(t, "the token from before the sign-in", c.postToken("/account/2fa/start", nil, before), http.StatusForbidden)
	wantStatus(t, "the token of the session", c.postToken("/account/2fa/start", nil, after), http.StatusOK)
	c.post("/signout", nil)
	wantStatus(t, "the token from before the sign-out", c.postToken("/signin", form("email", "ana@example.com", "password", testPassword), after), http.StatusForbidden)
}

func TestSecureCSRFCookieIsHostPrefixed(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *app.Config) { c.Web.SecureCookies = true })
	r := a.client(t).get("/signin")
	for _, ck := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(ck, "abrak_csrf=") || strings.Contains(ck, "csrf") && !strings.HasPrefix(ck, "__Host-abrak_csrf=") {
			t.Errorf("CSRF cookie without the __Host- prefix: %s", ck)
		}
		if strings.HasPrefix(ck, "__Host-") && (!strings.Contains(ck, "Secure") || !strings.Contains(ck, "Path=/") || strings.Contains(ck, "Domain=")) {
			t.Errorf("a __Host- cookie browsers would refuse: %s", ck)
		}
	}
	if !strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), "\n"), "__Host-abrak_csrf=") {
		t.Errorf("no __Host-abrak_csrf cookie: %v", r.Header.Values("Set-Cookie"))
	}
}

func TestSessionRenewedAtSignIn(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.createUser(t, "ana@example.com", testPassword)
	secret, _ := enableTOTP(t, a, a.createUser(t, "bob@example.com", testPassword).Email)

	t.Run("password", func(t *testing.T) {
		c := a.client(t)
		c.signIn("ana@example.com", testPassword)
		before := c.cookie(sessionCookie)
		if before == "" {
			t.Fatal("no session cookie after sign-in")
		}
		// Signing in again over a live session must still hand out a new token.
		c.signIn("ana@example.com", testPassword)
		after := c.cookie(sessionCookie)
		if after == "" || after == before {
			t.Fatalf("session cookie %q before and %q after sign-in, want a new one", before, after)
		}
		wantStatus(t, "the new cookie", c.get("/account"), http.StatusOK)
		old := a.client(t)
		old.setCookie(sessionCookie, before)
		wantRedirect(t, "the old cookie", old.get("/account"), "/signin")
	})
	t.Run("second factor", func(t *testing.T) {
		c := a.client(t)
		wantRedirect(t, "password step", c.signIn("bob@example.com", testPassword), "/signin/2fa")
		pending := c.cookie(sessionCookie)
		wantRedirect(t, "code step", c.post("/signin/2fa", form("code", totpCode(t, secret))), "/vms")
		if got := c.cookie(sessionCookie); got == "" || got == pending {
			t.Fatalf("session cookie %q after the code, was %q: want a new one", got, pending)
		}
		old := a.client(t)
		old.setCookie(sessionCookie, pending)
		wantRedirect(t, "the half-signed-in cookie", old.get("/vms"), "/signin")
	})
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	u := a.createUser(t, "ana@example.com", testPassword)
	c := a.client(t)
	c.signIn("ana@example.com", testPassword)
	tok := c.cookie(sessionCookie)
	wantStatus(t, "GET /account", c.get("/account"), http.StatusOK)
	wantRedirect(t, "POST /signout", c.post("/signout", nil), "/signin")
	wantRedirect(t, "GET /account after sign-out", c.get("/account"), "/signin")
	replay := a.client(t)
	replay.setCookie(sessionCookie, tok)
	wantRedirect(t, "GET /account with the old cookie", replay.get("/account"), "/signin")
	if n := a.count(t, `SELECT count(*) FROM sessions WHERE token = ?`, tok); n != 0 {
		t.Error("the session row outlived sign-out")
	}
	if n := auditCount(t, a, u.ID, "auth.signout"); n != 1 {
		t.Errorf("%d auth.signout audit events, want 1", n)
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	u := a.createUser(t, "ana@example.com", testPassword)
	const next = "a-brand-new-passphrase"
	c := a.client(t)
	c.signIn("ana@example.com", testPassword)
	c.get("/account")

	r := c.post("/account/password", form("current", "not-my-password", "password", next, "confirm", next))
	wantStatus(t, "wrong current password", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "current", "account.current_password_wrong")
	r = c.post("/account/password", form("current", testPassword, "password", next, "confirm", next+"?"))
	wantStatus(t, "mismatched confirmation", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "confirm", "form.passwords_mismatch")
	r = c.post("/account/password", form("current", testPassword, "password", "short", "confirm", "short"))
	wantStatus(t, "short new password", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "password", "form.password_too_short")
	if ok, _ := services.CheckPassword(a.user(t, "ana@example.com").PasswordHash, testPassword); !ok {
		t.Fatal("a refused change changed the password")
	}

	wantRedirect(t, "change", c.post("/account/password", form("current", testPassword, "password", next, "confirm", next)), "/account")
	if page := c.get("/account"); !contains(page.Body, fa("account.password_changed")) {
		t.Error("no confirmation after the change")
	}
	if n := auditCount(t, a, u.ID, "account.password_changed"); n != 1 {
		t.Errorf("%d account.password_changed audit events, want 1", n)
	}
	old := a.client(t)
	old.get("/signin")
	wantStatus(t, "sign in with the old password", old.post("/signin", form("email", "ana@example.com", "password", testPassword)), http.StatusUnprocessableEntity)
	a.client(t).signIn("ana@example.com", next)
}

var (
	secretRe   = regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`)
	recoveryRe = regexp.MustCompile(`\b[0-9a-f]{5}-[0-9a-f]{5}\b`)
)

func TestTwoFactor(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	u := a.createUser(t, "ana@example.com", testPassword)
	c := a.client(t)
	c.signIn("ana@example.com", testPassword)
	if page := c.get("/account"); !strings.Contains(page.Body, `action="/account/2fa/start"`) {
		t.Fatal("the account page offers no two-factor enrolment")
	}

	// Enrol: the page shows the QR code and the secret for typing.
	r := c.post("/account/2fa/start", nil)
	wantStatus(t, "start", r, http.StatusOK)
	if !strings.Contains(r.Body, `src="data:image/png;base64,`) {
		t.Error("no QR code image on the enrolment page")
	}
	m := secretRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no secret on the enrolment page\n%s", trim(r.Body))
	}
	secret := m[1]

	r = c.post("/account/2fa/confirm", form("code", wrongTOTPCode(t, secret)))
	wantStatus(t, "confirm with a wrong code", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "code", "auth.totp_wrong")
	if !strings.Contains(r.Body, ">"+secret+"<") {
		t.Error("after a wrong code the page no longer shows the same secret")
	}
	if a.user(t, "ana@example.com").TOTPEnabled {
		t.Fatal("a wrong code turned two-factor on")
	}

	r = c.post("/account/2fa/confirm", form("code", totpCode(t, secret)))
	wantStatus(t, "confirm with the right code", r, http.StatusOK)
	codes := recoveryRe.FindAllString(r.Body, -1)
	if len(codes) != 8 {
		t.Fatalf("%d recovery codes shown, want 8", len(codes))
	}
	if !a.user(t, "ana@example.com").TOTPEnabled {
		t.Fatal("two-factor is not on after confirmation")
	}
	if page := c.get("/account"); !strings.Contains(page.Body, `data-testid="totp-on"`) || recoveryRe.MatchString(page.Body) {
		t.Error("the account page should say two-factor is on and never show the recovery codes again")
	}
	wantRedirect(t, "sign out", c.post("/signout", nil), "/signin")

	// The password alone is not enough.
	c = a.client(t)
	wantRedirect(t, "password step", c.signIn("ana@example.com", testPassword), "/signin/2fa")
	wantRedirect(t, "GET /vms with only the password", c.get("/vms"), "/signin")
	wantStatus(t, "GET /signin/2fa", c.get("/signin/2fa"), http.StatusOK)
	r = c.post("/signin/2fa", form("code", wrongTOTPCode(t, secret)))
	wantStatus(t, "wrong code", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "code", "auth.totp_wrong")
	wantRedirect(t, "GET /vms after a wrong code", c.get("/vms"), "/signin")
	code := totpCode(t, secret)
	wantRedirect(t, "right code", c.post("/signin/2fa", form("code", code)), "/vms")
	wantStatus(t, "GET /vms", c.get("/vms"), http.StatusOK)

	// The same code, watched over a shoulder and replayed from another browser, is refused.
	thief := a.client(t)
	wantRedirect(t, "password step, again", thief.signIn("ana@example.com", testPassword), "/signin/2fa")
	r = thief.post("/signin/2fa", form("code", code))
	wantStatus(t, "replayed code", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "code", "auth.totp_used")
	wantRedirect(t, "GET /vms after a replayed code", thief.get("/vms"), "/signin")

	// Without a pending sign-in the code page sends back to the start.
	wantRedirect(t, "GET /signin/2fa, nobody pending", a.client(t).get("/signin/2fa"), "/signin")

	// A recovery code works once.
	useRecovery := func() response {
		c := a.client(t)
		wantRedirect(t, "password step", c.signIn("ana@example.com", testPassword), "/signin/2fa")
		return c.post("/signin/2fa", form("code", strings.ToUpper(codes[3])))
	}
	wantRedirect(t, "recovery code, first use", useRecovery(), "/vms")
	r = useRecovery()
	wantStatus(t, "recovery code, second use", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "code", "auth.totp_wrong")
	if n := auditCount(t, a, u.ID, "auth.signin_recovery_code"); n != 1 {
		t.Errorf("%d recovery-code sign-ins recorded, want 1", n)
	}
	if n := a.count(t, `SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, u.ID); n != 7 {
		t.Errorf("%d unused recovery codes, want 7", n)
	}
}

// Changing the password ends every other session (a stolen cookie dies with
// the old password) while the browser that changed it stays signed in.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	a := newTestApp(t)
	a.createUser(t, "ana@example.com", testPassword)
	here, elsewhere := a.client(t), a.client(t)
	here.signIn("ana@example.com", testPassword)
	elsewhere.signIn("ana@example.com", testPassword)
	wantStatus(t, "the other browser before", elsewhere.get("/account"), http.StatusOK)

	r := here.post("/account/password", form("current", testPassword, "password", "a-brand-new-passphrase", "confirm", "a-brand-new-passphrase"))
	wantRedirect(t, "change password", r, "/account")
	wantStatus(t, "this browser after", here.get("/account"), http.StatusOK)
	wantRedirect(t, "the other browser after", elsewhere.get("/account"), "/signin")
}

// Behind HTTPS (Secure cookies) the session's cookie is __Host-abrak_session:
// Secure, for Path=/ and no Domain, so neither a subdomain nor plain HTTP can
// plant or overwrite it. Sessions work with it from sign-in to sign-out.
func TestBehindHTTPSTheSessionCookieIsHostPrefixed(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, withHTTPS)
	a.createUser(t, "ana@example.com", testPassword)
	c := a.client(t)
	c.get("/signin")
	r := c.post("/signin", form("email", "ana@example.com", "password", testPassword))
	wantRedirect(t, "sign in over HTTPS", r, "/vms")
	var session string
	for _, ck := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(ck, sessionCookie+"=") {
			t.Errorf("a session cookie without the __Host- prefix: %s", ck)
		}
		if strings.HasPrefix(ck, secureSessionCookie+"=") {
			session = ck
		}
	}
	if session == "" || !strings.Contains(session, "; Secure") || !strings.Contains(session, "; Path=/;") && !strings.HasSuffix(session, "; Path=/") ||
		strings.Contains(session, "Domain=") {
		t.Fatalf("the session cookie %q, want __Host-abrak_session, Secure, Path=/, no Domain (all: %v)", session, r.Header.Values("Set-Cookie"))
	}
	wantStatus(t, "the account page", c.get("/account"), http.StatusOK)
	wantRedirect(t, "a form post", c.post("/account/profile", form("name", "Ana Secure", "locale", "en")), "/account")
	if got := a.user(t, "ana@example.com").Name; got != "Ana Secure" {
		t.Errorf("the profile form under the secure session saved the name %q", got)
	}
	wantRedirect(t, "sign out", c.post("/signout", nil), "/signin")
	wantRedirect(t, "the account page after sign-out", c.get("/account"), "/signin")
}
