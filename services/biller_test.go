package services_test

import (
	"testing"
	"time"

	"abrak/services"
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
	// The test's clock runs ahead of the wall clock; put the paid time behind the
	// wall clock, as it is when an unpaid VM's customer comes back.
	if _, err := e.db.W.ExecContext(e.ctx, `UPDATE vms SET paid_until = ? WHERE uuid = ?`, time.Now().Add(-time.Minute).Unix(), vm.UUID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Power(e.ctx, owner, vm.UUID, "start"); errStatus(err) != 422 {
		t.Fatalf("starting an unpaid VM: %v, want 422", err)
	}
	// A top-up pays for the hour now beginning, not for the hours the wallet was empty.
	if _, err := e.db.Credit(e.ctx, owner.UserID, 5*vmtPrice, "topup", "test"); err != nil {
		t.Fatal(err)
	}
	p.BillDue(e.ctx, time.Now())
	if got := e.balance(owner); got != 4*vmtPrice {
		t.Fatalf("balance %d after a top-up of %d, want %d: only the current hour is charged", got, 5*vmtPrice, 4*vmtPrice)
	}
	events, err := p.VMEvents(e.ctx, owner, vm.UUID, 10)
	must(t, err)
	found := false
	for _, ev := range events {
		found = found || ev.Action == "vm.unpaid_stop" && ev.Severity == services.SeverityWarning
	}
	if !found {
		t.Fatal("no warning tells the customer why the VM stopped")
	}
}
