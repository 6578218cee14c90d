package services_test

import (
	"testing"
	"time"

	"abrak/vmstatus"
)

// A domain stopped, paused or started behind the panel's back shows in the VM's
// status through the node's lifecycle events, not through the periodic reconciler.
func TestLifecycleEventsUpdateTheStatus(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	e.cfg.ReconcileInterval = time.Hour // only the events can tell
	owner := e.customer("events@example.com", vmtPrice)
	p := e.openReady(true)
	vm, err := p.Create(e.ctx, owner, vmOrder("watched"))
	must(t, err)
	e.waitStatus(vm.UUID, vmstatus.Running, 20*time.Second)

	for _, step := range []struct {
		do   func() error
		name string
		want vmstatus.Status
	}{
		{func() error { return e.keeper.PowerOff(e.ctx, vm.UUID) }, "destroy", vmstatus.Stopped},
		{func() error { return e.keeper.Start(e.ctx, vm.UUID) }, "start", vmstatus.Running},
		{func() error { return e.keeper.Suspend(e.ctx, vm.UUID) }, "suspend", vmstatus.Paused},
		{func() error { return e.keeper.Resume(e.ctx, vm.UUID) }, "resume", vmstatus.Running},
	} {
		must(t, step.do())
		took := e.waitStatus(vm.UUID, step.want, 30*time.Second)
		t.Logf("%s behind the panel's back: status %s after %s", step.name, step.want, took.Round(time.Millisecond))
	}
}

// What changed on a node while no panel was running is found by the reconciler
// when the next one starts: a domain gone is a destroyed VM, a domain stopped is
// a stopped VM.
func TestReconcilerCatchesWhatHappenedWhileThePanelWasDown(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	e.cfg.ReconcileInterval = time.Hour // the pass at start is the one under test
	owner := e.customer("drift@example.com", 4*vmtPrice)
	p := e.openReady(true)
	gone, err := p.Create(e.ctx, owner, vmOrder("gone"))
	must(t, err)
	halted, err := p.Create(e.ctx, owner, vmOrder("halted"))
	must(t, err)
	kept, err := p.Create(e.ctx, owner, vmOrder("kept"))
	must(t, err)
	for _, vm := range []string{gone.UUID, halted.UUID, kept.UUID} {
		e.waitStatus(vm, vmstatus.Running, 20*time.Second)
	}
	p.stop()

	must(t, e.keeper.Delete(e.ctx, gone.UUID))
	must(t, e.keeper.PowerOff(e.ctx, halted.UUID))

	e.open(true)
	e.waitStatus(gone.UUID, vmstatus.Destroyed, 20*time.Second)
	e.waitStatus(halted.UUID, vmstatus.Stopped, 20*time.Second)
	if st := e.vm(kept.UUID).Status; st != vmstatus.Running {
		t.Fatalf("an untouched VM became %q", st)
	}
	// The destroyed VM's address went back to the pool, into quarantine.
	p = e.openReady(false)
	next, err := p.Create(e.ctx, owner, vmOrder("next"))
	must(t, err)
	e.wantReleased(gone, next)
}

// A node that stops answering marks its VMs unavailable, keeping their last
// known status; when it returns the mark clears and the status is the node's
// (the guest died with its host, so stopped), and the VM can be started again.
func TestNodeOutageMarksItsVMs(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "qemu")
	owner := e.customer("outage@example.com", 2*vmtPrice) // the first hour, and the next for the start after the outage
	p := e.openReady(true)
	vm, err := p.Create(e.ctx, owner, vmOrder("on a fragile host"))
	must(t, err)
	e.waitStatus(vm.UUID, vmstatus.Running, 90*time.Second)
	if e.vm(vm.UUID).NodeDown {
		t.Fatal("VM on a healthy node is marked unavailable")
	}

	must(t, e.daemon.Stop())
	eventually(t, 20*time.Second, "VM marked node_unavailable", func() (bool, string) {
		got := e.vm(vm.UUID)
		return got.NodeDown, string(got.Status)
	})
	if st := e.vm(vm.UUID).Status; st != vmstatus.Running {
		t.Fatalf("status while the node is down: %q, want the last known (running)", st)
	}
	_, err = p.Power(e.ctx, owner, vm.UUID, "shutdown")
	wantStatus(t, err, 503, "")

	must(t, e.daemon.Up())
	eventually(t, 30*time.Second, "VM back from the outage", func() (bool, string) {
		got := e.vm(vm.UUID)
		return !got.NodeDown && got.Status == vmstatus.Stopped, string(got.Status)
	})
	a, err := p.Power(e.ctx, owner, vm.UUID, "start")
	must(t, err)
	if a = waitAction(t, p, owner, a.ID); a.Status != "completed" {
		t.Fatalf("start after the outage: %+v", a)
	}
	e.waitStatus(vm.UUID, vmstatus.Running, 30*time.Second)
}
