package services

import (
	"context"
	"errors"
	"time"

	"abrak/store"
	"abrak/vmstatus"
)

// Power runs start, shutdown, reboot, reset or kill. It is idempotent: asking for the
// state the VM is already in completes at once. The operation continues after
// the request; the returned action tells where it stands.
func (s *VMs) Power(ctx context.Context, p Principal, uuid, name string) (Action, error) {
	return s.PowerWait(ctx, p, uuid, name, nil)
}

// PowerWait is Power with seed 002's wait_for for a shutdown: minutes the
// guest has to stop on its own before it is powered off (nil: the panel's
// default). The action's Result then says which happened.
func (s *VMs) PowerWait(ctx context.Context, p Principal, uuid, name string, waitFor *float64) (Action, error) {
	// An action that does not exist is 404 before anything about the VM is
	// looked at (seed 000): its lock or its suspension do not change that.
	action, ok := vmstatus.ParseAction(name)
	if !ok {
		return Action{}, NotFound()
	}
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return Action{}, err
	}
	wait, err := s.shutdownWait(waitFor)
	if err != nil {
		return Action{}, err
	}
	target := action.Target()
	switch {
	case vm.Status == vmstatus.Creating:
		return Action{}, Conflict("vm.still_creating")
	case vm.Status == vmstatus.Failed:
		return Action{}, Conflict("vm.failed")
	case vm.Status == target && action != vmstatus.Reboot && action != vmstatus.Reset:
		sa, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, name)
		if err != nil {
			return Action{}, Internal(err)
		}
		a := actionOf(sa)
		return a, nil
	case !vm.Status.Allows(action):
		return Action{}, powerRefused(vm.Status)
	}
	// Asked again while the same request is under way (a script's retry, a
	// second click): the answer is the action already running, not a second
	// one that would end in an error once the first has done the work.
	if a, err := s.db.ActionInProgress(ctx, vm.ID, name); err == nil {
		return actionOf(a), nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Action{}, Internal(err)
	}
	if action == vmstatus.Start {
		// Nothing starts that the wallet cannot pay the next hour of.
		if err := s.canPay(ctx, vm, vm.HourlyCost()); err != nil {
			return Action{}, err
		}
	}
	node, err := s.nodeOf(vm)
	if err != nil {
		return Action{}, err
	}
	s.audit.Record(ctx, p, "vm."+name, SeverityInfo, "vm", vm.UUID, "")
	timeout := 2 * time.Minute
	if action == vmstatus.Shutdown {
		timeout += wait
	}
	return s.asyncAction(ctx, p, vm, name, timeout, func(ctx context.Context, actionID int64) error {
		var err error
		switch {
		case action == vmstatus.Start && vm.Status == vmstatus.Paused:
			err = node.Resume(ctx, vm.UUID)
		case action == vmstatus.Start:
			err = node.Start(ctx, vm.UUID)
		case action == vmstatus.Shutdown:
			err = s.shutDown(ctx, node, vm.UUID, actionID, wait)
		case action == vmstatus.Reboot:
			err = node.Reboot(ctx, vm.UUID)
		case action == vmstatus.Reset:
			err = node.Reset(ctx, vm.UUID)
		case action == vmstatus.Kill:
			err = node.PowerOff(ctx, vm.UUID)
		}
		if err == nil && action == vmstatus.Start {
			err = s.resumeBilling(ctx, vm, node)
		}
		if err == nil {
			_ = s.db.SetVMStatus(ctx, vm.ID, target)
		}
		return err
	})
}

// powerRefused says why a power action cannot change a VM in status st: the
// status, and what would (seed 000: a 409 that names the status).
func powerRefused(st vmstatus.Status) error {
	key, ok := map[vmstatus.Status]string{
		vmstatus.Stopped:   "vm.power_refused_stopped",
		vmstatus.Paused:    "vm.power_refused_paused",
		vmstatus.Suspended: "vm.power_refused_suspended",
		vmstatus.Crashed:   "vm.power_refused_crashed",
	}[st]
	if !ok {
		key = "vm.not_running"
	}
	return Conflict(key)
}
