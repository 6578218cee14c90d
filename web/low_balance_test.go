package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"abrak/testkit"
	"abrak/vmstatus"
)

// The running-out ladder: a letter when the balance lasts under 72, 24 and 1
// hours, each once per episode; a new episode once a top-up makes the balance
// last again; a letter when a VM is powered off for want of funds; after the
// grace period a suspension (only deleting is allowed), lifted by a top-up.
func TestRunningOutOfMoneyIsToldByMail(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	clock := testkit.NewClock(time.Now())
	a := testkit.NewApp(t, withMailByHand(ms, clock))
	seedCatalog(t, a)
	ctx := context.Background()
	ana := newVMCustomer(t, a, "ana@example.com", startBalanceRials)
	if _, err := a.DB.W.Exec(`UPDATE users SET email_verified_at = unixepoch(), locale = 'en'`); err != nil {
		t.Fatal(err)
	}
	one := orderVM(t, a, ana, "one", "one")
	settle(t, a, one, vmstatus.Stopped)
	setBalance := func(rials int64) {
		t.Helper()
		if _, err := a.DB.W.Exec(`UPDATE users SET balance_rials = ? WHERE id = ?`, rials, ana.id); err != nil {
			t.Fatal(err)
		}
	}
	letters := func(kind string) int {
		t.Helper()
		n := 0
		ml, _ := a.DB.MailTo(ctx, ana.email)
		for _, m := range ml {
			if m.Kind == kind {
				n++
			}
		}
		return n
	}
	ladder := func(balanceHours int64, want map[string]int) {
		t.Helper()
		setBalance(balanceHours * starterPriceRials)
		a.Workers.WarnLowBalances(ctx)
		a.Workers.WarnLowBalances(ctx) // a second pass warns of nothing new
		for kind, n := range want {
			if got := letters(kind); got != n {
				t.Errorf("at %d hours left: %d %s letters, want %d", balanceHours, got, kind, n)
			}
		}
	}
	ladder(100, map[string]int{"low_balance": 0})
	ladder(50, map[string]int{"low_balance": 1})
	ladder(30, map[string]int{"low_balance": 1})
	ladder(10, map[string]int{"low_balance": 2})
	ladder(0, map[string]int{"low_balance": 2, "low_balance_hour": 1})
	ladder(200, map[string]int{"low_balance": 2, "low_balance_hour": 1}) // topped up: the episode ends
	ladder(60, map[string]int{"low_balance": 3})                         // and a new one begins

	a.Mailer.DeliverDue(ctx)
	m := ms.AwaitNth(t, ana.email, 5) // the confirmation, then the warnings at 50, 10, 0 and 60 hours
	if !strings.Contains(m.Text, "lasts about 60 more hours") || !strings.Contains(m.Text, "300,000 toman") || !strings.Contains(m.Text, a.URL+"/wallet") {
		t.Errorf("the warning lacks the hours, the balance or the link to top up\n%s", m.Text)
	}

	// The hour comes due and the wallet cannot pay it: powered off, and told.
	setBalance(0)
	if _, err := a.DB.W.Exec(`UPDATE vms SET paid_until = ? WHERE uuid = ?`, clock.Now().Add(-time.Minute).Unix(), one); err != nil {
		t.Fatal(err)
	}
	a.Workers.BillDue(ctx, clock.Now())
	if vmRow(t, a, one).UnpaidSince.IsZero() {
		t.Fatal("the unpaid VM was not held")
	}
	a.Mailer.DeliverDue(ctx)
	off := ms.Await(t, ana.email, "was powered off")
	if !strings.Contains(off.Subject, "one") || !strings.Contains(off.Text, "Top up") {
		t.Errorf("the powered-off letter does not name the VM or say what to do\n%s\n%s", off.Subject, off.Text)
	}
	a.Workers.BillDue(ctx, clock.Now())
	a.Workers.DeleteLongUnpaid(ctx, clock.Now().Add(365*24*time.Hour)) // off by default: a year later, nothing
	if vmRow(t, a, one).Status == vmstatus.Destroyed || letters("delete_warning") != 0 {
		t.Error("with deletion of unpaid VMs off (the default), an unpaid VM was deleted or its owner warned")
	}
	if n := letters("unpaid_off"); n != 1 {
		t.Errorf("%d powered-off letters for one VM held, want 1", n)
	}
	vmBody := func() string {
		t.Helper()
		r := a.APICall(t, http.MethodGet, "/api/v1/vms/"+one, ana.token, "")
		testkit.MustStatus(t, "the VM", r, http.StatusOK)
		return r.Body
	}
	if b := vmBody(); !strings.Contains(b, `"held_for_funds":true`) || !strings.Contains(b, `"suspended":false`) {
		t.Errorf("the API does not say the VM is held for funds: %s", b)
	}

	// Held past the grace period (7 days) with the wallet still empty: suspended.
	a.Workers.SuspendOverdue(ctx, clock.Now().Add(6*24*time.Hour))
	if vmRow(t, a, one).Suspended() {
		t.Fatal("suspended before the grace period ended")
	}
	a.Workers.SuspendOverdue(ctx, clock.Now().Add(7*24*time.Hour+time.Minute))
	if !vmRow(t, a, one).Suspended() || letters("suspended") != 1 {
		t.Fatalf("after the grace period: suspended %v, %d letters", vmRow(t, a, one).Suspended(), letters("suspended"))
	}
	a.Workers.SuspendOverdue(ctx, clock.Now().Add(8*24*time.Hour))
	if n := letters("suspended"); n != 1 {
		t.Errorf("%d suspension letters, want 1", n)
	}
	if b := vmBody(); !strings.Contains(b, `"suspended":true`) {
		t.Errorf("the API does not say the VM is suspended: %s", b)
	}
	r := a.APICall(t, http.MethodPost, "/api/v1/vms/"+one+"/power/start", ana.token, "")
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, `"suspended_unpaid"`) {
		t.Errorf("starting a suspended VM: %d %s, want 409 suspended_unpaid", r.Status, r.Body)
	}
	c := a.Client(t)
	c.SignIn(ana.email, testkit.Password)
	if r = c.Get("/vms/" + one + "?lang=en"); !strings.Contains(r.Body, `data-testid="vm-suspended"`) {
		t.Error("the VM page does not say the VM is suspended")
	}
	// Money in lifts it at once; the VM is held as before, for a start that pays.
	if _, err := a.Wallet.TopUp(ctx, ana.id, 10_000, "bank"); err != nil {
		t.Fatal(err)
	}
	if b := vmBody(); !strings.Contains(b, `"suspended":false`) || !strings.Contains(b, `"held_for_funds":true`) {
		t.Errorf("a top-up did not lift the suspension: %s", b)
	}
	if r = c.Get("/vms/" + one + "?lang=en"); strings.Contains(r.Body, `data-testid="vm-suspended"`) || !strings.Contains(r.Body, `data-testid="vm-held"`) {
		t.Error("after the top-up the VM page still says suspended, or not that the VM is off for funds")
	}
}
