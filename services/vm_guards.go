package services

import (
	"context"
	"errors"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

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

// exclusive runs op as an action with the VM locked: no power action, other
// change or delete can start on it until op ends, whatever the outcome.
func (s *VMs) exclusive(ctx context.Context, p Principal, vm store.VM, typ string, timeout time.Duration, op func(ctx context.Context) error) (Action, error) {
	return s.exclusiveAction(ctx, p, vm, typ, timeout, func(ctx context.Context, _ int64) error { return op(ctx) })
}

// exclusiveAction is exclusive for an op that reports progress on its action.
func (s *VMs) exclusiveAction(ctx context.Context, p Principal, vm store.VM, typ string, timeout time.Duration, op func(ctx context.Context, actionID int64) error) (Action, error) {
	if ok, err := s.db.TryLockVM(ctx, vm.ID); err != nil {
		return Action{}, Internal(err)
	} else if !ok {
		return Action{}, Conflict("vm.locked")
	}
	a, err := s.asyncAction(ctx, p, vm, typ, timeout, func(ctx context.Context, actionID int64) error {
		defer func() {
			if err := s.db.SetVMLocked(context.Background(), vm.ID, false); err != nil {
				s.log.Error("unlocking vm", "vm", vm.UUID, "err", err)
			}
		}()
		return op(ctx, actionID)
	})
	if err != nil {
		_ = s.db.SetVMLocked(ctx, vm.ID, false)
	}
	return a, err
}
