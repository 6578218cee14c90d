package services_test

import (
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/vmstatus"
)

// Each later hour of a live VM is one charge, never two for the same hour; a
// wallet that cannot pay gets its VM powered off and a warning, not a debt.
func TestBillerChargesEachHourOnceAndStopsWhatCannotBePaid(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	owner := e.customer("billed@example.com", 3*vmtPrice) // the first hour and two more
	p := e.openReady(true)

	vm, err := p.Create(e.ctx, owner, vmOrder("billed"))
	must(t, err)
	e.waitStatus(vm.UUID, vmstatus.Running, time.Minute)

	// Nothing is due during the first, prepaid hour.
	p.BillDue(e.ctx, time.Now())
	if n, _ := e.ledgerRows(owner, "hourly", vm.UUID); n != 0 {
		t.Fatalf("%d hourly charges inside the paid first hour", n)
	}
	// Two and a half hours later, two hours are due: charged once each, even when asked twice.
	later := vm.CreatedAt.Add(2*time.Hour + 30*time.Minute)
	p.BillDue(e.ctx, later)
	p.BillDue(e.ctx, later)
	if n, sum := e.ledgerRows(owner, "hourly", vm.UUID); n != 2 || sum != -2*vmtPrice {
		t.Fatalf("%d hourly charges summing %d, want 2 of %d", n, sum, vmtPrice)
	}
	if got := e.balance(owner); got != 0 {
		t.Fatalf("balance %d, want 0", got)
	}
	// The fourth hour cannot be paid: the VM is powered off, the balance stays at zero.
	p.BillDue(e.ctx, later.Add(time.Hour))
	if got := e.balance(owner); got != 0 {
		t.Fatalf("balance %d after an unpaid hour, want 0", got)
	}
	if got := e.vm(vm.UUID).Status; got != vmstatus.Stopped {
		t.Fatalf("unpaid VM is %q, want stopped", got)
	}
	if state := e.domains()[vm.UUID]; state != "stopped" {
		t.Fatalf("unpaid VM's domain is %q on its node, want stopped", state)
	}
	// While it is off for want of funds no debt builds up, and it cannot be started.
	p.BillDue(e.ctx, later.Add(10*time.Hour))
	if n, _ := e.ledgerRows(owner, "hourly", vm.UUID); n != 2 {
		t.Fatalf("%d hourly charges after ten unpaid hours, want still 2", n)
	}
	if _, err := p.Power(e.ctx, owner, vm.UUID, "start"); errStatus(err) != 422 {
		t.Fatalf("starting an unpaid VM: %v, want 422", err)
	}
	// A top-up pays for nothing by itself: not for the hours the wallet was
	// empty, not for the VM that is off. Starting it pays the hour now beginning.
	if _, err := e.db.Credit(e.ctx, owner.UserID, 5*vmtPrice, "topup", "test"); err != nil {
		t.Fatal(err)
	}
	p.BillDue(e.ctx, later.Add(11*time.Hour))
	if got := e.balance(owner); got != 5*vmtPrice {
		t.Fatalf("balance %d after a top-up of %d with the VM off, want it untouched", got, 5*vmtPrice)
	}
	a, err := p.Power(e.ctx, owner, vm.UUID, "start")
	must(t, err)
	if a = waitAction(t, p, owner, a.ID); a.Error != "" {
		t.Fatalf("start after the top-up: %+v", a)
	}
	if got := e.balance(owner); got != 4*vmtPrice {
		t.Fatalf("balance %d after starting, want %d: the start pays the hour now beginning", got, 4*vmtPrice)
	}
	if got := e.vm(vm.UUID); got.Held() || !got.PaidUntil.After(time.Now()) || got.Status != vmstatus.Running {
		t.Fatalf("after a paid start: %+v", got)
	}
	pg, err := p.Page(e.ctx, owner, vm.UUID, 1, 10)
	events := pg.Events
	must(t, err)
	found := false
	for _, ev := range events {
		found = found || ev.Action == "vm.unpaid_stop" && ev.Severity == services.SeverityWarning
	}
	if !found {
		t.Fatal("no warning tells the customer why the VM stopped")
	}
}

// The black-box finding: at balance 0, kill, let the biller tick, start — the VM
// ran on for free, hour after hour. Nothing starts, grows or is rebuilt now
// unless the wallet holds its next hour, and no hour passes unpaid while it runs.
func TestAnEmptyWalletStartsResizesAndRebuildsNothing(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	clock := &fakeClock{now: time.Now()}
	e.cfg.Now = clock.Now
	must(t, e.db.UpsertPlan(e.ctx, store.Plan{Slug: "big", NameFA: "بزرگ", NameEN: "Big", VCPUs: 2, MemoryMB: 512, DiskGB: 2,
		PriceHourlyRials: 2 * vmtPrice, Sort: 2, Active: true}))
	owner := e.customer("empty@example.com", vmtPrice) // the first hour, nothing more
	p := e.openReady(true)
	vm, err := p.Create(e.ctx, owner, vmOrder("empty"))
	must(t, err)
	e.waitStatus(vm.UUID, vmstatus.Running, time.Minute)

	a, err := p.Power(e.ctx, owner, vm.UUID, "kill")
	must(t, err)
	waitAction(t, p, owner, a.ID)
	p.BillDue(e.ctx, clock.add(90*time.Minute))
	for name, op := range map[string]func() (services.Action, error){
		"start":   func() (services.Action, error) { return p.Power(e.ctx, owner, vm.UUID, "start") },
		"resize":  func() (services.Action, error) { return p.Resize(e.ctx, owner, vm.UUID, "big") },
		"rebuild": func() (services.Action, error) { return p.Rebuild(e.ctx, owner, vm.UUID, "") },
	} {
		if _, err := op(); errStatus(err) != 422 {
			t.Errorf("%s at balance 0: %v, want 422", name, err)
		}
	}
	got := e.vm(vm.UUID)
	if got.Status != vmstatus.Stopped || !got.Held() || got.PlanSlug != vmtPlan {
		t.Fatalf("after the refusals: status %s, held %v, plan %s", got.Status, got.Held(), got.PlanSlug)
	}
	if n, _ := e.ledgerRows(owner, "hourly", vm.UUID); n != 0 {
		t.Fatalf("%d hourly charges at an empty wallet", n)
	}
}
