package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// verifications is how many times the gateway was asked whether a payment was made.
func (z *fakeZarinpal) verifications() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.verifies
}

// The callback's Status is the customer's browser talking, not the gateway: a
// NOK for a payment that was made credits it (once), a NOK for one that was
// not fails it only after the gateway says so, and an OK that comes after
// that for a payment made after all still credits it, once.
func TestACallbackIsVerifiedWhateverItsStatusSays(t *testing.T) {
	t.Parallel()
	z := newFakeZarinpal(t)
	a := newTestApp(t, z.gateway(fakeMerchant))
	u := newVMCustomer(t, a, "nok@example.com", 0)
	c := a.client(t)
	c.signIn(u.email, testPassword)
	balance := func() int64 { return a.user(t, u.email).BalanceRials }
	nok := func(authority string) response {
		return c.get("/wallet/topup/callback?Authority=" + authority + "&Status=NOK")
	}

	// Paid, but the browser came back saying NOK: the gateway is asked and the
	// money credited, once however often the NOK comes.
	paid := startTopUp(t, c, z, "50000")
	z.set(paid, func(p *fakePayment) { p.paid = true })
	before := z.verifications()
	if r := nok(paid); r.Status != http.StatusSeeOther || balance() != 500_000 {
		t.Fatalf("a NOK for a paid payment: %d, balance %d, want 500,000", r.Status, balance())
	}
	if z.verifications() == before {
		t.Fatal("a NOK was taken at its word, the gateway not asked")
	}
	nok(paid)
	c.get("/wallet/topup/callback?Authority=" + paid + "&Status=OK")
	if balance() != 500_000 {
		t.Fatalf("replayed callbacks credited again: balance %d", balance())
	}
	if page := c.get("/wallet?lang=en"); !strings.Contains(page.Body, `data-status="paid"`) {
		t.Error("the wallet does not list the payment as paid")
	}

	// Not paid: failed after the gateway says so, nothing credited.
	unpaid := startTopUp(t, c, z, "30000")
	before = z.verifications()
	nok(unpaid)
	if z.verifications() == before || balance() != 500_000 {
		t.Fatalf("a NOK for an unpaid payment: %d verifications, balance %d", z.verifications()-before, balance())
	}
	if n := a.count(t, `SELECT count(*) FROM topups WHERE authority = ? AND status = 'failed'`, unpaid); n != 1 {
		t.Fatal("an unpaid payment the gateway refused is not marked failed")
	}

	// Paid after all (another tab, a bank that was slow): the OK that follows is
	// verified and credited, once.
	ok := payOnGateway(t, z, unpaid)
	c.get(ok)
	c.get(ok)
	nok(unpaid)
	if balance() != 800_000 {
		t.Fatalf("an OK after a failed NOK for a payment made: balance %d, want 800,000", balance())
	}
	if n := a.count(t, `SELECT count(*) FROM ledger WHERE kind = 'topup'`); n != 2 {
		t.Fatalf("%d top-up ledger rows, want 2", n)
	}
	if n := a.count(t, `SELECT count(*) FROM topups WHERE authority = ? AND status = 'paid'`, unpaid); n != 1 {
		t.Fatal("the payment made after a NOK is not marked paid")
	}
}
