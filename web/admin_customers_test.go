package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"abrak/testkit"
	"abrak/views/i18n"
)

// adminCustomerWithVM is a customer with money, a token and a VM waiting for
// a node (orderVM), whose address the test sets.
func adminCustomerWithVM(t *testing.T, a *testkit.App, email string, balance int64, ip string) (vmCustomer, string) {
	t.Helper()
	if a.Count(t, `SELECT count(*) FROM plans`) == 0 {
		seedCatalog(t, a)
	}
	c := newVMCustomer(t, a, email, balance)
	uuid := orderVM(t, a, c, "web-"+strings.Split(email, "@")[0], "web")
	if _, err := a.DB.W.Exec(`UPDATE vms SET public_ip = ? WHERE uuid = ?`, ip, uuid); err != nil {
		t.Fatal(err)
	}
	return c, uuid
}

// The operator finds a customer by address, name, a VM's uuid or address,
// sorts the list by balance, and opens the customer's page.
func TestTheOperatorFindsACustomer(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	ana, uuid := adminCustomerWithVM(t, a, "ana@example.com", 3_000_000, "203.0.113.77")
	newVMCustomer(t, a, "babak@example.com", 5_000_000)
	row := `data-testid="customer-` + itoa(ana.id) + `"`
	for _, q := range []string{"ana@exa", "Test ana", uuid, "203.0.113.77"} {
		r := pp.support.Get("/admin/customers?lang=en&q=" + url.QueryEscape(q))
		testkit.MustStatus(t, "search "+q, r, http.StatusOK)
		if !strings.Contains(r.Body, row) || strings.Count(r.Body, `<tr data-testid="customer-`) != 1 {
			t.Errorf("search %q does not find ana alone", q)
		}
	}
	if r := pp.support.Get("/admin/customers?lang=en&q=nobody-at-all"); !strings.Contains(r.Body, `data-testid="empty"`) {
		t.Error("a search that matches no one does not say so")
	}
	r := pp.support.Get("/admin/customers?lang=en&sort=balance&desc=1")
	if i, j := strings.Index(r.Body, "babak@example.com"), strings.Index(r.Body, "ana@example.com"); i < 0 || j < 0 || i > j {
		t.Error("sorted by balance, highest first, babak does not come before ana")
	}
	r = pp.support.Get("/admin/customers?lang=en&sort=balance&limit=2")
	if !strings.Contains(r.Body, `rel="next"`) {
		t.Error("a page of two of six accounts has no next page")
	}
	r = pp.support.Get("/admin/customers/" + itoa(ana.id) + "?lang=en")
	testkit.MustStatus(t, "ana's page", r, http.StatusOK)
	for _, want := range []string{uuid, "203.0.113.77", i18n.Money(i18n.EN, 3_000_000)} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("ana's page does not show %q", want)
		}
	}
	testkit.MustStatus(t, "a customer that does not exist", pp.support.Get("/admin/customers/999999"), http.StatusNotFound)
	testkit.MustStatus(t, "a customer looks", pp.customer.Get("/admin/customers/"+itoa(ana.id)), http.StatusNotFound)
}

// Crediting a wallet needs a reason; the money moves once however many times
// the form is sent, is in the customer's ledger with the reason, and in the
// audit log as the staff member's act. A customer, or an admin without
// two-factor sign-in, moves nothing.
func TestTheOperatorCreditsAWalletOnceWithAReason(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	ana := newVMCustomer(t, a, "ana@example.com", 1_000_000)
	path := "/admin/customers/" + itoa(ana.id)
	credit := path + "/credit"
	balance := func() int64 { return a.User(t, "ana@example.com").BalanceRials }

	key := formKeyOf(t, pp.support.Get(path).Body)
	r := pp.support.Post(credit, testkit.Form("key", key, "direction", "credit", "amount", "۵۰۰۰", "reason", ""))
	testkit.MustStatus(t, "a credit without a reason", r, http.StatusUnprocessableEntity)
	if balance() != 1_000_000 {
		t.Fatal("a credit without a reason moved money")
	}
	for i := 0; i < 2; i++ { // a double submit
		r = pp.support.Post(credit, testkit.Form("key", key, "direction", "credit", "amount", "۵۰۰۰", "reason", "Goodwill for the outage"))
		testkit.WantRedirect(t, "the credit", r, path)
	}
	if b := balance(); b != 1_050_000 {
		t.Errorf("balance %d after a credit of 5,000 toman sent twice, want 1,050,000 rials", b)
	}
	if n := a.Count(t, `SELECT count(*) FROM ledger WHERE user_id = ? AND kind = 'admin_credit' AND ref = 'Goodwill for the outage' AND amount_rials = 50000`, ana.id); n != 1 {
		t.Errorf("%d ledger rows of the credit, want 1", n)
	}
	sara := a.User(t, "sara@example.com")
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.credit' AND user_id = ? AND target_type = 'user' AND target_id = ?`, sara.ID, itoa(ana.id)); n != 1 {
		t.Errorf("%d audit rows of sara's credit, want 1", n)
	}
	// A debit, with a new page's key; more than the wallet holds is refused.
	r = pp.admin.Post(credit, testkit.Form("key", formKeyOf(t, pp.admin.Get(path).Body), "direction", "debit", "amount", "1000000", "reason", "Too much"))
	testkit.MustStatus(t, "a debit above the balance", r, http.StatusUnprocessableEntity)
	r = pp.admin.Post(credit, testkit.Form("key", formKeyOf(t, pp.admin.Get(path).Body), "direction", "debit", "amount", "5000", "reason", "Double credit"))
	testkit.WantRedirect(t, "the debit", r, path)
	if b := balance(); b != 1_000_000 {
		t.Errorf("balance %d after the debit, want 1,000,000", b)
	}
	// Refused at the door: nothing moves.
	for name, c := range map[string]*testkit.Client{"customer": pp.customer, "visitor": pp.anon} {
		r = c.Post(credit, testkit.Form("key", "k-"+name, "direction", "credit", "amount", "5000", "reason", "x"))
		testkit.MustStatus(t, name+" credits", r, http.StatusNotFound)
	}
	testkit.WantRedirect(t, "admin without two-factor credits", pp.adminNo2FA.Post(credit, testkit.Form("key", "k", "direction", "credit", "amount", "5000", "reason", "x")), "/account#two-factor")
	if b := balance(); b != 1_000_000 {
		t.Errorf("balance %d after refused credits, want 1,000,000", b)
	}
	// The customer sees the reason in their wallet.
	c := a.Client(t)
	c.SignIn("ana@example.com", testkit.Password)
	if r := c.Get("/wallet?lang=en"); !strings.Contains(r.Body, "Goodwill for the outage") || !testkit.Contains(r.Body, i18n.T(i18n.EN, "wallet.kind.admin_credit")) {
		t.Error("the customer's wallet does not show the credit and its reason")
	}
}

// formKeyOf reads the credit form's key from a customer's page.
func formKeyOf(t *testing.T, body string) string {
	t.Helper()
	const mark = `name="key" value="`
	i := strings.Index(body, mark)
	if i < 0 {
		t.Fatal("the page has no credit form")
	}
	rest := body[i+len(mark):]
	return rest[:strings.IndexByte(rest, '"')]
}

// No operator's page shows a customer's password, token secret, two-factor
// secret or VNC password, in either language.
func TestNoOperatorPageShowsACustomersSecrets(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	ana, uuid := adminCustomerWithVM(t, a, "ana@example.com", 3_000_000, "203.0.113.78")
	totpSecret, codes := enableTOTP(t, a, "ana@example.com")
	vm := vmRow(t, a, uuid)
	secrets := map[string]string{"password": testkit.Password, "token": ana.token, "totp secret": totpSecret, "recovery code": codes[0],
		"vnc password": vm.VNCPassword, "vm root password": "StrongPass123!"}
	if vm.VNCPassword == "" {
		t.Fatal("the VM has no VNC password to look for")
	}
	catalog := []string{"/admin/plans", "/admin/regions", "/admin/templates", "/admin/pools"}
	pages := []string{"/admin", "/admin/customers", "/admin/customers?q=ana", "/admin/customers?q=" + uuid, "/admin/customers/" + itoa(ana.id),
		"/admin/vms", "/admin/vms?q=" + uuid, "/admin/orders", "/admin/orders?q=" + uuid, "/admin/audit", "/admin/audit?customer=ana@example.com", "/admin/audit.csv"}
	for _, l := range []string{"fa", "en"} {
		for _, p := range append(pages, catalog...) {
			for _, c := range []*testkit.Client{pp.admin, pp.support} {
				r := c.Get(p + sep(p) + "lang=" + l)
				testkit.MustStatus(t, p, r, http.StatusOK)
				for what, s := range secrets {
					if strings.Contains(r.Body, s) {
						t.Errorf("%s (%s) shows the customer's %s", p, l, what)
					}
				}
			}
		}
	}
}

func sep(p string) string {
	if strings.Contains(p, "?") {
		return "&"
	}
	return "?"
}
