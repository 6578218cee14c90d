package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The customer edits name and language on the account page, and can close an
// account that has no VM and no money left: refused with the reason while
// either remains; once closed nobody signs in to it, its tokens stop, its
// address can sign up again, and its bills stay.
func TestAccountProfileAndClosing(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	ana := newVMCustomer(t, a, "ana@example.com", startBalanceRials)
	c := a.Client(t)
	c.SignIn(ana.email, testkit.Password)

	c.Get("/account?lang=fa")
	r := c.Post("/account/profile", testkit.Form("name", "آنا کریمی", "locale", "en"))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("profile: %d\n%s", r.Status, testkit.Trim(r.Body))
	}
	page := c.Get("/account")
	if !strings.Contains(page.Body, `lang="en"`) || !testkit.Contains(page.Body, "آنا کریمی") || !testkit.Contains(page.Body, i18n.T(i18n.EN, "account.profile_saved")) {
		t.Errorf("after saving, the page is not in English with the new name\n%s", testkit.Trim(page.Body))
	}
	if u := a.User(t, ana.email); u.Name != "آنا کریمی" || u.Locale != "en" {
		t.Errorf("saved name %q, locale %q", u.Name, u.Locale)
	}
	r = c.Post("/account/profile", testkit.Form("name", strings.Repeat("x", 101), "locale", "de"))
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-field-error="name"`) || !strings.Contains(r.Body, `data-field-error="locale"`) {
		t.Errorf("a bad profile: %d, without messages beside both fields", r.Status)
	}

	close := func(email, password string) testkit.Response {
		t.Helper()
		c.Get("/account")
		return c.Post("/account/close", testkit.Form("confirm_email", email, "password", password))
	}
	one := orderVM(t, a, ana, "one", "one")
	settle(t, a, one, vmstatus.Running)
	if r = close(ana.email, "wrong-password-123"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-field-error="password"`) {
		t.Errorf("closing with a wrong password: %d", r.Status)
	}
	if r = close("someone@example.com", testkit.Password); !strings.Contains(r.Body, `data-field-error="confirm_email"`) {
		t.Error("closing with another address is not refused beside the field")
	}
	if r = close(ana.email, testkit.Password); r.Status != http.StatusUnprocessableEntity || !testkit.Contains(r.Body, i18n.T(i18n.EN, "account.close_has_vms", "n", "1")) {
		t.Errorf("closing with a VM: %d, without the reason", r.Status)
	}
	if _, err := a.DB.W.Exec(`UPDATE vms SET status = 'destroyed' WHERE uuid = ?`, one); err != nil {
		t.Fatal(err)
	}
	if r = close(ana.email, testkit.Password); !testkit.Contains(r.Body, i18n.T(i18n.EN, "account.close_has_balance")) {
		t.Errorf("closing with money in the wallet is not refused with the reason")
	}
	if _, err := a.DB.W.Exec(`UPDATE users SET balance_rials = 0 WHERE email = ?`, ana.email); err != nil {
		t.Fatal(err)
	}
	if r = close(ana.email, testkit.Password); r.Status != http.StatusSeeOther || r.Location() != "/signin" {
		t.Fatalf("closing: %d → %q\n%s", r.Status, r.Location(), testkit.Trim(r.Body))
	}
	if r = c.Get("/vms"); r.Status != http.StatusSeeOther {
		t.Error("the closed account's session still opens the VM list")
	}
	other := a.Client(t)
	other.Get("/signin")
	if r = other.Post("/signin", testkit.Form("email", ana.email, "password", testkit.Password)); r.Status == http.StatusSeeOther {
		t.Error("the closed account still signs in")
	}
	testkit.MustStatus(t, "the closed account's token", a.APICall(t, http.MethodGet, "/api/v1/account", ana.token, ""), http.StatusUnauthorized)
	if n := a.Count(t, `SELECT count(*) FROM ledger WHERE user_id = ?`, ana.id); n < 2 {
		t.Errorf("the closed account's ledger has %d rows: bills must stay", n)
	}
	testkit.MustStatus(t, "signing up again with the address", other.SignUp(ana.email, "Ana again", testkit.Password), http.StatusSeeOther)
	if _, err := a.DB.UserByEmail(context.Background(), ana.email); err != nil {
		t.Errorf("the address cannot sign up again: %v", err)
	}
}

// The account page lists the browsers signed in, this one marked; ending one
// signs it out at its next request, and "every other browser" leaves only this one.
func TestSessionsAreListedAndEnded(t *testing.T) {
	a := testkit.NewApp(t)
	a.CreateUser(t, "ana@example.com", testkit.Password)
	browsers := make([]*testkit.Client, 3)
	for i := range browsers {
		browsers[i] = a.Client(t)
		browsers[i].Header.Set("User-Agent", []string{
			"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"}[i])
		browsers[i].SignIn("ana@example.com", testkit.Password)
	}
	me := browsers[0]
	page := me.Get("/account?lang=en")
	if n := strings.Count(page.Body, "data-session="); n != 3 {
		t.Fatalf("%d sessions listed, want 3\n%s", n, testkit.Trim(page.Body))
	}
	if strings.Count(page.Body, `data-testid="this-session"`) != 1 || !testkit.Contains(page.Body, "Chrome, Linux") || !testkit.Contains(page.Body, "Safari, iPhone") || !testkit.Contains(page.Body, "Firefox, Windows") {
		t.Errorf("the sessions are not named by browser and system, or this one is not marked once")
	}
	var iphone int64
	if err := a.DB.R.QueryRow(`SELECT id FROM user_sessions WHERE user_agent LIKE '%iPhone%'`).Scan(&iphone); err != nil {
		t.Fatal(err)
	}
	testkit.MustStatus(t, "end the iPhone's session", me.Post("/account/sessions/"+itoa(iphone)+"/end", nil), http.StatusSeeOther)
	if r := browsers[1].Get("/vms"); r.Status != http.StatusSeeOther || r.Location() != "/signin" {
		t.Errorf("the ended session still opens the VM list (%d)", r.Status)
	}
	if r := browsers[2].Get("/vms"); r.Status != http.StatusOK {
		t.Errorf("ending one session ended another (%d)", r.Status)
	}
	other := newVMCustomer(t, a, "bob@example.com", 0)
	bob := a.Client(t)
	bob.SignIn(other.email, testkit.Password)
	if r := bob.Post("/account/sessions/"+itoa(iphone+1)+"/end", nil); r.Status != http.StatusNotFound {
		t.Errorf("Bob ended Ana's session: %d, want 404", r.Status)
	}
	me.Get("/account")
	testkit.MustStatus(t, "every other browser", me.Post("/account/sessions/end-others", nil), http.StatusSeeOther)
	if r := browsers[2].Get("/vms"); r.Status != http.StatusSeeOther {
		t.Errorf("after 'every other browser' the third session still works (%d)", r.Status)
	}
	if r := me.Get("/vms"); r.Status != http.StatusOK {
		t.Errorf("'every other browser' signed this one out too (%d)", r.Status)
	}
	if page = me.Get("/account"); strings.Count(page.Body, "data-session=") != 1 {
		t.Errorf("after 'every other browser' %d sessions are listed, want 1", strings.Count(page.Body, "data-session="))
	}
}

// Closing an account never meets an address in use: not one a customer signs
// up with now (closed-N@closed.invalid, the old closed form, is refused), nor
// one an account signed up with before this version.
func TestClosingAnAccountNeverMeetsAnAddressInUse(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	ana := a.CreateUser(t, "ana@example.com", testkit.Password)
	old := fmt.Sprintf("closed-%d@closed.invalid", ana.ID)
	if _, err := a.DB.W.Exec(`INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES (?, 'Earlier', 'x', 0, 0)`, old); err != nil {
		t.Fatal(err)
	}
	r := a.Client(t).SignUp(strings.ToUpper(old), "Squatter", testkit.Password)
	testkit.MustStatus(t, "signing up as the old closed form", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "email", "form.email_unreachable")

	c := a.Client(t)
	c.SignIn(ana.Email, testkit.Password)
	c.Get("/account")
	if r = c.Post("/account/close", testkit.Form("confirm_email", ana.Email, "password", testkit.Password)); r.Status != http.StatusSeeOther || r.Location() != "/signin" {
		t.Fatalf("closing: %d → %q\n%s", r.Status, r.Location(), testkit.Trim(r.Body))
	}
	if u := a.User(t, old); u.Name != "Earlier" {
		t.Errorf("the account signed up as %s was changed: %+v", old, u)
	}
	if n := a.Count(t, `SELECT count(*) FROM users WHERE id = ? AND closed_at IS NOT NULL AND email NOT LIKE '%@%'`, ana.ID); n != 1 {
		t.Error("the closed account's address is one sign-up could take")
	}
}
