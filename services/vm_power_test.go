package services_test

import (
	"testing"
	"time"

	"abrak/store"
	"abrak/vmstatus"
)

// A power request asked again while the same one is under way (a script's
// retry, a second click) answers with the action already running, not a
// second action that would end in an error once the first has done the work.
func TestAPowerRequestAskedAgainWhileUnderWayIsTheSameAction(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	owner := e.customer("twice@example.com", 1000*vmtPrice)
	p := e.openReady(true)
	vm, err := p.Create(e.ctx, owner, vmOrder("twice"))
	must(t, err)
	e.waitStatus(vm.UUID, vmstatus.Running, time.Minute)
	k, err := p.Power(e.ctx, owner, vm.UUID, "kill")
	must(t, err)
	waitAction(t, p, owner, k.ID)
	e.waitStatus(vm.UUID, vmstatus.Stopped, time.Minute)

	// A start under way, as the first of two requests leaves it.
	first, err := e.db.StartAction(e.ctx, owner.UserID, e.vm(vm.UUID).ID, "start")
	must(t, err)
	again, err := p.Power(e.ctx, owner, vm.UUID, "start")
	must(t, err)
	if again.ID != first.ID {
		t.Fatalf("a second start while one is under way started action %d, want the first (%d)", again.ID, first.ID)
	}
	// Once the first has ended, a start is a start again.
	_, err = e.db.EndAction(e.ctx, first.ID, "")
	must(t, err)
	next, err := p.Power(e.ctx, owner, vm.UUID, "start")
	must(t, err)
	if next.ID == first.ID {
		t.Fatal("a start after the first ended answered with the ended one")
	}
	if a := waitAction(t, p, owner, next.ID); a.Status != store.ActionCompleted {
		t.Fatalf("the start: %+v", a)
	}
	e.waitStatus(vm.UUID, vmstatus.Running, time.Minute)
}
