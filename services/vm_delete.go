package services

import (
	"context"
	"time"

	"abrak/store"
	"abrak/vmstatus"
)

// Delete puts a VM in the recycle bin (recycle_bin.go): off, unbilled, its
// disk and addresses kept for RecycleGrace, whence Restore brings it back.
// Asked again it changes nothing (a script's retry must not lose the VM).
// With purge it is destroyed at once with its disks, from the bin or not; the
// record stays, as destroyed, for the customer's history, and its addresses
// go to quarantine. An order still waiting is withdrawn and refunded.
func (s *VMs) Delete(ctx context.Context, p Principal, uuid string, purge bool) (Action, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMDelete)
	if err != nil {
		return Action{}, err
	}
	if vm.Status == vmstatus.Creating {
		return s.cancel(ctx, p, vm)
	}
	if vm.Status == vmstatus.Deleted && !purge {
		a, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, "delete")
		return actionOf(a), internal(err)
	}
	s.audit.Record(ctx, p, map[bool]string{false: "vm.delete", true: "vm.purge"}[purge], SeverityWarning, "vm", vm.UUID, vm.DisplayName)
	if vm.NodeID == 0 {
		// Nothing of it on any node: into the bin, or gone, at once.
		if purge {
			_ = s.db.SetVMStatus(ctx, vm.ID, vmstatus.Destroyed)
		} else if _, err := s.db.MoveToRecycleBin(ctx, vm.ID, s.cfg.Now()); err != nil {
			return Action{}, Internal(err)
		}
		a, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, "delete")
		return actionOf(a), err
	}
	node, err := s.nodeOf(vm)
	if err != nil {
		return Action{}, err
	}
	if !purge {
		return s.toRecycleBin(ctx, p, vm, node)
	}
	return s.exclusive(ctx, p, vm, "delete", 5*time.Minute, func(ctx context.Context) error {
		return s.destroy(ctx, vm)
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
