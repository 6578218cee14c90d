package services

import (
	"context"
	"errors"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// Delete destroys a VM and its disks. The record stays, as destroyed, for the
// customer's history; its address is freed.
func (s *VMs) Delete(ctx context.Context, p Principal, uuid string) (Action, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMDelete)
	if err != nil {
		return Action{}, err
	}
	if vm.Status == vmstatus.Creating {
		return s.cancel(ctx, p, vm)
	}
	s.audit.Record(ctx, p, "vm.delete", SeverityWarning, "vm", vm.UUID, vm.DisplayName)
	if vm.NodeID == 0 {
		_ = s.db.SetVMStatus(ctx, vm.ID, vmstatus.Destroyed)
		a, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, "delete")
		return actionOf(a), err
	}
	node, err := s.nodeOf(vm)
	if err != nil {
		return Action{}, err
	}
	if err := s.lock(ctx, vm); err != nil {
		return Action{}, err
	}
	return s.async(ctx, p, vm, "delete", 5*time.Minute, func(ctx context.Context) error {
		err := node.Delete(ctx, vm.UUID)
		if err != nil && !errors.Is(err, hypervisor.ErrNotFound) {
			_ = s.db.SetVMLocked(ctx, vm.ID, false)
			return err
		}
		if err := s.db.SetVMStatus(ctx, vm.ID, vmstatus.Destroyed); err != nil {
			return err
		}
		return s.db.SetVMLocked(ctx, vm.ID, false)
	})
}

// cancel withdraws an order still waiting for a hypervisor: the VM is marked
// destroyed and the charge refunded in one transaction. An order a worker is
// building right now cannot be cancelled; the customer deletes the VM once it runs.
func (s *VMs) cancel(ctx context.Context, p Principal, vm store.VM) (Action, error) {
	o, err := s.db.OrderForVM(ctx, vm.ID)
	if err != nil {
		return Action{}, Internal(err)
	}
	ok, err := s.db.CancelOrder(ctx, o.ID)
	if err != nil {
		return Action{}, Internal(err)
	}
	if !ok {
		return Action{}, Conflict("vm.still_creating")
	}
	s.audit.Record(ctx, p, "vm.cancel", SeverityInfo, "vm", vm.UUID, vm.DisplayName)
	if vm.NodeID != 0 {
		// An earlier attempt may have left part of a domain on the node.
		if node, err := s.fleet.Node(vm.NodeID); err == nil {
			_ = node.Delete(ctx, vm.UUID)
		}
	}
	sa, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, "delete")
	if err != nil {
		return Action{}, Internal(err)
	}
	a := actionOf(sa)
	return a, nil
}
