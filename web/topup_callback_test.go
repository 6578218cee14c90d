package web_test

import (
	"net/http"
	"strings"
	"testing"

	"abrak/testkit"
)

// The callback's Status is the customer's browser talking, not the gateway: a
// NOK for a payment that was made credits it (once), a NOK for one that was
// not fails it only after the gateway says so, and an OK that comes after
// that for a payment made after all still credits it, once.
func TestACallbackIsVerifiedWhateverItsStatusSays(t *testing.T) {
	t.Parallel()
	z := testkit.NewZarinpal(t)
	a := testkit.NewApp(t, z.Gateway(testkit.ZarinpalMerchant))
	u := newVMCustomer(t, a, "nok@example.com", 0)
	c := a.Client(t)
	c.SignIn(u.email, testkit.Password)
	balance := func() int64 { return a.User(t, u.email).BalanceRials }
	nok := func(authority string) testkit.Response {
		return c.Get("/wallet/topup/callback?Authority=" + authority + "&Status=NOK")
	}

	// Paid, but the browser came back saying NOK: the gateway is asked and the
	// money credited, once however often the NOK comes.
	paid := startTopUp(t, c, z, "50000")
	z.Set(paid, func(p *testkit.ZarinpalPayment) { p.Paid = true })
	before := z.Verifications()
	if r := nok(paid); r.Status != http.StatusSeeOther || balance() != 500_000 {
		t.Fatalf("a NOK for a paid payment: %d, balance %d, want 500,000", r.Status, balance())
	}
	if z.Verifications() == before {
		t.Fatal("a NOK was taken at its word, the gateway not asked")
	}
	nok(paid)
	c.Get("/wallet/topup/callback?Authority=" + paid + "&Status=OK")
	if balance() != 500_000 {
		t.Fatalf("replayed callbacks credited again: balance %d", balance())
	}
	if page := c.Get("/wallet?lang=en"); !strings.Contains(page.Body, `data-status="paid"`) {
		t.Error("the wallet does not list the payment as paid")
	}

	// Not paid: failed after the gateway says so, nothing credited.
	unpaid := startTopUp(t, c, z, "30000")
	before = z.Verifications()
	nok(unpaid)
	if z.Verifications() == before || balance() != 500_000 {
		t.Fatalf("a NOK for an unpaid payment: %d verifications, balance %d", z.Verifications()-before, balance())
	}
	if n := a.Count(t, `SELECT count(*) FROM topups WHERE authority = ? AND status = 'failed'`, unpaid); n != 1 {
		t.Fatal("an unpaid payment the gateway refused is not marked failed")
	}

	// Paid after all (another tab, a bank that was slow): the OK that follows is
	// verified and credited, once.
	ok := payOnGateway(t, z, unpaid)
	c.Get(ok)
	c.Get(ok)
	nok(unpaid)
	if balance() != 800_000 {
		t.Fatalf("an OK after a failed NOK for a payment made: balance %d, want 800,000", balance())
	}
	if n := a.Count(t, `SELECT count(*) FROM ledger WHERE kind = 'topup'`); n != 2 {
		t.Fatalf("%d top-up ledger rows, want 2", n)
	}
	if n := a.Count(t, `SELECT count(*) FROM topups WHERE authority = ? AND status = 'paid'`, unpaid); n != 1 {
		t.Fatal("the payment made after a NOK is not marked paid")
	}
}
