package web_test

// The letters an account asks for (services/email_links.go): the link that confirms
// an address, and the one that resets a forgotten password.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"abrak/services"
	"abrak/testkit"
	"abrak/views/i18n"
)

// A forgotten password is reset through a single-use link mailed to the
// account's address, for 30 minutes; every session of the account ends, and
// the form tells nobody whether an address has an account.
func TestPasswordResetByMail(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	a.CreateUser(t, "ana@example.com", testkit.Password)
	old := a.Client(t)
	old.SignIn("ana@example.com", testkit.Password)

	c := a.Client(t)
	if r := c.Get("/signin?lang=en"); !strings.Contains(r.Body, `href="/forgot-password"`) {
		t.Fatal("the sign-in page has no forgot-password link")
	}
	c.Get("/forgot-password")
	nobody := c.Post("/forgot-password", testkit.Form("email", "nobody@example.com"))
	ana := c.Post("/forgot-password", testkit.Form("email", "ANA@example.com "))
	testkit.MustStatus(t, "forgot, unknown address", nobody, http.StatusOK)
	testkit.MustStatus(t, "forgot, known address", ana, http.StatusOK)
	sent := i18n.T(i18n.EN, "auth.forgot_sent", "email", "\u2068ANA@example.com \u2069")
	if !testkit.Contains(ana.Body, "If an account with the address") || strings.ReplaceAll(nobody.Body, "nobody@example.com", "X") != strings.ReplaceAll(ana.Body, "ANA@example.com ", "X") {
		t.Errorf("the answers for a known and an unknown address differ beyond the address (%q)", sent)
	}
	letter := ms.Await(t, "ana@example.com", i18n.T(i18n.FA, "mail.reset.subject", "provider", "Abrak Cloud")) // her language
	link := testkit.LinkIn(t, letter, a.URL+"/reset-password?token=")
	path := strings.TrimPrefix(link, a.URL)
	if n := a.Count(t, `SELECT count(*) FROM mail_queue WHERE to_addr = 'nobody@example.com'`); n != 0 {
		t.Errorf("%d letters to an address without an account", n)
	}

	r := c.Get(path)
	testkit.MustStatus(t, "the reset link", r, http.StatusOK)
	r = c.Post("/reset-password", testkit.Form("token", strings.TrimPrefix(path, "/reset-password?token="), "password", "Another-pass-42", "confirm", "Another-pass-43"))
	testkit.MustStatus(t, "mismatched confirmation", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, `data-field-error="confirm"`) && !testkit.Contains(r.Body, i18n.T(i18n.EN, "form.passwords_mismatch")) {
		t.Errorf("the mismatch is not shown beside its field\n%s", testkit.Trim(r.Body))
	}
	token := strings.TrimPrefix(path, "/reset-password?token=")
	r = c.Post("/reset-password", testkit.Form("token", token, "password", "Another-pass-42", "confirm", "Another-pass-42"))
	if r.Status != http.StatusSeeOther || r.Location() != "/signin" {
		t.Fatalf("reset: %d → %q, want 303 → /signin\n%s", r.Status, r.Location(), testkit.Trim(r.Body))
	}
	if r = c.Get("/signin"); !testkit.Contains(r.Body, i18n.T(i18n.EN, "auth.password_reset_done")) {
		t.Error("the sign-in page does not say the password was changed")
	}
	if r = old.Get("/vms"); r.Status != http.StatusSeeOther || r.Location() != "/signin" {
		t.Errorf("a session from before the reset still opens the VM list (%d → %q)", r.Status, r.Location())
	}
	c.Get("/signin")
	if r = c.Post("/signin", testkit.Form("email", "ana@example.com", "password", testkit.Password)); r.Status == http.StatusSeeOther {
		t.Error("the old password still signs in")
	}
	c.SignIn("ana@example.com", "Another-pass-42")

	// The link works once; a newer link replaces an older one; links expire.
	other := a.Client(t)
	if r = other.Get(path); r.Status != http.StatusGone || !strings.Contains(r.Body, `data-testid="link-invalid"`) {
		t.Errorf("a used link: %d, want 410 with the page that says so", r.Status)
	}
	other.Get("/forgot-password")
	other.Post("/forgot-password", testkit.Form("email", "ana@example.com"))
	first := testkit.LinkIn(t, ms.AwaitNth(t, "ana@example.com", 3), a.URL+"/reset-password?token=")
	other.Post("/forgot-password", testkit.Form("email", "ana@example.com"))
	second := testkit.LinkIn(t, ms.AwaitNth(t, "ana@example.com", 4), a.URL+"/reset-password?token=")
	if r = other.Get(strings.TrimPrefix(first, a.URL)); r.Status != http.StatusGone {
		t.Errorf("an older link still works after a newer one was sent (%d)", r.Status)
	}
	if _, err := a.DB.W.Exec(`UPDATE email_links SET expires_at = unixepoch() - 1 WHERE used_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	if r = other.Get(strings.TrimPrefix(second, a.URL)); r.Status != http.StatusGone {
		t.Errorf("a link past its 30 minutes still works (%d)", r.Status)
	}
	r = other.Post("/reset-password", testkit.Form("token", strings.TrimPrefix(second, a.URL+"/reset-password?token="), "password", "Third-pass-4242", "confirm", "Third-pass-4242"))
	if r.Status != http.StatusGone {
		t.Errorf("an expired link changed the password (%d)", r.Status)
	}

	// Bounded: five letters an hour per account.
	for i := 0; i < 3; i++ {
		other.Post("/forgot-password", testkit.Form("email", "ana@example.com"))
	}
	if r = other.Post("/forgot-password", testkit.Form("email", "ana@example.com")); r.Status != http.StatusTooManyRequests {
		t.Errorf("the sixth reset letter in an hour: %d, want 429", r.Status)
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'account.password_reset' AND severity = 'security'`); n != 1 {
		t.Errorf("%d security audit events for the reset, want 1", n)
	}
}

// Without a mail server the forgot-password page says how to get help instead.
func TestPasswordResetWithoutMail(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	c := a.Client(t)
	r := c.Get("/forgot-password?lang=en")
	if !strings.Contains(r.Body, `data-testid="forgot-unavailable"`) || strings.Contains(r.Body, `action="/forgot-password"`) {
		t.Errorf("without mail the page still offers a reset by e-mail\n%s", testkit.Trim(r.Body))
	}
	u := a.CreateUser(t, "ana@example.com", testkit.Password)
	if !u.EmailVerified {
		t.Error("without mail to confirm it with, a new address is left unconfirmed")
	}
}

// A new account confirms its address from the letter sent at sign-up before
// it can order; the banner offers another link, which replaces the first.
func TestAddressVerificationComesBeforeOrders(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	seedCatalog(t, a)
	c := a.Client(t)
	c.Get("/signup?lang=en")
	testkit.MustStatus(t, "sign-up", c.Post("/signup", testkit.Form("email", "leo@example.com", "name", "Leo", "password", testkit.Password, "confirm", testkit.Password)), http.StatusSeeOther)
	first := ms.Await(t, "leo@example.com", "Confirm your e-mail address at Abrak Cloud")
	if !strings.Contains(first.HTML, `dir="ltr"`) || !strings.Contains(first.Text, "Hello Leo,") {
		t.Errorf("the English letter is not left to right or lacks its greeting\n%s", first.Text)
	}
	r := c.Get("/vms")
	if !strings.Contains(r.Body, `data-testid="unverified"`) {
		t.Error("the dashboard does not say the address is unconfirmed")
	}
	u := a.User(t, "leo@example.com")
	if _, err := a.DB.Credit(context.Background(), u.ID, startBalanceRials, "topup", "test"); err != nil {
		t.Fatal(err)
	}
	tok, _ := a.MintToken(t, "leo@example.com", services.AllScopes...)
	r = a.APICall(t, http.MethodPost, "/api/v1/vms", tok, orderBody("leo", "leo"))
	testkit.MustStatus(t, "an order before the address is confirmed", r, http.StatusForbidden)
	if !strings.Contains(r.Body, `"email_unverified"`) || a.Count(t, `SELECT count(*) FROM vms`) != 0 || balanceOf(t, a, "leo@example.com") != startBalanceRials {
		t.Errorf("the refusal does not say why, or something was ordered or charged\n%s", r.Body)
	}
	if r = a.APICall(t, http.MethodGet, "/api/v1/account", tok, ""); !strings.Contains(r.Body, `"email_verified":false`) {
		t.Errorf("the account does not say the address is unconfirmed: %s", r.Body)
	}

	// Another link replaces the first.
	testkit.MustStatus(t, "send the link again", c.Post("/account/verify-email", nil), http.StatusSeeOther)
	second := ms.AwaitNth(t, "leo@example.com", 2)
	if r = c.Get(strings.TrimPrefix(testkit.LinkIn(t, first, a.URL+"/verify-email?token="), a.URL)); r.Status != http.StatusGone {
		t.Errorf("the first link still confirms after a second was sent (%d)", r.Status)
	}
	r = c.Get(strings.TrimPrefix(testkit.LinkIn(t, second, a.URL+"/verify-email?token="), a.URL))
	if r.Status != http.StatusSeeOther || r.Location() != "/vms" {
		t.Fatalf("the newest link: %d → %q, want 303 → /vms", r.Status, r.Location())
	}
	if r = c.Get("/vms"); strings.Contains(r.Body, `data-testid="unverified"`) || !testkit.Contains(r.Body, i18n.T(i18n.EN, "mail.verified")) {
		t.Error("after confirming, the banner stays or no message says so")
	}
	orderVM(t, a, vmCustomer{email: "leo@example.com", id: u.ID, token: tok}, "leo", "leo") // 503: kept for a node, not refused
	if r = a.APICall(t, http.MethodGet, "/api/v1/account", tok, ""); !strings.Contains(r.Body, `"email_verified":true`) {
		t.Errorf("the account does not say the address is confirmed: %s", r.Body)
	}
}

// A customer who forgot the password gets back in from the sign-in page, in
// Persian on a phone and in English on a desktop, through the mailed link.
func TestPasswordResetInTheBrowser(t *testing.T) {
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	for i, run := range []struct {
		lang  string
		phone bool
	}{{"fa", true}, {"en", false}} {
		email := fmt.Sprintf("reset%d@example.com", i)
		a.CreateUser(t, email, testkit.Password)
		if _, err := a.DB.W.Exec(`UPDATE users SET locale = ? WHERE email = ?`, run.lang, email); err != nil {
			t.Fatal(err)
		}
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL) // a browser of its own: no session from the run before
		p.Open("/signin?lang=" + run.lang)
		p.Click(`[data-testid=forgot-link]`, `[data-testid=forgot-submit]`)
		size := "desktop"
		if run.phone {
			p.AtPhoneSize()
			size = "phone"
		}
		p.WantLangDir(run.lang, map[string]string{"fa": "rtl", "en": "ltr"}[run.lang])
		p.SaveScreenshot("forgot-password-" + run.lang + "-" + size)
		p.Fill(map[string]string{"#f-email": email})
		p.Click(`[data-testid=forgot-submit]`, `[data-testid=forgot-sent]`)
		if run.phone {
			p.AtPhoneSize()
		}
		link := testkit.LinkIn(t, ms.AwaitNth(t, email, 2), a.URL+"/reset-password?token=")
		p.Open(strings.TrimPrefix(link, a.URL))
		p.Fill(map[string]string{"#f-password": "Fresh-pass-2026", "#f-confirm": "Fresh-pass-2026"})
		p.SaveScreenshot("reset-password-" + run.lang + "-" + size)
		p.Click(`[data-testid=reset-submit]`, `#flash .flash-success`)
		if p.Path() != "/signin" {
			t.Fatalf("%s: after the reset the browser is at %s, want /signin", run.lang, p.Path())
		}
		p.Fill(map[string]string{"#f-email": email, "#f-password": "Fresh-pass-2026"})
		p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
	}
}

// A reset link's pages carry its token (in the address and the form), so no
// cache may keep them; and following the link proves the address, so a reset
// confirms an address that was not confirmed yet.
func TestAPasswordResetIsNeverCachedAndConfirmsTheAddress(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	c := a.Client(t)
	c.Header.Set("Accept-Language", "en")
	testkit.MustStatus(t, "sign-up", c.SignUp("ana@example.com", "Ana", testkit.Password), http.StatusSeeOther)
	if a.User(t, "ana@example.com").EmailVerified {
		t.Fatal("a new address is confirmed before its letter is opened")
	}
	c.Post("/signout", nil)
	c.Get("/forgot-password")
	testkit.MustStatus(t, "forgot", c.Post("/forgot-password", testkit.Form("email", "ana@example.com")), http.StatusOK)
	path := strings.TrimPrefix(testkit.LinkIn(t, ms.AwaitNth(t, "ana@example.com", 2), a.URL+"/reset-password?token="), a.URL)
	token := strings.TrimPrefix(path, "/reset-password?token=")

	r := c.Get(path)
	testkit.MustStatus(t, "the reset link", r, http.StatusOK)
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the reset page has Cache-Control %q, want no-store", cc)
	}
	r = c.Post("/reset-password", testkit.Form("token", token, "password", "Another-pass-42", "confirm", "Another-pass-43"))
	testkit.MustStatus(t, "mismatched confirmation", r, http.StatusUnprocessableEntity)
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" || !strings.Contains(r.Body, token) {
		t.Errorf("the refused reset form (holding the token %v) has Cache-Control %q, want no-store", strings.Contains(r.Body, token), cc)
	}
	testkit.MustStatus(t, "reset", c.Post("/reset-password", testkit.Form("token", token, "password", "Another-pass-42", "confirm", "Another-pass-42")), http.StatusSeeOther)
	if !a.User(t, "ana@example.com").EmailVerified {
		t.Error("the reset through the mailed link did not confirm the address")
	}
	c.SignIn("ana@example.com", "Another-pass-42")
	if r := c.Get("/vms"); r.Status != http.StatusOK || strings.Contains(r.Body, `data-testid="unverified"`) {
		t.Errorf("after the reset the dashboard (%d) still asks to confirm the address", r.Status)
	}
}
