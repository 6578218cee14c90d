package services

import (
	"context"
	"time"

	"abrak/store"
	"abrak/vmstatus"
)

// Delete puts a VM in the recycle bin (recycle_bin.go): off, unbilled, its
// disk and addresses kept for RecycleGrace, whence Restore brings it back.
// With purge it is destroyed at once with its disks; the record stays, as
// destroyed, for the customer's history, and its addresses go to quarantine.
// A VM already in the bin stays there unless purge is asked for: a DELETE
// sent again (a client's retry) must not destroy what the first one kept. An
// order still waiting is withdrawn and refunded; one given up has nothing to
// keep and is destroyed.
func (s *VMs) Delete(ctx context.Context, p Principal, uuid string, purge bool) (Action, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMDelete)
	if err != nil {
		return Action{}, err
	}
	switch {
	case vm.Status == vmstatus.Creating:
		return s.cancel(ctx, p, vm)
	case vm.Status == vmstatus.Deleted && !purge:
		a, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, "delete")
		return actionOf(a), internal(err)
	}
	purge = purge || !vm.Status.Live()
	s.audit.Record(ctx, p, map[bool]string{false: "vm.delete", true: "vm.purge"}[purge], SeverityWarning, "vm", vm.UUID, vm.DisplayName)
	if !purge {
		// Into the bin even while its node does not answer: billing stops now,
		// and the reconciler powers the domain off when the node is back.
		node, _ := s.fleet.Node(vm.NodeID)
		return s.toRecycleBin(ctx, p, vm, node)
	}
	if vm.NodeID == 0 {
		// Nothing of it on any node: gone at once.
		_ = s.db.SetVMStatus(ctx, vm.ID, vmstatus.Destroyed)
		a, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, "delete")
		return actionOf(a), err
	}
	return s.purge(ctx, p, vm)
}

// purge records the purge first (the VM reads deleted and bills nothing from
// now), then destroys it on its node. A purge that a restart cuts short, or
// asked while the node does not answer, is finished by the recycle bin's next
// pass: nothing is left stopped and billed (the soak found one so).
func (s *VMs) purge(ctx context.Context, p Principal, vm store.VM) (Action, error) {
	if err := s.lock(ctx, vm); err != nil {
		return Action{}, err
	}
	if marked, err := s.db.MarkForPurge(ctx, vm.ID, s.cfg.Now()); err != nil || !marked {
		s.unlock(vm)
		if err == nil {
			return Action{}, NotFound()
		}
		return Action{}, Internal(err)
	}
	if _, err := s.fleet.Node(vm.NodeID); err != nil {
		s.unlock(vm)
		a, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, "delete")
		return actionOf(a), internal(err)
	}
	a, err := s.async(ctx, p, vm, "delete", 5*time.Minute, func(ctx context.Context) error {
		defer s.unlock(vm)
		return s.destroy(ctx, vm)
	})
	if err != nil {
		s.unlock(vm)
	}
	return a, err
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
