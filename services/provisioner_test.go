package services_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// One VM from the tiny template on qemu:///system, ordered as a customer orders
// it: the real guest runs, and the time from the order to running is reported.
func TestCreateToRunningOnQEMU(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "qemu")
	owner := e.customer("qemu@example.com", 2*vmtPrice)
	p := e.openReady(true)

	start := time.Now()
	vm, err := p.Create(e.ctx, owner, vmOrder("real guest"))
	must(t, err)
	e.waitStatus(vm.UUID, vmstatus.Running, 90*time.Second)
	t.Logf("qemu:///system create-to-running: %s", time.Since(start).Round(time.Millisecond))

	if st := e.domains()[vm.UUID]; st != vmstatus.Running {
		t.Fatalf("domain on the node is %q, want running", st)
	}
	if o := e.order(vm.UUID); o.Status != vmstatus.OrderProvisioned || o.Attempts != 1 {
		t.Fatalf("order %+v", o)
	}
	vols, err := e.keeper.Volumes(e.ctx)
	must(t, err)
	for _, want := range []string{vm.UUID + ".qcow2", vm.UUID + "-seed.iso"} {
		if !slices.Contains(vols, want) {
			t.Fatalf("volume %s missing from the pool: %v", want, vols)
		}
	}
	if b := e.balance(owner); b != vmtPrice {
		t.Fatalf("balance %d, want %d", b, vmtPrice)
	}
}

// The time from the order to running on the test driver, over ten VMs in a row.
func TestCreateToRunningOnTheTestDriver(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	owner := e.customer("fast@example.com", 10*vmtPrice)
	p := e.openReady(true)
	var took []time.Duration
	for i := range 10 {
		start := time.Now()
		vm, err := p.Create(e.ctx, owner, vmOrder(fmt.Sprintf("fast-%d", i)))
		must(t, err)
		e.waitStatus(vm.UUID, vmstatus.Running, 20*time.Second)
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	t.Logf("test driver create-to-running over %d VMs: median %s, min %s, max %s", len(took),
		((took[4] + took[5]) / 2).Round(time.Microsecond), took[0].Round(time.Microsecond), took[9].Round(time.Microsecond))
	if b := e.balance(owner); b != 0 {
		t.Fatalf("balance %d after ten orders, want 0", b)
	}
}

// With every node of the region down, an order is taken and charged, the
// customer hears 503, and the order waits; when the node returns it is built,
// and the customer has paid exactly once.
func TestOrderWaitsForAnUnavailableNode(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "qemu")
	owner := e.customer("patient@example.com", 3*vmtPrice)
	must(t, e.daemon.Stop())
	p := e.open(true)

	vm, err := p.Create(e.ctx, owner, vmOrder("waits"))
	wantStatus(t, err, 503, "")
	if vm.UUID == "" || vm.Status != vmstatus.Creating || vm.NodeID != 0 {
		t.Fatalf("a 503 create returned %+v, want the recorded VM, creating and unplaced", vm)
	}
	if b := e.balance(owner); b != 2*vmtPrice {
		t.Fatalf("balance %d, want %d", b, 2*vmtPrice)
	}
	eventually(t, 20*time.Second, "order retried", func() (bool, string) {
		o := e.order(vm.UUID)
		return o.Status == vmstatus.OrderPending && o.Attempts >= 2 && o.LastError != "",
			fmt.Sprintf("%s after %d attempts: %q", o.Status, o.Attempts, o.LastError)
	})
	// The customer sees the retry state on the VM.
	got, err := p.Get(e.ctx, owner, vm.UUID)
	must(t, err)
	if got.Status != vmstatus.Creating || !got.Waiting || got.Attempts < 2 {
		t.Fatalf("VM while waiting: status %q waiting %v attempts %d", got.Status, got.Waiting, got.Attempts)
	}

	must(t, e.daemon.Up())
	e.waitStatus(vm.UUID, vmstatus.Running, 90*time.Second)
	o := e.order(vm.UUID)
	if o.Status != vmstatus.OrderProvisioned || o.LastError != "" {
		t.Fatalf("order after the node returned: %+v", o)
	}
	if st := e.domains()[vm.UUID]; st != vmstatus.Running {
		t.Fatalf("domain on the node is %q, want running", st)
	}
	if n, sum := e.ledgerRows(owner, "vm_order", vm.UUID); n != 1 || sum != -vmtPrice {
		t.Fatalf("%d debits summing %d, want exactly one of %d", n, sum, vmtPrice)
	}
	if n, _ := e.ledgerRows(owner, "refund", vm.UUID); n != 0 {
		t.Fatalf("%d refunds for a VM that was built", n)
	}
	if b := e.balance(owner); b != 2*vmtPrice {
		t.Fatalf("balance %d, want %d", b, 2*vmtPrice)
	}
}

// An order that fails for a reason other than an unavailable node is tried
// MaxAttempts times, then refunded once; nothing runs it again.
func TestFailingOrderIsRefundedOnceAfterBoundedRetries(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	must(t, e.db.UpsertOSTemplate(e.ctx, store.OSTemplate{Slug: "broken", Name: "Broken", Volume: "missing.qcow2", MinDiskGB: 1, Active: true}))
	owner := e.customer("unlucky@example.com", 2*vmtPrice)
	p := e.openReady(true)

	in := vmOrder("doomed")
	in.OSTemplateSlug = "broken"
	vm, err := p.Create(e.ctx, owner, in)
	must(t, err)
	eventually(t, 20*time.Second, "order refunded", func() (bool, string) {
		o := e.order(vm.UUID)
		return o.Status == vmstatus.OrderRefunded, string(o.Status) + ": " + o.LastError
	})
	o := e.order(vm.UUID)
	if o.Attempts != e.cfg.MaxAttempts || !strings.Contains(o.LastError, "missing.qcow2") {
		t.Fatalf("refunded order: attempts %d (want %d), last error %q", o.Attempts, e.cfg.MaxAttempts, o.LastError)
	}
	if got := e.vm(vm.UUID); got.Status != vmstatus.Failed {
		t.Fatalf("VM of a refunded order is %q, want failed", got.Status)
	}
	if n, sum := e.ledgerRows(owner, "refund", vm.UUID); n != 1 || sum != vmtPrice {
		t.Fatalf("%d refunds summing %d, want one of %d", n, sum, vmtPrice)
	}
	if b := e.balance(owner); b != 2*vmtPrice {
		t.Fatalf("balance %d after the refund, want %d", b, 2*vmtPrice)
	}
	acts, _, err := p.Actions(e.ctx, owner, vm.UUID, 10, 0)
	must(t, err)
	if len(acts) != 1 || acts[0].Type != "create" || acts[0].Status != store.ActionErrored || acts[0].Error == "" {
		t.Fatalf("create action of a refunded order: %+v", acts)
	}
	if _, ok := e.domains()[vm.UUID]; ok {
		t.Fatal("a domain was left for a refunded order")
	}
	_, err = p.Power(e.ctx, owner, vm.UUID, "start")
	wantStatus(t, err, 409, "")

	// A new panel's provisioner, proven to have run by building a later order,
	// leaves the refunded one alone.
	p.stop()
	p = e.openReady(true)
	next, err := p.Create(e.ctx, owner, vmOrder("fine"))
	must(t, err)
	e.waitStatus(next.UUID, vmstatus.Running, 20*time.Second)
	if again := e.order(vm.UUID); again.Status != vmstatus.OrderRefunded || again.Attempts != o.Attempts {
		t.Fatalf("the refunded order was touched again: %+v", again)
	}
	if n, _ := e.ledgerRows(owner, "refund", vm.UUID); n != 1 {
		t.Fatalf("%d refunds after another provisioner run, want 1", n)
	}
	if refunded, err := e.db.FailOrder(e.ctx, o.ID, "again"); err != nil || refunded {
		t.Fatalf("failing a refunded order again: refunded=%v, %v", refunded, err)
	}
	if b := e.balance(owner); b != vmtPrice {
		t.Fatalf("balance %d, want %d", b, vmtPrice)
	}
}

// A crash can leave an order anywhere between paid and provisioned, with or
// without its domain built; the next panel finishes each one, building no second
// domain and charging nobody twice, and settles the actions the crash cut short.
func TestANewPanelFinishesWhatACrashLeft(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	owner := e.customer("crash@example.com", 5*vmtPrice)

	before := e.open(false)
	waitForNode(t, before.fleet, e.node.ID)
	built, err := before.Create(e.ctx, owner, vmOrder("built before the crash"))
	must(t, err)
	pending, err := before.Create(e.ctx, owner, vmOrder("never placed"))
	must(t, err)
	before.stop()

	// The crashed panel had built one domain and claimed its order; the other
	// order was not even placed.
	must(t, e.keeper.Create(e.ctx, hypervisor.DomainSpec{
		UUID: built.UUID, VCPUs: built.VCPUs, MemoryMB: built.MemoryMB, DiskGB: built.DiskGB,
		Template: hypervisor.TemplateRef{Volume: vmtVolume}, Hostname: built.Hostname,
		RootPasswordCrypt: built.RootCrypt, Net: hypervisor.Network{MAC: built.MAC, IPv4: built.PublicIP, Prefix4: 24, Gateway4: built.Gateway4},
		VNCPassword: built.VNCPassword, Owner: built.UserIDString(), Plan: built.PlanSlug,
	}))
	longAgo := time.Now().Add(-10 * time.Minute).Unix()
	_, err = e.db.W.ExecContext(e.ctx, `UPDATE orders SET status = 'provisioning', attempts = 1, updated_at = ? WHERE vm_id = ?`, longAgo, built.ID)
	must(t, err)
	_, err = e.db.W.ExecContext(e.ctx, `UPDATE vms SET node_id = NULL WHERE id = ?`, pending.ID)
	must(t, err)
	// A power action and a delete were in flight too.
	cut, err := e.db.StartAction(e.ctx, owner.UserID, built.ID, "shutdown")
	must(t, err)
	must(t, e.db.SetVMLocked(e.ctx, pending.ID, true))
	del, err := e.db.StartAction(e.ctx, owner.UserID, pending.ID, "delete")
	must(t, err)
	domainsBefore := e.domains()
	volsBefore, err := e.keeper.Volumes(e.ctx)
	must(t, err)

	after := e.open(true)
	for _, a := range []store.Action{cut, del} {
		got, err := after.Action(e.ctx, owner, a.ID)
		must(t, err)
		if got.Status != store.ActionErrored || got.Error == "" {
			t.Fatalf("%s action cut by the crash: %+v", a.Type, got)
		}
	}
	if e.vm(pending.UUID).Locked {
		t.Fatal("the VM of an interrupted delete stays locked")
	}
	e.waitStatus(built.UUID, vmstatus.Running, 20*time.Second)
	e.waitStatus(pending.UUID, vmstatus.Running, 20*time.Second)

	domainsAfter := e.domains()
	if len(domainsAfter) != len(domainsBefore)+1 || domainsAfter[built.UUID] != vmstatus.Running || domainsAfter[pending.UUID] != vmstatus.Running {
		t.Fatalf("domains before the restart %v, after %v: want the one built before plus the unplaced one", domainsBefore, domainsAfter)
	}
	vols, err := e.keeper.Volumes(e.ctx)
	must(t, err)
	if len(vols) != len(volsBefore)+2 {
		t.Fatalf("volumes before the restart %v, after %v: want only the new VM's disk and seed added", volsBefore, vols)
	}
	for _, vm := range []store.VM{built, pending} {
		if o := e.order(vm.UUID); o.Status != vmstatus.OrderProvisioned {
			t.Fatalf("order of %s: %+v", vm.DisplayName, o)
		}
		if n, sum := e.ledgerRows(owner, "vm_order", vm.UUID); n != 1 || sum != -vmtPrice {
			t.Fatalf("%s: %d debits summing %d, want one", vm.DisplayName, n, sum)
		}
		acts, _, err := after.Actions(e.ctx, owner, vm.UUID, 10, 0)
		must(t, err)
		for _, a := range acts {
			if a.Type == "create" && a.Status != store.ActionCompleted {
				t.Fatalf("create action of %s: %+v", vm.DisplayName, a)
			}
		}
	}
	if e.vm(pending.UUID).NodeID != e.node.ID {
		t.Fatal("the unplaced VM was not placed")
	}
	if b := e.balance(owner); b != 3*vmtPrice {
		t.Fatalf("balance %d, want %d", b, 3*vmtPrice)
	}
}

// A repeated Idempotency-Key returns the first VM and charges nothing more; the
// same key with another order is refused.
func TestIdempotencyKeyOrdersOnce(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "")
	owner := e.customer("retry@example.com", 3*vmtPrice)
	p := e.open(false)

	in := vmOrder("once")
	in.IdempotencyKey = "k-1"
	first, err := p.Create(e.ctx, owner, in)
	wantStatus(t, err, 503, "")
	// The first answer was 503 and nothing has changed: the same answer again.
	again, err := p.Create(e.ctx, owner, in)
	if again.UUID != first.UUID || errStatus(err) != 503 {
		t.Fatalf("repeated key: VM %q (%v), want %q with 503", again.UUID, err, first.UUID)
	}
	in.DisplayName = "different"
	_, err = p.Create(e.ctx, owner, in)
	wantStatus(t, err, 422, "idempotency_key")
	if b := e.balance(owner); b != 2*vmtPrice {
		t.Fatalf("balance %d, want one charge (%d)", b, 2*vmtPrice)
	}
	// The same key belongs to each customer separately.
	other := e.customer("other@example.com", vmtPrice)
	in.DisplayName = "once"
	theirs, err := p.Create(e.ctx, other, in)
	wantStatus(t, err, 503, "")
	if theirs.UUID == first.UUID {
		t.Fatal("another customer's key returned the first customer's VM")
	}
}

// An order still waiting for a hypervisor can be withdrawn by deleting its VM:
// the charge comes back once, the address is freed, and no worker builds it
// later. An order a worker is building cannot be withdrawn.
func TestDeletingAWaitingVMCancelsItsOrder(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	owner := e.customer("changed-mind@example.com", 4*vmtPrice)
	p := e.openReady(false) // no worker touches the orders until the end

	placed, err := p.Create(e.ctx, owner, vmOrder("placed"))
	must(t, err)
	unplaced, err := p.Create(e.ctx, owner, vmOrder("unplaced"))
	must(t, err)
	busy, err := p.Create(e.ctx, owner, vmOrder("being built"))
	must(t, err)
	// As a 503 leaves it: no node yet.
	_, err = e.db.W.ExecContext(e.ctx, `UPDATE vms SET node_id = NULL WHERE id = ?`, unplaced.ID)
	must(t, err)
	// As the provisioner leaves it while it builds.
	_, err = e.db.W.ExecContext(e.ctx, `UPDATE orders SET status = 'provisioning', attempts = 1, updated_at = ? WHERE vm_id = ?`, time.Now().Unix(), busy.ID)
	must(t, err)

	for _, vm := range []store.VM{placed, unplaced} {
		a, err := p.Delete(e.ctx, owner, vm.UUID, false)
		must(t, err)
		if a.Status != store.ActionCompleted || a.Type != "delete" {
			t.Fatalf("delete of the waiting %s: %+v", vm.DisplayName, a)
		}
		if got := e.vm(vm.UUID); got.Status != vmstatus.Destroyed || got.OrderStatus != vmstatus.OrderRefunded {
			t.Fatalf("cancelled %s: status %q, order %q", vm.DisplayName, got.Status, got.OrderStatus)
		}
		if n, sum := e.ledgerRows(owner, "refund", vm.UUID); n != 1 || sum != vmtPrice {
			t.Fatalf("%s: %d refunds summing %d, want one of %d", vm.DisplayName, n, sum, vmtPrice)
		}
		_, err = p.Delete(e.ctx, owner, vm.UUID, false)
		wantStatus(t, err, 404, "")
	}
	_, err = p.Delete(e.ctx, owner, busy.UUID, false)
	wantStatus(t, err, 409, "")
	if b := e.balance(owner); b != 3*vmtPrice {
		t.Fatalf("balance %d after three orders and two cancels, want %d", b, 3*vmtPrice)
	}

	// A panel with workers builds the claimed order once it looks abandoned,
	// and never the cancelled ones.
	_, err = e.db.W.ExecContext(e.ctx, `UPDATE orders SET updated_at = ? WHERE vm_id = ?`, time.Now().Add(-time.Hour).Unix(), busy.ID)
	must(t, err)
	p.stop()
	p = e.openReady(true)
	e.waitStatus(busy.UUID, vmstatus.Running, 20*time.Second)
	doms := e.domains()
	for _, vm := range []store.VM{placed, unplaced} {
		if _, ok := doms[vm.UUID]; ok {
			t.Fatalf("the cancelled %s was built", vm.DisplayName)
		}
		if got := e.vm(vm.UUID); got.Status != vmstatus.Destroyed || got.OrderStatus != vmstatus.OrderRefunded {
			t.Fatalf("cancelled %s became %q (order %q)", vm.DisplayName, got.Status, got.OrderStatus)
		}
	}
	// Their addresses went back to the pool, into quarantine.
	next, err := p.Create(e.ctx, owner, vmOrder("instead"))
	must(t, err)
	e.wantReleased(placed, next)
	e.wantReleased(unplaced, next)
	if b := e.balance(owner); b != 2*vmtPrice {
		t.Fatalf("balance %d, want %d", b, 2*vmtPrice)
	}
}

// The tries spent waiting out an outage are not failures: when the node
// returns, a build that fails (here: the node lost the template's volume with
// its restart) still gets MaxAttempts tries, and succeeds once the operator
// imports the template again.
func TestAnOutageDoesNotUseUpTheRetries(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test") // the test driver forgets its volumes when the daemon restarts
	// Backoff doubles from 20 ms: a few quick tries while the node is down, and
	// then at least 320 ms between the first failure and the next try.
	e.cfg.RetryMax = 10 * time.Second
	owner := e.customer("outlasts@example.com", vmtPrice)
	must(t, e.daemon.Stop())
	p := e.open(true)

	vm, err := p.Create(e.ctx, owner, vmOrder("after the outage"))
	wantStatus(t, err, 503, "")
	eventually(t, 30*time.Second, "more tries than MaxAttempts while the node is down", func() (bool, string) {
		o := e.order(vm.UUID)
		return o.Attempts > e.cfg.MaxAttempts, fmt.Sprintf("%d attempts", o.Attempts)
	})

	must(t, e.daemon.Up())
	eventually(t, 30*time.Second, "a build that fails for the missing template", func() (bool, string) {
		o := e.order(vm.UUID)
		return o.Failures >= 1, fmt.Sprintf("%s, %d failures: %q", o.Status, o.Failures, o.LastError)
	})
	if o := e.order(vm.UUID); o.Status == vmstatus.OrderRefunded {
		t.Fatalf("refunded on the first failure after the outage: %+v", o)
	}
	// The panel stops while the operator imports the template, so the import
	// does not race the remaining retries; the next panel picks the order up.
	p.stop()
	eventually(t, 30*time.Second, "the template imported again", func() (bool, string) {
		img := "the test driver keeps volumes as records, not data"
		err := e.keeper.ImportTemplate(e.ctx, vmtVolume, strings.NewReader(img), int64(len(img)), "qcow2")
		return err == nil, fmt.Sprint(err)
	})
	if o := e.order(vm.UUID); o.Status == vmstatus.OrderRefunded || o.Failures >= e.cfg.MaxAttempts {
		t.Fatalf("the order ran out of retries right after the outage: %+v", o)
	}
	e.open(true)
	e.waitStatus(vm.UUID, vmstatus.Running, 30*time.Second)
	if o := e.order(vm.UUID); o.Status != vmstatus.OrderProvisioned || o.Failures >= e.cfg.MaxAttempts {
		t.Fatalf("order after the outage: %+v", o)
	}
	if n, _ := e.ledgerRows(owner, "refund", vm.UUID); n != 0 {
		t.Fatalf("%d refunds for a VM that was built", n)
	}
}
