package web_test

import (
	"net/http"
	"strings"
	"testing"

	"abrak/testkit"
)

// Reading pages writes nothing to the database for the session: its expiry on
// disk moves at most once a minute (store.SessionTouch).
func TestPlainGETsDoNotWriteTheSession(t *testing.T) {
	a := testkit.NewApp(t)
	a.CreateUser(t, "reader@example.com", testkit.Password)
	c := a.Client(t)
	c.SignIn("reader@example.com", testkit.Password)
	c.Get("/vms")
	state := func() string {
		var s string
		if err := a.DB.R.QueryRow(`SELECT group_concat(token || ':' || expiry || ':' || length(data)) FROM sessions`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := state()
	for _, p := range []string{"/vms", "/wallet", "/account", "/vms?lang=en", "/activity"} {
		c.Get(p)
	}
	if after := state(); after != before {
		t.Errorf("plain GETs wrote the session:\n%s\n%s", before, after)
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
