package services

import (
	"context"
	"errors"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// The guards every VM operation passes, and the two ways it runs: writable
// loads a VM the principal may change; built and nodeOf refuse one with
// nothing to work on yet or on a node that does not answer; async runs the
// work after the answer, exclusive does so with the VM locked.

// writable loads a VM the principal may change, refusing while it is being
// built, is gone, is locked by the operator (423, whatever is asked), is in
// the recycle bin, is locked by another operation, or is suspended for
// non-payment (the last two still let it be deleted).
func (s *VMs) writable(ctx context.Context, p Principal, uuid, scope string) (store.VM, error) {
	if err := p.Require(scope); err != nil {
		return store.VM{}, err
	}
	vm, err := s.own(ctx, p, uuid)
	if err != nil {
		return vm, err
	}
	switch {
	case vm.Status == vmstatus.Destroyed:
		return vm, NotFound()
	case vm.AdminLockReason != "" && !p.operator:
		return vm, VMAdminLocked(vm.AdminLockReason)
	case vm.Status == vmstatus.Deleted && scope != ScopeVMDelete:
		e := Conflict("vm.in_recycle_bin")
		e.Code = "in_recycle_bin"
		return vm, e
	case vm.Locked:
		return vm, Conflict("vm.locked")
	case vm.Suspended() && scope != ScopeVMDelete:
		e := Conflict("vm.suspended_unpaid")
		e.Code = "suspended_unpaid"
		return vm, e
	}
	return vm, nil
}

// built refuses a VM that has no domain to work on: one still being built, or
// an order that never produced one.
func built(vm store.VM) error {
	switch {
	case vm.Status == vmstatus.Creating:
		return Conflict("vm.still_creating")
	case vm.Status == vmstatus.Failed && vm.OrderStatus != vmstatus.OrderProvisioned:
		return Conflict("vm.failed")
	}
	return nil
}

// nodeOf is the node a VM lives on, or 503 while it does not answer.
func (s *VMs) nodeOf(vm store.VM) (*hypervisor.Node, error) {
	node, err := s.fleet.Node(vm.NodeID)
	if err != nil {
		return nil, Unavailable("vm.node_unavailable", err)
	}
	return node, nil
}

// nodeError turns a synchronous call to a node into the error a door shows.
func nodeError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, hypervisor.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return Unavailable("vm.node_unavailable", err)
	case errors.Is(err, hypervisor.ErrNotFound):
		return NotFound()
	}
	return Internal(err)
}

// async records an action and runs op after the request has been answered,
// bounded by timeout and by the service's lifetime.
func (s *VMs) async(ctx context.Context, p Principal, vm store.VM, typ string, timeout time.Duration, op func(ctx context.Context) error) (Action, error) {
	return s.asyncAction(ctx, p, vm, typ, timeout, func(ctx context.Context, _ int64) error { return op(ctx) })
}

// asyncAction is async for an op that reports progress on its action.
func (s *VMs) asyncAction(ctx context.Context, p Principal, vm store.VM, typ string, timeout time.Duration, op func(ctx context.Context, actionID int64) error) (Action, error) {
	a, err := s.db.StartAction(ctx, p.UserID, vm.ID, typ)
	if err != nil {
		return Action{}, Internal(err)
	}
	a.VMUUID, a.Region = vm.UUID, vm.Region
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		octx, cancel := context.WithTimeout(s.bg, timeout)
		defer cancel()
		msg := ""
		if err := op(octx, a.ID); err != nil {
			msg = actionError(err)
			s.log.Warn("vm action failed", "vm", vm.UUID, "action", typ, "action_id", a.ID, "err", err)
		}
		if _, err := s.db.EndAction(context.Background(), a.ID, msg); err != nil {
			s.log.Error("ending action", "action", a.ID, "err", err)
		}
	}()
	return actionOf(a), nil
}

// lock takes the VM's lock for an operation, or refuses while another
// operation holds it.
func (s *VMs) lock(ctx context.Context, vm store.VM) error {
	if ok, err := s.db.TryLockVM(ctx, vm.ID); err != nil {
		return Internal(err)
	} else if !ok {
		return Conflict("vm.locked")
	}
	return nil
}

// unlock releases the VM's lock, whatever the context of the operation that held it.
func (s *vmCore) unlock(vm store.VM) {
	if err := s.db.SetVMLocked(context.Background(), vm.ID, false); err != nil {
		s.log.Error("unlocking vm", "vm", vm.UUID, "err", err)
	}
}

// exclusive runs op as an action with the VM locked: no power action, other
// change or delete can start on it until op ends, whatever the outcome.
func (s *VMs) exclusive(ctx context.Context, p Principal, vm store.VM, typ string, timeout time.Duration, op func(ctx context.Context) error) (Action, error) {
	return s.exclusiveAction(ctx, p, vm, typ, timeout, func(ctx context.Context, _ int64) error { return op(ctx) })
}

// exclusiveAction is exclusive for an op that reports progress on its action.
func (s *VMs) exclusiveAction(ctx context.Context, p Principal, vm store.VM, typ string, timeout time.Duration, op func(ctx context.Context, actionID int64) error) (Action, error) {
	if err := s.lock(ctx, vm); err != nil {
		return Action{}, err
	}
	a, err := s.asyncAction(ctx, p, vm, typ, timeout, func(ctx context.Context, actionID int64) error {
		defer s.unlock(vm)
		return op(ctx, actionID)
	})
	if err != nil {
		_ = s.db.SetVMLocked(ctx, vm.ID, false)
	}
	return a, err
}
