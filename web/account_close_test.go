package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The customer edits name and language on the account page, and can close an
// account that has no VM and no money left: refused with the reason while
// either remains; once closed nobody signs in to it, its tokens stop, its
// address can sign up again, and its bills stay.
func TestAccountProfileAndClosing(t *testing.T) {
	a := newTestApp(t)
	seedCatalog(t, a)
	ana := newVMCustomer(t, a, "ana@example.com", startBalanceRials)
	c := a.client(t)
	c.signIn(ana.email, testPassword)

	c.get("/account?lang=fa")
	r := c.post("/account/profile", form("name", "آنا کریمی", "locale", "en"))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("profile: %d\n%s", r.Status, trim(r.Body))
	}
	page := c.get("/account")
	if !strings.Contains(page.Body, `lang="en"`) || !contains(page.Body, "آنا کریمی") || !contains(page.Body, i18n.T(i18n.EN, "account.profile_saved")) {
		t.Errorf("after saving, the page is not in English with the new name\n%s", trim(page.Body))
	}
	if u := a.user(t, ana.email); u.Name != "آنا کریمی" || u.Locale != "en" {
		t.Errorf("saved name %q, locale %q", u.Name, u.Locale)
	}
	r = c.post("/account/profile", form("name", strings.Repeat("x", 101), "locale", "de"))
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-field-error="name"`) || !strings.Contains(r.Body, `data-field-error="locale"`) {
		t.Errorf("a bad profile: %d, without messages beside both fields", r.Status)
	}

	close := func(email, password string) response {
		t.Helper()
		c.get("/account")
		return c.post("/account/close", form("confirm_email", email, "password", password))
	}
	one := orderVM(t, a, ana, "one", "one")
	settle(t, a, one, vmstatus.Running)
	if r = close(ana.email, "wrong-password-123"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-field-error="password"`) {
		t.Errorf("closing with a wrong password: %d", r.Status)
	}
	if r = close("someone@example.com", testPassword); !strings.Contains(r.Body, `data-field-error="confirm_email"`) {
		t.Error("closing with another address is not refused beside the field")
	}
	if r = close(ana.email, testPassword); r.Status != http.StatusUnprocessableEntity || !contains(r.Body, i18n.T(i18n.EN, "account.close_has_vms", "n", "1")) {
		t.Errorf("closing with a VM: %d, without the reason", r.Status)
	}
	if _, err := a.DB.W.Exec(`UPDATE vms SET status = 'destroyed' WHERE uuid = ?`, one); err != nil {
		t.Fatal(err)
	}
	if r = close(ana.email, testPassword); !contains(r.Body, i18n.T(i18n.EN, "account.close_has_balance")) {
		t.Errorf("closing with money in the wallet is not refused with the reason")
	}
	if _, err := a.DB.W.Exec(`UPDATE users SET balance_rials = 0 WHERE email = ?`, ana.email); err != nil {
		t.Fatal(err)
	}
	if r = close(ana.email, testPassword); r.Status != http.StatusSeeOther || r.Location() != "/signin" {
		t.Fatalf("closing: %d → %q\n%s", r.Status, r.Location(), trim(r.Body))
	}
	if r = c.get("/vms"); r.Status != http.StatusSeeOther {
		t.Error("the closed account's session still opens the VM list")
	}
	other := a.client(t)
	other.get("/signin")
	if r = other.post("/signin", form("email", ana.email, "password", testPassword)); r.Status == http.StatusSeeOther {
		t.Error("the closed account still signs in")
	}
	mustStatus(t, "the closed account's token", apiCall(t, a, http.MethodGet, "/api/v1/account", ana.token, ""), http.StatusUnauthorized)
	if n := a.count(t, `SELECT count(*) FROM ledger WHERE user_id = ?`, ana.id); n < 2 {
		t.Errorf("the closed account's ledger has %d rows: bills must stay", n)
	}
	mustStatus(t, "signing up again with the address", other.signUp(ana.email, "Ana again", testPassword), http.StatusSeeOther)
	if _, err := a.DB.UserByEmail(context.Background(), ana.email); err != nil {
		t.Errorf("the address cannot sign up again: %v", err)
	}
}

// The account page lists the browsers signed in, this one marked; ending one
// signs it out at its next request, and "every other browser" leaves only this one.
func TestSessionsAreListedAndEnded(t *testing.T) {
	a := newTestApp(t)
	a.createUser(t, "ana@example.com", testPassword)
	browsers := make([]*client, 3)
	for i := range browsers {
		browsers[i] = a.client(t)
		browsers[i].Header.Set("User-Agent", []string{
			"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"}[i])
		browsers[i].signIn("ana@example.com", testPassword)
	}
	me := browsers[0]
	page := me.get("/account?lang=en")
	if n := strings.Count(page.Body, "data-session="); n != 3 {
		t.Fatalf("%d sessions listed, want 3\n%s", n, trim(page.Body))
	}
	if strings.Count(page.Body, `data-testid="this-session"`) != 1 || !contains(page.Body, "Chrome, Linux") || !contains(page.Body, "Safari, iPhone") || !contains(page.Body, "Firefox, Windows") {
		t.Errorf("the sessions are not named by browser and system, or this one is not marked once")
	}
	var iphone int64
	if err := a.DB.R.QueryRow(`SELECT id FROM user_sessions WHERE user_agent LIKE '%iPhone%'`).Scan(&iphone); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, "end the iPhone's session", me.post("/account/sessions/"+itoa(iphone)+"/end", nil), http.StatusSeeOther)
	if r := browsers[1].get("/vms"); r.Status != http.StatusSeeOther || r.Location() != "/signin" {
		t.Errorf("the ended session still opens the VM list (%d)", r.Status)
	}
	if r := browsers[2].get("/vms"); r.Status != http.StatusOK {
		t.Errorf("ending one session ended another (%d)", r.Status)
	}
	other := newVMCustomer(t, a, "bob@example.com", 0)
	bob := a.client(t)
	bob.signIn(other.email, testPassword)
	if r := bob.post("/account/sessions/"+itoa(iphone+1)+"/end", nil); r.Status != http.StatusNotFound {
		t.Errorf("Bob ended Ana's session: %d, want 404", r.Status)
	}
	me.get("/account")
	mustStatus(t, "every other browser", me.post("/account/sessions/end-others", nil), http.StatusSeeOther)
	if r := browsers[2].get("/vms"); r.Status != http.StatusSeeOther {
		t.Errorf("after 'every other browser' the third session still works (%d)", r.Status)
	}
	if r := me.get("/vms"); r.Status != http.StatusOK {
		t.Errorf("'every other browser' signed this one out too (%d)", r.Status)
	}
	if page = me.get("/account"); strings.Count(page.Body, "data-session=") != 1 {
		t.Errorf("after 'every other browser' %d sessions are listed, want 1", strings.Count(page.Body, "data-session="))
	}
}

// Closing an account never meets an address in use: not one a customer signs
// up with now (closed-N@closed.invalid, the old closed form, is refused), nor
// one an account signed up with before this version.
func TestClosingAnAccountNeverMeetsAnAddressInUse(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ana := a.createUser(t, "ana@example.com", testPassword)
	old := fmt.Sprintf("closed-%d@closed.invalid", ana.ID)
	if _, err := a.DB.W.Exec(`INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES (?, 'Earlier', 'x', 0, 0)`, old); err != nil {
		t.Fatal(err)
	}
	r := a.client(t).signUp(strings.ToUpper(old), "Squatter", testPassword)
	mustStatus(t, "signing up as the old closed form", r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "email", "form.email_unreachable")

	c := a.client(t)
	c.signIn(ana.Email, testPassword)
	c.get("/account")
	if r = c.post("/account/close", form("confirm_email", ana.Email, "password", testPassword)); r.Status != http.StatusSeeOther || r.Location() != "/signin" {
		t.Fatalf("closing: %d → %q\n%s", r.Status, r.Location(), trim(r.Body))
	}
	if u := a.user(t, old); u.Name != "Earlier" {
		t.Errorf("the account signed up as %s was changed: %+v", old, u)
	}
	if n := a.count(t, `SELECT count(*) FROM users WHERE id = ? AND closed_at IS NOT NULL AND email NOT LIKE '%@%'`, ana.ID); n != 1 {
		t.Error("the closed account's address is one sign-up could take")
	}
}
