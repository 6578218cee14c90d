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
	"abrak/testkit"
	"abrak/views/i18n"
)

// fa is a message as the default (Persian) page shows it.
func fa(key string, args ...string) string { return i18n.T(i18n.FA, key, args...) }

func wantFieldError(t *testing.T, body, field, key string) {
	t.Helper()
	errs := testkit.FieldErrors(body)
	if errs[field] != fa(key) {
		t.Errorf("field %s: message %q, want %q (all field errors: %v)", field, errs[field], fa(key), errs)
	}
}

// auditCount counts a user's audit events of one action.
func auditCount(t *testing.T, a *testkit.App, userID int64, action string) int {
	t.Helper()
	return a.Count(t, `SELECT count(*) FROM audit_events WHERE user_id = ? AND action = ?`, userID, action)
}

func TestSignUp(t *testing.T) {
	nobodyCreated := func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
		if n := a.Count(t, `SELECT count(*) FROM users`); n != 0 {
			t.Errorf("%d users exist after a refused sign-up", n)
		}
		if c.Cookie(testkit.SessionCookie) != "" {
			t.Error("a refused sign-up got a session cookie")
		}
	}
	testkit.RunScenarios(t, []testkit.Scenario{
		{
			Name: "ok", Path: "/signup",
			Setup:  func(t *testing.T, a *testkit.App, c *testkit.Client) { c.Get("/signup") },
			Form:   testkit.Form("email", "  Ana@Example.COM ", "name", "Ana", "password", testkit.Password, "confirm", testkit.Password),
			Status: http.StatusSeeOther, Redirect: "/vms",
			Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
				if c.Cookie(testkit.SessionCookie) == "" {
					t.Fatal("no session cookie after sign-up")
				}
				u := a.User(t, "ana@example.com")
				if u.Email != "ana@example.com" || u.Name != "Ana" || u.BalanceRials != 0 || u.TOTPEnabled {
					t.Errorf("stored user = %+v", u)
				}
				if u.Locale != "fa" {
					t.Errorf("locale saved at sign-up = %q, want fa", u.Locale)
				}
				if n := auditCount(t, a, u.ID, "auth.signup"); n != 1 {
					t.Errorf("%d auth.signup audit events, want 1", n)
				}
				page := c.Get("/vms")
				testkit.MustStatus(t, "GET /vms after sign-up", page, http.StatusOK)
				if !testkit.Contains(page.Body, fa("auth.welcome")) {
					t.Error("the dashboard does not welcome the new customer")
				}
				if !testkit.Contains(page.Body, fa("money.toman", "amount", "۰")) {
					t.Error("the header does not show a zero balance")
				}
			},
		},
		{
			Name: "duplicate email in another case", Path: "/signup",
			Setup: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				a.CreateUser(t, "ana@example.com", testkit.Password)
			},
			Form:   testkit.Form("email", "ANA@example.com", "name", "Another Ana", "password", testkit.Password+"2", "confirm", testkit.Password+"2"),
			Status: http.StatusUnprocessableEntity,
			Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
				wantFieldError(t, r.Body, "email", "form.email_taken")
				if n := a.Count(t, `SELECT count(*) FROM users`); n != 1 {
					t.Errorf("%d users, want 1", n)
				}
				if c.Cookie(testkit.SessionCookie) != "" {
					t.Error("a refused sign-up got a session cookie")
				}
				if !strings.Contains(r.Body, `value="Another Ana"`) {
					t.Error("the form lost the name the customer typed")
				}
			},
		},
		{
			Name: "weak password", Path: "/signup",
			Form:   testkit.Form("email", "ana@example.com", "name", "Ana", "password", "1234567890", "confirm", "1234567890"),
			Status: http.StatusUnprocessableEntity,
			Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
				wantFieldError(t, r.Body, "password", "form.password_weak")
				nobodyCreated(t, a, c, r)
			},
		},
		{
			Name: "password is the email", Path: "/signup",
			Form:   testkit.Form("email", "ana.long@example.com", "name", "Ana", "password", "ana.long@example.com", "confirm", "ana.long@example.com"),
			Status: http.StatusUnprocessableEntity,
			Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
				wantFieldError(t, r.Body, "password", "form.password_weak")
				nobodyCreated(t, a, c, r)
			},
		},
		{
			Name: "password too short", Path: "/signup",
			Form:   testkit.Form("email", "ana@example.com", "name", "Ana", "password", "short1!", "confirm", "short1!"),
			Status: http.StatusUnprocessableEntity,
			Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
				wantFieldError(t, r.Body, "password", "form.password_too_short")
				nobodyCreated(t, a, c, r)
			},
		},
		{
			Name: "confirmation differs", Path: "/signup",
			Form:   testkit.Form("email", "ana@example.com", "name", "Ana", "password", testkit.Password, "confirm", testkit.Password+"x"),
			Status: http.StatusUnprocessableEntity,
			Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
				wantFieldError(t, r.Body, "confirm", "form.passwords_mismatch")
				nobodyCreated(t, a, c, r)
			},
		},
		{
			Name: "invalid email", Path: "/signup",
			Form:   testkit.Form("email", "ana-at-example", "name", "Ana", "password", testkit.Password, "confirm", testkit.Password),
			Status: http.StatusUnprocessableEntity,
			Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
				wantFieldError(t, r.Body, "email", "form.invalid_email")
				if !strings.Contains(r.Body, `value="ana-at-example"`) {
					t.Error("the form lost the email the customer typed")
				}
				if strings.Contains(r.Body, testkit.Password) {
					t.Error("the refused form echoes the password")
				}
				nobodyCreated(t, a, c, r)
			},
		},
		{
			Name: "empty form", Path: "/signup",
			Form:   testkit.Form("email", "", "name", "", "password", "", "confirm", ""),
			Status: http.StatusUnprocessableEntity,
			Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
				for _, f := range []string{"email", "name", "password"} {
					wantFieldError(t, r.Body, f, "form.required")
				}
				nobodyCreated(t, a, c, r)
			},
		},
		{
			Name: "signed in, the form sends to the dashboard", Method: http.MethodGet, Path: "/signup",
			Setup: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				a.CreateUser(t, "ana@example.com", testkit.Password)
				c.SignIn("ana@example.com", testkit.Password)
			},
			Status: http.StatusSeeOther, Redirect: "/vms",
		},
	})
}

func TestSignIn(t *testing.T) {
	withAna := func(t *testing.T, a *testkit.App, c *testkit.Client) {
		a.CreateUser(t, "ana@example.com", testkit.Password)
		c.Get("/signin")
	}
	refused := func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
		if got := testkit.FormMessage(r.Body); got != fa("auth.invalid_credentials") {
			t.Errorf("message %q, want %q", got, fa("auth.invalid_credentials"))
		}
		if c.Cookie(testkit.SessionCookie) != "" {
			t.Error("a refused sign-in got a session cookie")
		}
		testkit.WantRedirect(t, "GET /vms after a refused sign-in", c.Get("/vms"), "/signin")
	}
	testkit.RunScenarios(t, []testkit.Scenario{
		{
			Name: "ok, email in another case", Path: "/signin", Setup: withAna,
			Form:   testkit.Form("email", "ANA@example.com", "password", testkit.Password),
			Status: http.StatusSeeOther, Redirect: "/vms",
			Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
				u := a.User(t, "ana@example.com")
				if n := auditCount(t, a, u.ID, "auth.signin"); n != 1 {
					t.Errorf("%d auth.signin audit events, want 1", n)
				}
				page := c.Get("/vms")
				testkit.MustStatus(t, "GET /vms", page, http.StatusOK)
				if !strings.Contains(page.Body, `data-testid="balance"`) {
					t.Error("the dashboard header has no balance")
				}
			},
		},
		{
			Name: "wrong password", Path: "/signin", Setup: withAna,
			Form:   testkit.Form("email", "ana@example.com", "password", testkit.Password+"!"),
			Status: http.StatusUnprocessableEntity,
			Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
				refused(t, a, c, r)
				u := a.User(t, "ana@example.com")
				if n := auditCount(t, a, u.ID, "auth.signin_failed"); n != 1 {
					t.Errorf("%d auth.signin_failed audit events, want 1", n)
				}
			},
		},
		{
			Name: "unknown email", Path: "/signin", Setup: withAna,
			Form:   testkit.Form("email", "bob@example.com", "password", testkit.Password),
			Status: http.StatusUnprocessableEntity, Check: refused,
		},
		{
			Name: "empty form", Path: "/signin",
			Form:   testkit.Form("email", "", "password", ""),
			Status: http.StatusUnprocessableEntity,
			Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
				wantFieldError(t, r.Body, "email", "form.required")
				wantFieldError(t, r.Body, "password", "form.required")
			},
		},
		{
			Name: "signed in, the form sends to the dashboard", Method: http.MethodGet, Path: "/signin",
			Setup: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				withAna(t, a, c)
				c.SignIn("ana@example.com", testkit.Password)
			},
			Status: http.StatusSeeOther, Redirect: "/vms",
		},
		{
			Name: "anonymous, the dashboard sends to sign-in", Method: http.MethodGet, Path: "/vms",
			Status: http.StatusSeeOther, Redirect: "/signin",
		},
		{
			Name: "anonymous htmx request is told where to go", Method: http.MethodGet, Path: "/account",
			Header: testkit.Header("HX-Request", "true"),
			Status: http.StatusUnauthorized, Headers: map[string]string{"HX-Redirect": "/signin"},
		},
	})
}

// An unknown email and a wrong password must be indistinguishable: same
// status, and the same page once the per-request token and the echoed email
// are set aside.
func TestSignInDoesNotRevealAccounts(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	a.CreateUser(t, "ana@example.com", testkit.Password)
	attempt := func(email string) testkit.Response {
		c := a.Client(t)
		c.Get("/signin")
		tok := c.Token()
		r := c.Post("/signin", testkit.Form("email", email, "password", "not-the-password-1"))
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
	if testkit.FormMessage(known.Body) != fa("auth.invalid_credentials") {
		t.Errorf("message %q", testkit.FormMessage(known.Body))
	}
}

func TestSignInRateLimit(t *testing.T) {
	const max = 3
	retryAfter := func(t *testing.T, r testkit.Response) int {
		t.Helper()
		s, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || s < 1 || s > 60 {
			t.Fatalf("Retry-After %q, want 1…60 seconds", r.Header.Get("Retry-After"))
		}
		return s
	}
	t.Run("per account", func(t *testing.T) {
		t.Parallel()
		a := testkit.NewApp(t, testkit.WithLimits(nil, services.NewAttemptLimiter(max, time.Minute, nil)))
		a.CreateUser(t, "ana@example.com", testkit.Password)
		a.CreateUser(t, "bob@example.com", testkit.Password)
		c := a.Client(t)
		c.Get("/signin")
		for i := range max {
			r := c.Post("/signin", testkit.Form("email", "ana@example.com", "password", "wrong-password-"+strconv.Itoa(i)))
			testkit.MustStatus(t, "wrong password "+strconv.Itoa(i+1), r, http.StatusUnprocessableEntity)
		}
		// Even the right password is refused now, in Persian and in English.
		r := c.Post("/signin", testkit.Form("email", "ana@example.com", "password", testkit.Password))
		testkit.MustStatus(t, "right password after the limit", r, http.StatusTooManyRequests)
		s := retryAfter(t, r)
		// The wait is told in Persian digits: ۶۰, not 60.
		if msg, want := testkit.FormMessage(r.Body), i18n.T(i18n.FA, "auth.too_many_attempts", "seconds", strconv.Itoa(s)); msg != want || strings.ContainsAny(msg, "0123456789") {
			t.Errorf("Persian message %q, want %q", msg, want)
		}
		if c.Cookie(testkit.SessionCookie) != "" {
			t.Error("a limited sign-in got a session")
		}
		en := a.Client(t)
		en.Header.Set("Accept-Language", "en")
		en.Get("/signin")
		r = en.Post("/signin", testkit.Form("email", "ana@example.com", "password", testkit.Password))
		testkit.MustStatus(t, "right password from another browser", r, http.StatusTooManyRequests)
		s = retryAfter(t, r)
		if want := i18n.T(i18n.EN, "auth.too_many_attempts", "seconds", strconv.Itoa(s)); testkit.FormMessage(r.Body) != want {
			t.Errorf("English message %q, want %q", testkit.FormMessage(r.Body), want)
		}
		// The limit is the account's: another account from the same address signs in.
		testkit.WantRedirect(t, "bob signs in", c.Post("/signin", testkit.Form("email", "bob@example.com", "password", testkit.Password)), "/vms")
	})
	t.Run("per address", func(t *testing.T) {
		t.Parallel()
		a := testkit.NewApp(t, testkit.WithLimits(services.NewAttemptLimiter(max, time.Minute, nil), nil))
		a.CreateUser(t, "ana@example.com", testkit.Password)
		c := a.Client(t)
		c.Get("/signin")
		for i := range max {
			r := c.Post("/signin", testkit.Form("email", "nobody"+strconv.Itoa(i)+"@example.com", "password", testkit.Password))
			testkit.MustStatus(t, "unknown email "+strconv.Itoa(i+1), r, http.StatusUnprocessableEntity)
		}
		r := c.Post("/signin", testkit.Form("email", "ana@example.com", "password", testkit.Password))
		testkit.MustStatus(t, "a real account from the same address", r, http.StatusTooManyRequests)
		retryAfter(t, r)
		if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'auth.signin'`); n != 0 {
			t.Errorf("%d sign-ins recorded while limited", n)
		}
	})
}

// enableTOTP turns two-factor sign-in on for u through the services and
// returns the secret and the recovery codes.
func enableTOTP(t *testing.T, a *testkit.App, email string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	u := a.User(t, email)
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
	signedIn := func(t *testing.T, a *testkit.App, c *testkit.Client) {
		a.CreateUser(t, "ana@example.com", testkit.Password)
		c.SignIn("ana@example.com", testkit.Password)
		c.Get("/account")
	}
	stillSignedIn := func(t *testing.T, c *testkit.Client) {
		t.Helper()
		testkit.MustStatus(t, "GET /account", c.Get("/account"), http.StatusOK)
	}
	type route struct {
		name  string
		path  string
		form  []string
		setup func(t *testing.T, a *testkit.App, c *testkit.Client)
		// formFunc, when set, makes the form after setup (a code valid now).
		formFunc func(t *testing.T, a *testkit.App, c *testkit.Client) url.Values
		intact   func(t *testing.T, a *testkit.App, c *testkit.Client)
	}
	routes := []route{
		{
			name: "sign in", path: "/signin", form: []string{"email", "ana@example.com", "password", testkit.Password},
			setup: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				a.CreateUser(t, "ana@example.com", testkit.Password)
				c.Get("/signin")
			},
			intact: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				testkit.WantRedirect(t, "GET /vms", c.Get("/vms"), "/signin")
			},
		},
		{
			name: "sign up", path: "/signup", form: []string{"email", "ana@example.com", "name", "Ana", "password", testkit.Password, "confirm", testkit.Password},
			setup: func(t *testing.T, a *testkit.App, c *testkit.Client) { c.Get("/signup") },
			intact: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				if n := a.Count(t, `SELECT count(*) FROM users`); n != 0 {
					t.Errorf("%d users created", n)
				}
			},
		},
		{
			name: "sign out", path: "/signout", setup: signedIn,
			intact: func(t *testing.T, a *testkit.App, c *testkit.Client) { stillSignedIn(t, c) },
		},
		{
			name: "change password", path: "/account/password",
			form:  []string{"current", testkit.Password, "password", "another-good-password", "confirm", "another-good-password"},
			setup: signedIn,
			intact: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				ok, _ := services.CheckPassword(a.User(t, "ana@example.com").PasswordHash, testkit.Password)
				if !ok {
					t.Error("the password changed")
				}
				stillSignedIn(t, c)
			},
		},
		{
			name: "start two-factor", path: "/account/2fa/start", setup: signedIn,
			intact: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				if u := a.User(t, "ana@example.com"); u.TOTPSecret != "" || u.TOTPEnabled {
					t.Errorf("two-factor state changed: secret %q, enabled %v", u.TOTPSecret, u.TOTPEnabled)
				}
			},
		},
		{
			name: "confirm two-factor", path: "/account/2fa/confirm",
			setup: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				signedIn(t, a, c)
				testkit.MustStatus(t, "start two-factor", c.Post("/account/2fa/start", nil), http.StatusOK)
			},
			// The right code, so that only the token can be what refuses it.
			formFunc: func(t *testing.T, a *testkit.App, c *testkit.Client) url.Values {
				return testkit.Form("code", totpCode(t, a.User(t, "ana@example.com").TOTPSecret))
			},
			intact: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				if a.User(t, "ana@example.com").TOTPEnabled {
					t.Error("two-factor was turned on")
				}
			},
		},
		{
			name: "turn two-factor off", path: "/account/2fa/disable", form: []string{"password", testkit.Password},
			setup: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				a.CreateUser(t, "ana@example.com", testkit.Password)
				secret, _ := enableTOTP(t, a, "ana@example.com")
				testkit.WantRedirect(t, "password step", c.SignIn("ana@example.com", testkit.Password), "/signin/2fa")
				testkit.WantRedirect(t, "code step", c.Post("/signin/2fa", testkit.Form("code", totpCode(t, secret))), "/vms")
				c.Get("/account")
			},
			intact: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				if u := a.User(t, "ana@example.com"); !u.TOTPEnabled || u.TOTPSecret == "" {
					t.Error("two-factor was turned off")
				}
			},
		},
		{
			name: "second factor", path: "/signin/2fa",
			setup: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				a.CreateUser(t, "ana@example.com", testkit.Password)
				enableTOTP(t, a, "ana@example.com")
				testkit.WantRedirect(t, "password step", c.SignIn("ana@example.com", testkit.Password), "/signin/2fa")
				c.Get("/signin/2fa")
			},
			formFunc: func(t *testing.T, a *testkit.App, c *testkit.Client) url.Values {
				return testkit.Form("code", totpCode(t, a.User(t, "ana@example.com").TOTPSecret))
			},
			intact: func(t *testing.T, a *testkit.App, c *testkit.Client) {
				testkit.WantRedirect(t, "GET /vms", c.Get("/vms"), "/signin")
			},
		},
	}
	var rows []testkit.Scenario
	for _, rt := range routes {
		for _, tc := range []struct{ name, token string }{{"missing", "-"}, {"wrong", "Zm9yZ2VkLXRva2VuLWZyb20tYW5vdGhlci1zaXRlLXh5eg"}} {
			rows = append(rows, testkit.Scenario{
				Name: rt.name + ", token " + tc.name, Path: rt.path, CSRF: tc.token,
				Setup: rt.setup, Form: testkit.Form(rt.form...),
				FormFunc: rt.formFunc,
				Status:   http.StatusForbidden, Contains: []string{fa("error.csrf")},
				Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) { rt.intact(t, a, c) },
			})
		}
		// An Authorization header earns a cookie-authenticated request no exemption.
		rows = append(rows, testkit.Scenario{
			Name: rt.name + ", a junk bearer instead of the token", Path: rt.path, CSRF: "-",
			Setup: rt.setup, Form: testkit.Form(rt.form...), FormFunc: rt.formFunc,
			Header: testkit.Header("Authorization", "Bearer junk"),
			Status: http.StatusForbidden, Contains: []string{fa("error.csrf")},
			Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) { rt.intact(t, a, c) },
		})
	}
	// htmx sends the token as a header instead of a form field.
	rows = append(rows, testkit.Scenario{
		Name: "htmx request with the token in a header is accepted", Path: "/signout", CSRF: "-",
		Setup: func(t *testing.T, a *testkit.App, c *testkit.Client) {
			signedIn(t, a, c)
			c.Header.Set("X-CSRF-Token", c.Token())
		},
		Header: testkit.Header("HX-Request", "true"),
		Status: http.StatusNoContent, Headers: map[string]string{"HX-Redirect": "/signin"},
		Check: func(t *testing.T, a *testkit.App, c *testkit.Client, r testkit.Response) {
			testkit.WantRedirect(t, "GET /account after htmx sign-out", c.Get("/account"), "/signin")
		},
	})
	testkit.RunScenarios(t, rows)
}

// The token is bound to the browser's session and the server's key: a pair the
// attacker chose (cookie and field alike) is refused, and the token served
// before a sign-in or a sign-out no longer works after it.
func TestCSRFBoundToTheSession(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	a.CreateUser(t, "ana@example.com", testkit.Password)

	mallory := a.Client(t)
	planted := strings.Repeat("A", 43)
	mallory.SetCookie("abrak_csrf", planted)
	mallory.Get("/signin")
	r := mallory.PostToken("/signin", testkit.Form("email", "ana@example.com", "password", testkit.Password), planted)
	testkit.MustStatus(t, "an attacker's own cookie and field", r, http.StatusForbidden)
	r = mallory.PostToken("/signin", testkit.Form("email", "ana@example.com", "password", testkit.Password), planted+"."+strings.Repeat("B", 43))
	testkit.MustStatus(t, "a made-up signature", r, http.StatusForbidden)

	c := a.Client(t)
	c.Get("/signin")
	before := c.Token()
	c.SignIn("ana@example.com", testkit.Password)
	c.Get("/account")
	after := c.Token()
	if before == after {
		t.Fatal("the CSRF token did not change at sign-in")
	}
	testkit.MustStatus(t, "the token from before the sign-in", c.PostToken("/account/2fa/start", nil, before), http.StatusForbidden)
	testkit.MustStatus(t, "the token of the session", c.PostToken("/account/2fa/start", nil, after), http.StatusOK)
	c.Post("/signout", nil)
	testkit.MustStatus(t, "the token from before the sign-out", c.PostToken("/signin", testkit.Form("email", "ana@example.com", "password", testkit.Password), after), http.StatusForbidden)
}

func TestSecureCSRFCookieIsHostPrefixed(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t, func(c *app.Config) { c.Web.SecureCookies = true })
	r := a.Client(t).Get("/signin")
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
	a := testkit.NewApp(t)
	a.CreateUser(t, "ana@example.com", testkit.Password)
	secret, _ := enableTOTP(t, a, a.CreateUser(t, "bob@example.com", testkit.Password).Email)

	t.Run("password", func(t *testing.T) {
		c := a.Client(t)
		c.SignIn("ana@example.com", testkit.Password)
		before := c.Cookie(testkit.SessionCookie)
		if before == "" {
			t.Fatal("no session cookie after sign-in")
		}
		// Signing in again over a live session must still hand out a new token.
		c.SignIn("ana@example.com", testkit.Password)
		after := c.Cookie(testkit.SessionCookie)
		if after == "" || after == before {
			t.Fatalf("session cookie %q before and %q after sign-in, want a new one", before, after)
		}
		testkit.MustStatus(t, "the new cookie", c.Get("/account"), http.StatusOK)
		old := a.Client(t)
		old.SetCookie(testkit.SessionCookie, before)
		testkit.WantRedirect(t, "the old cookie", old.Get("/account"), "/signin")
	})
	t.Run("second factor", func(t *testing.T) {
		c := a.Client(t)
		testkit.WantRedirect(t, "password step", c.SignIn("bob@example.com", testkit.Password), "/signin/2fa")
		pending := c.Cookie(testkit.SessionCookie)
		testkit.WantRedirect(t, "code step", c.Post("/signin/2fa", testkit.Form("code", totpCode(t, secret))), "/vms")
		if got := c.Cookie(testkit.SessionCookie); got == "" || got == pending {
			t.Fatalf("session cookie %q after the code, was %q: want a new one", got, pending)
		}
		old := a.Client(t)
		old.SetCookie(testkit.SessionCookie, pending)
		testkit.WantRedirect(t, "the half-signed-in cookie", old.Get("/vms"), "/signin")
	})
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	u := a.CreateUser(t, "ana@example.com", testkit.Password)
	c := a.Client(t)
	c.SignIn("ana@example.com", testkit.Password)
	tok := c.Cookie(testkit.SessionCookie)
	testkit.MustStatus(t, "GET /account", c.Get("/account"), http.StatusOK)
	testkit.WantRedirect(t, "POST /signout", c.Post("/signout", nil), "/signin")
	testkit.WantRedirect(t, "GET /account after sign-out", c.Get("/account"), "/signin")
	replay := a.Client(t)
	replay.SetCookie(testkit.SessionCookie, tok)
	testkit.WantRedirect(t, "GET /account with the old cookie", replay.Get("/account"), "/signin")
	if n := a.Count(t, `SELECT count(*) FROM sessions WHERE token = ?`, tok); n != 0 {
		t.Error("the session row outlived sign-out")
	}
	if n := auditCount(t, a, u.ID, "auth.signout"); n != 1 {
		t.Errorf("%d auth.signout audit events, want 1", n)
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	u := a.CreateUser(t, "ana@example.com", testkit.Password)
	const next = "a-brand-new-passphrase"
	c := a.Client(t)
	c.SignIn("ana@example.com", testkit.Password)
	c.Get("/account")

	r := c.Post("/account/password", testkit.Form("current", "not-my-password", "password", next, "confirm", next))
	testkit.MustStatus(t, "wrong current password", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "current", "account.current_password_wrong")
	r = c.Post("/account/password", testkit.Form("current", testkit.Password, "password", next, "confirm", next+"?"))
	testkit.MustStatus(t, "mismatched confirmation", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "confirm", "form.passwords_mismatch")
	r = c.Post("/account/password", testkit.Form("current", testkit.Password, "password", "short", "confirm", "short"))
	testkit.MustStatus(t, "short new password", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "password", "form.password_too_short")
	if ok, _ := services.CheckPassword(a.User(t, "ana@example.com").PasswordHash, testkit.Password); !ok {
		t.Fatal("a refused change changed the password")
	}

	testkit.WantRedirect(t, "change", c.Post("/account/password", testkit.Form("current", testkit.Password, "password", next, "confirm", next)), "/account")
	if page := c.Get("/account"); !testkit.Contains(page.Body, fa("account.password_changed")) {
		t.Error("no confirmation after the change")
	}
	if n := auditCount(t, a, u.ID, "account.password_changed"); n != 1 {
		t.Errorf("%d account.password_changed audit events, want 1", n)
	}
	old := a.Client(t)
	old.Get("/signin")
	testkit.MustStatus(t, "sign in with the old password", old.Post("/signin", testkit.Form("email", "ana@example.com", "password", testkit.Password)), http.StatusUnprocessableEntity)
	a.Client(t).SignIn("ana@example.com", next)
}

var (
	secretRe   = regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`)
	recoveryRe = regexp.MustCompile(`\b[0-9a-f]{5}-[0-9a-f]{5}\b`)
)

func TestTwoFactor(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	u := a.CreateUser(t, "ana@example.com", testkit.Password)
	c := a.Client(t)
	c.SignIn("ana@example.com", testkit.Password)
	if page := c.Get("/account"); !strings.Contains(page.Body, `action="/account/2fa/start"`) {
		t.Fatal("the account page offers no two-factor enrolment")
	}

	// Enrol: the page shows the QR code and the secret for typing.
	r := c.Post("/account/2fa/start", nil)
	testkit.MustStatus(t, "start", r, http.StatusOK)
	if !strings.Contains(r.Body, `src="data:image/png;base64,`) {
		t.Error("no QR code image on the enrolment page")
	}
	m := secretRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no secret on the enrolment page\n%s", testkit.Trim(r.Body))
	}
	secret := m[1]

	r = c.Post("/account/2fa/confirm", testkit.Form("code", wrongTOTPCode(t, secret)))
	testkit.MustStatus(t, "confirm with a wrong code", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "code", "auth.totp_wrong")
	if !strings.Contains(r.Body, ">"+secret+"<") {
		t.Error("after a wrong code the page no longer shows the same secret")
	}
	if a.User(t, "ana@example.com").TOTPEnabled {
		t.Fatal("a wrong code turned two-factor on")
	}

	r = c.Post("/account/2fa/confirm", testkit.Form("code", totpCode(t, secret)))
	testkit.MustStatus(t, "confirm with the right code", r, http.StatusOK)
	codes := recoveryRe.FindAllString(r.Body, -1)
	if len(codes) != 8 {
		t.Fatalf("%d recovery codes shown, want 8", len(codes))
	}
	if !a.User(t, "ana@example.com").TOTPEnabled {
		t.Fatal("two-factor is not on after confirmation")
	}
	if page := c.Get("/account"); !strings.Contains(page.Body, `data-testid="totp-on"`) || recoveryRe.MatchString(page.Body) {
		t.Error("the account page should say two-factor is on and never show the recovery codes again")
	}
	testkit.WantRedirect(t, "sign out", c.Post("/signout", nil), "/signin")

	// The password alone is not enough.
	c = a.Client(t)
	testkit.WantRedirect(t, "password step", c.SignIn("ana@example.com", testkit.Password), "/signin/2fa")
	testkit.WantRedirect(t, "GET /vms with only the password", c.Get("/vms"), "/signin")
	testkit.MustStatus(t, "GET /signin/2fa", c.Get("/signin/2fa"), http.StatusOK)
	r = c.Post("/signin/2fa", testkit.Form("code", wrongTOTPCode(t, secret)))
	testkit.MustStatus(t, "wrong code", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "code", "auth.totp_wrong")
	testkit.WantRedirect(t, "GET /vms after a wrong code", c.Get("/vms"), "/signin")
	code := totpCode(t, secret)
	testkit.WantRedirect(t, "right code", c.Post("/signin/2fa", testkit.Form("code", code)), "/vms")
	testkit.MustStatus(t, "GET /vms", c.Get("/vms"), http.StatusOK)

	// The same code, watched over a shoulder and replayed from another browser, is refused.
	thief := a.Client(t)
	testkit.WantRedirect(t, "password step, again", thief.SignIn("ana@example.com", testkit.Password), "/signin/2fa")
	r = thief.Post("/signin/2fa", testkit.Form("code", code))
	testkit.MustStatus(t, "replayed code", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "code", "auth.totp_used")
	testkit.WantRedirect(t, "GET /vms after a replayed code", thief.Get("/vms"), "/signin")

	// Without a pending sign-in the code page sends back to the start.
	testkit.WantRedirect(t, "GET /signin/2fa, nobody pending", a.Client(t).Get("/signin/2fa"), "/signin")

	// A recovery code works once.
	useRecovery := func() testkit.Response {
		c := a.Client(t)
		testkit.WantRedirect(t, "password step", c.SignIn("ana@example.com", testkit.Password), "/signin/2fa")
		return c.Post("/signin/2fa", testkit.Form("code", strings.ToUpper(codes[3])))
	}
	testkit.WantRedirect(t, "recovery code, first use", useRecovery(), "/vms")
	r = useRecovery()
	testkit.MustStatus(t, "recovery code, second use", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "code", "auth.totp_wrong")
	if n := auditCount(t, a, u.ID, "auth.signin_recovery_code"); n != 1 {
		t.Errorf("%d recovery-code sign-ins recorded, want 1", n)
	}
	if n := a.Count(t, `SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, u.ID); n != 7 {
		t.Errorf("%d unused recovery codes, want 7", n)
	}
}

// Changing the password ends every other session (a stolen cookie dies with
// the old password) while the browser that changed it stays signed in.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	a := testkit.NewApp(t)
	a.CreateUser(t, "ana@example.com", testkit.Password)
	here, elsewhere := a.Client(t), a.Client(t)
	here.SignIn("ana@example.com", testkit.Password)
	elsewhere.SignIn("ana@example.com", testkit.Password)
	testkit.MustStatus(t, "the other browser before", elsewhere.Get("/account"), http.StatusOK)

	r := here.Post("/account/password", testkit.Form("current", testkit.Password, "password", "a-brand-new-passphrase", "confirm", "a-brand-new-passphrase"))
	testkit.WantRedirect(t, "change password", r, "/account")
	testkit.MustStatus(t, "this browser after", here.Get("/account"), http.StatusOK)
	testkit.WantRedirect(t, "the other browser after", elsewhere.Get("/account"), "/signin")
}

// Behind HTTPS (Secure cookies) the session's cookie is __Host-abrak_session:
// Secure, for Path=/ and no Domain, so neither a subdomain nor plain HTTP can
// plant or overwrite it. Sessions work with it from sign-in to sign-out.
func TestBehindHTTPSTheSessionCookieIsHostPrefixed(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t, testkit.WithHTTPS)
	a.CreateUser(t, "ana@example.com", testkit.Password)
	c := a.Client(t)
	c.Get("/signin")
	r := c.Post("/signin", testkit.Form("email", "ana@example.com", "password", testkit.Password))
	testkit.WantRedirect(t, "sign in over HTTPS", r, "/vms")
	var session string
	for _, ck := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(ck, testkit.SessionCookie+"=") {
			t.Errorf("a session cookie without the __Host- prefix: %s", ck)
		}
		if strings.HasPrefix(ck, testkit.SecureSessionCookie+"=") {
			session = ck
		}
	}
	if session == "" || !strings.Contains(session, "; Secure") || !strings.Contains(session, "; Path=/;") && !strings.HasSuffix(session, "; Path=/") ||
		strings.Contains(session, "Domain=") {
		t.Fatalf("the session cookie %q, want __Host-abrak_session, Secure, Path=/, no Domain (all: %v)", session, r.Header.Values("Set-Cookie"))
	}
	testkit.MustStatus(t, "the account page", c.Get("/account"), http.StatusOK)
	testkit.WantRedirect(t, "a form post", c.Post("/account/profile", testkit.Form("name", "Ana Secure", "locale", "en")), "/account")
	if got := a.User(t, "ana@example.com").Name; got != "Ana Secure" {
		t.Errorf("the profile form under the secure session saved the name %q", got)
	}
	testkit.WantRedirect(t, "sign out", c.Post("/signout", nil), "/signin")
	testkit.WantRedirect(t, "the account page after sign-out", c.Get("/account"), "/signin")
}
