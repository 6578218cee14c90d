package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"abrak/app"
	"abrak/services"
	"abrak/testkit"
)

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
