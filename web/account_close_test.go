package web_test

import (
	"context"
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
