package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

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
				if !testkit.Contains(page.Body, fa("auth.welcome", "brand", services.SoftwareNameFA)) {
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
