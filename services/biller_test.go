package services_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/hypervisor"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
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
	clock := testkit.NewClock(time.Now())
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
	p.BillDue(e.ctx, clock.Add(90*time.Minute))
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

// With deletion of long-unpaid VMs turned on, a VM held for want of funds is
// announced 72 hours ahead, then its disk is copied to a final backup and the
// VM is deleted, and its owner is told.
func TestLongUnpaidVMsAreDeletedAfterAWarningAndABackup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewTestDriverPanel(t, testkit.WithMail(ms), func(c *app.Config) { c.VM.UnpaidDeleteAfter = 10 * 24 * time.Hour })
	u := a.CreateUser(t, "omid@example.com", testkit.Password)
	if _, err := a.DB.W.Exec(`UPDATE users SET email_verified_at = unixepoch(), locale = 'en', balance_rials = 1000 WHERE id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	o, err := a.VMs.Create(ctx, services.Principal{UserID: u.ID, Email: u.Email}, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "old-box", Region: "thr-t"})
	if err != nil {
		t.Fatal(err)
	}
	uuid := o.VM.UUID
	vmRow := func() store.VM {
		t.Helper()
		vm, err := a.DB.VMByUUID(ctx, uuid)
		must(t, err)
		return vm
	}
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow().Status == vmstatus.Running })
	now := time.Now()
	if _, err := a.DB.W.Exec(`UPDATE vms SET paid_until = ? WHERE uuid = ?`, now.Add(-time.Minute).Unix(), uuid); err != nil {
		t.Fatal(err)
	}
	a.Workers.BillDue(ctx, now) // the wallet is empty after the first hour: powered off and held
	if vm := vmRow(); !vm.Held() || vm.Status != vmstatus.Stopped {
		t.Fatalf("the unpaid VM is %s, held %v", vm.Status, vm.Held())
	}
	node, err := a.Fleet.Node(vmRow().NodeID)
	if err != nil {
		t.Fatal(err)
	}
	a.Workers.DeleteLongUnpaid(ctx, now.Add(6*24*time.Hour))
	if n := a.Count(t, `SELECT count(*) FROM mail_queue WHERE kind = 'delete_warning'`); n != 0 {
		t.Fatalf("warned %d times 4 days before the deletion", n)
	}
	a.Workers.DeleteLongUnpaid(ctx, now.Add(7*24*time.Hour+time.Minute))
	warning := ms.Await(t, u.Email, "will be deleted in 72 hours")
	if !strings.Contains(warning.Subject, "old-box") {
		t.Errorf("the warning does not name the VM: %q", warning.Subject)
	}
	a.Workers.DeleteLongUnpaid(ctx, now.Add(9*24*time.Hour))
	if vmRow().Status == vmstatus.Destroyed {
		t.Fatal("deleted before its time")
	}
	a.Workers.DeleteLongUnpaid(ctx, now.Add(10*24*time.Hour+2*time.Minute))
	vm := vmRow()
	if vm.Status != vmstatus.Destroyed {
		t.Fatalf("after ten days and the warning the VM is %s", vm.Status)
	}
	vols, err := node.Volumes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	backup := hypervisor.FinalBackupVolume(uuid)
	var kept, disk bool
	for _, v := range vols {
		kept = kept || v == backup
		disk = disk || v == uuid+".qcow2"
	}
	if !kept || disk || a.Count(t, `SELECT count(*) FROM vms WHERE uuid = ? AND final_backup = ?`, uuid, backup) != 1 {
		t.Errorf("after the deletion: backup %s kept %v, disk still there %v (volumes %v)", backup, kept, disk, vols)
	}
	ms.Await(t, u.Email, "was deleted for non-payment")
	if n := a.Count(t, `SELECT count(*) FROM mail_queue WHERE kind = 'delete_warning'`); n != 1 {
		t.Errorf("%d warnings, want 1", n)
	}
}
