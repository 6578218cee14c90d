package services

import (
	"context"
	"errors"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// A deleted VM waits in the recycle bin for RecycleGrace: its domain is off
// and bills nothing, its disk, addresses and MAC are kept, and Restore brings
// it back as it was. After the grace it is destroyed for real (its addresses
// go to quarantine), as a delete with purge does at once.

// RecycleGrace is how long a deleted VM waits in the recycle bin: what the
// delete dialog promises.
func (s *VMs) RecycleGrace() time.Duration { return s.cfg.Backups.RecycleGrace }

// toRecycleBin puts vm in the recycle bin at once (it reads deleted and bills
// nothing from now) and powers it off on node. A power-off that fails, or
// that waits for a node that does not answer (nil), is done by the
// reconciler, which keeps binned VMs off.
func (s *VMs) toRecycleBin(ctx context.Context, p Principal, vm store.VM, node *hypervisor.Node) (Action, error) {
	if err := s.lock(ctx, vm); err != nil {
		return Action{}, err
	}
	if moved, err := s.db.MoveToRecycleBin(ctx, vm.ID, s.cfg.Now()); err != nil || !moved {
		s.unlock(vm)
		if err == nil {
			return Action{}, NotFound()
		}
		return Action{}, Internal(err)
	}
	if node == nil {
		s.unlock(vm)
		a, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, "delete")
		return actionOf(a), internal(err)
	}
	a, err := s.async(ctx, p, vm, "delete", 2*time.Minute, func(ctx context.Context) error {
		defer s.unlock(vm)
		return powerOff(ctx, node, vm.UUID)
	})
	if err != nil {
		s.unlock(vm)
	}
	return a, err
}

// powerOff stops a VM's domain at once; one already off, or gone, is no error.
func powerOff(ctx context.Context, node *hypervisor.Node, uuid string) error {
	err := node.PowerOff(ctx, uuid)
	if errors.Is(err, hypervisor.ErrInvalidState) || errors.Is(err, hypervisor.ErrNotFound) {
		return nil
	}
	return err
}

// Restore brings a VM back from the recycle bin: the same VM, disk, addresses
// and MAC. It pays the hour that begins now (unless the hour it was deleted in
// is still paid) and starts. A VM held for want of funds, or suspended, comes
// back as it went in: off, held or suspended, so the bin is no way out of a
// debt.
func (s *VMs) Restore(ctx context.Context, p Principal, uuid string) (Action, error) {
	if err := p.Require(ScopeVMDelete); err != nil {
		return Action{}, err
	}
	vm, err := s.own(ctx, p, uuid)
	if err != nil {
		return Action{}, err
	}
	if vm.Status != vmstatus.Deleted {
		e := Conflict("vm.not_in_recycle_bin")
		e.Code = "not_in_recycle_bin"
		return Action{}, e
	}
	node, err := s.nodeOf(vm)
	if err != nil {
		return Action{}, err
	}
	// The lock first: a restore refused because the delete's power-off still
	// holds the VM must leave it in the bin, not out of it and off (the soak
	// found one answered 409 and left so).
	if err := s.lock(ctx, vm); err != nil {
		return Action{}, err
	}
	err = s.db.RestoreFromRecycleBin(ctx, vm, s.cfg.Now())
	switch {
	case errors.Is(err, store.ErrInsufficientFunds):
		s.unlock(vm)
		return Action{}, InvalidWith("vm.insufficient_balance", map[string]string{"wallet": "vm.insufficient_balance"})
	case errors.Is(err, store.ErrNotFound):
		s.unlock(vm)
		return Action{}, Conflict("vm.not_in_recycle_bin")
	case err != nil:
		s.unlock(vm)
		return Action{}, Internal(err)
	}
	s.audit.Record(ctx, p, "vm.restore", SeverityInfo, "vm", vm.UUID, vm.DisplayName)
	vm.Status = vmstatus.Stopped
	if vm.Held() || vm.Suspended() {
		s.unlock(vm)
		a, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, "restore")
		return actionOf(a), internal(err)
	}
	a, err := s.async(ctx, p, vm, "restore", 2*time.Minute, func(ctx context.Context) error {
		defer s.unlock(vm)
		if err := node.Start(ctx, vm.UUID); err != nil {
			return err
		}
		return s.db.SetVMStatus(ctx, vm.ID, vmstatus.Running)
	})
	if err != nil {
		s.unlock(vm)
	}
	return a, err
}

// EmptyRecycleBin destroys the VMs deleted longer than RecycleGrace ago. A
// node that does not answer keeps its VMs for the next pass.
func (s *Workers) EmptyRecycleBin(ctx context.Context, now time.Time) {
	due, err := s.db.InRecycleBinSince(ctx, now.Add(-s.cfg.Backups.RecycleGrace))
	if err != nil {
		s.log.Error("listing the recycle bin", "err", err)
		return
	}
	for _, vm := range due {
		if err := s.destroy(ctx, vm); err != nil {
			s.log.Warn("emptying the recycle bin", "vm", vm.UUID, "err", err)
			continue
		}
		s.audit.Record(ctx, Principal{UserID: vm.UserID}, "vm.purged", SeverityInfo, "vm", vm.UUID, vm.DisplayName)
		s.log.Info("vm destroyed after its grace in the recycle bin", "vm", vm.UUID)
	}
}

// destroy removes a VM's domain and disks from its node and records it
// destroyed: its addresses go to quarantine.
func (s *vmCore) destroy(ctx context.Context, vm store.VM) error {
	if vm.NodeID != 0 {
		node, err := s.fleet.Node(vm.NodeID)
		if err != nil {
			return err
		}
		if err := node.Delete(ctx, vm.UUID); err != nil && !errors.Is(err, hypervisor.ErrNotFound) {
			return err
		}
	}
	return s.db.SetVMStatus(ctx, vm.ID, vmstatus.Destroyed)
}
