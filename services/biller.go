package services

import (
	"context"
	"errors"
	"fmt"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// RunBiller charges every live VM by the hour until ctx ends, and destroys
// what waited out its grace in the recycle bin (recycle_bin.go). The order paid
// the first hour; each later hour is one ledger row. When a wallet cannot pay
// an hour, the VM is powered off (its disk is kept) and the customer sees a
// warning in the activity log; it is billed again once started with funds.
func (s *Workers) RunBiller(ctx context.Context) {
	s.every(ctx, s.cfg.BillingInterval, nil, func() {
		s.BillDue(ctx, s.cfg.Now())
		s.WarnLowBalances(ctx)
		s.SuspendOverdue(ctx, s.cfg.Now())
		s.DeleteLongUnpaid(ctx, s.cfg.Now())
		s.EmptyRecycleBin(ctx, s.cfg.Now())
	})
}

// BillDue charges every hour that has come due by now.
func (s *Workers) BillDue(ctx context.Context, now time.Time) {
	for {
		due, err := s.db.DueHours(ctx, now, 100)
		if err != nil {
			s.log.Error("listing due hours", "err", err)
			return
		}
		if len(due) == 0 {
			return
		}
		progressed := false
		for _, d := range due {
			charged, err := s.db.ChargeHour(ctx, d)
			switch {
			case errors.Is(err, store.ErrInsufficientFunds):
				s.unpaid(ctx, d, now)
			case err != nil:
				s.log.Error("charging an hour", "vm", d.UUID, "err", err)
			case charged:
				progressed = true
			}
		}
		if !progressed {
			return
		}
	}
}

// unpaid holds a VM whose hour the wallet cannot pay, once: it is powered off
// if it runs, its hours stop accruing (no debt builds up that a later top-up
// would repay), and it runs again only by a start that pays the next hour. The
// customer is warned in the activity log.
func (s *Workers) unpaid(ctx context.Context, d store.DueHour, now time.Time) {
	if d.Status == vmstatus.Running {
		vm, err := s.db.VMByID(ctx, d.VMID)
		if err != nil || vm.NodeID == 0 {
			return
		}
		node, err := s.fleet.Node(vm.NodeID)
		if err != nil {
			return // tried again at the next tick
		}
		if err := node.PowerOff(ctx, vm.UUID); err != nil && !errors.Is(err, hypervisor.ErrInvalidState) {
			s.log.Warn("powering off an unpaid vm", "vm", vm.UUID, "err", err)
			return
		}
		_ = s.db.SetVMStatus(ctx, vm.ID, vmstatus.Stopped)
	}
	held, err := s.db.HoldUnpaid(ctx, d, now)
	if err != nil {
		s.log.Error("holding an unpaid vm", "vm", d.UUID, "err", err)
		return
	}
	if held {
		s.audit.Record(ctx, Principal{UserID: d.UserID}, "vm.unpaid_stop", SeverityWarning, "vm", d.UUID, "")
		s.unpaidOff(ctx, d)
		s.log.Info("unpaid vm held", "vm", d.UUID, "was", d.Status)
	}
}

// SuspendOverdue suspends the VMs held for want of funds for longer than the
// grace period whose wallet still cannot pay: the customer can only delete
// them until money comes in, which lifts the suspension at once. Each is told
// in the activity log and by mail.
func (s *Workers) SuspendOverdue(ctx context.Context, now time.Time) {
	suspended, err := s.db.SuspendOverdue(ctx, now.Add(-s.cfg.UnpaidGrace), now)
	if err != nil {
		s.log.Error("suspending unpaid vms", "err", err)
		return
	}
	for _, d := range suspended {
		s.audit.Record(ctx, Principal{UserID: d.UserID}, "vm.suspended_unpaid", SeverityWarning, "vm", d.UUID, "")
		s.log.Info("unpaid vm suspended", "vm", d.UUID)
		s.vmNotice(ctx, d.VMID, "suspended")
	}
}

// DeleteWarning is how long before a deletion for non-payment its owner is warned.
const DeleteWarning = 72 * time.Hour

// DeleteLongUnpaid deletes VMs held for want of funds for UnpaidDeleteAfter,
// when the operator has turned it on. Each owner is warned DeleteWarning
// before (and never deleted sooner than that after the warning, whatever the
// setting); the disk is copied to a final backup before the domain goes, and
// a VM whose backup fails is not deleted (tried again at the next pass).
// Money into the wallet cancels the warning.
func (s *Workers) DeleteLongUnpaid(ctx context.Context, now time.Time) {
	after := s.cfg.UnpaidDeleteAfter
	if after <= 0 {
		return
	}
	warn, err := s.db.LongUnpaid(ctx, now.Add(-(after - DeleteWarning)))
	if err != nil {
		s.log.Error("listing long-unpaid vms", "err", err)
		return
	}
	for _, v := range warn {
		if !v.DeleteWarnedAt.IsZero() {
			if !v.UnpaidSince.Add(after).After(now) && !v.DeleteWarnedAt.Add(DeleteWarning).After(now) {
				s.deleteUnpaid(ctx, v)
			}
			continue
		}
		if ok, err := s.db.MarkDeleteWarned(ctx, v.ID, now); err != nil || !ok {
			continue
		}
		s.audit.Record(ctx, Principal{UserID: v.UserID}, "vm.delete_warning", SeverityWarning, "vm", v.UUID, "")
		s.vmNotice(ctx, v.ID, "delete_warning")
	}
}

// finalBackup keeps the disk of a VM about to be deleted for non-payment and
// says where: in its region's backup store (a final backup, the operator's to
// remove) when there is one off its node, else beside the disk on its node.
func (s *Workers) finalBackup(ctx context.Context, vmID int64, node *hypervisor.Node) (string, error) {
	vm, err := s.db.VMByID(ctx, vmID)
	if err != nil {
		return "", err
	}
	st, target, err := s.backupStoreFor(ctx, vm)
	if err != nil {
		return node.BackupDisk(ctx, vm.UUID)
	}
	if ok, err := s.db.TryLockVM(ctx, vm.ID); err != nil || !ok {
		return "", fmt.Errorf("the vm is busy: %w", err)
	}
	id, err := s.backUp(vm, node, st, target, store.BackupFinal, 0)
	return fmt.Sprintf("backup %d in %s", id, st.Name), err
}

func (s *Workers) deleteUnpaid(ctx context.Context, v store.UnpaidVM) {
	node, err := s.fleet.Node(v.NodeID)
	if err != nil {
		return // its node is away: the next pass tries again
	}
	_ = node.PowerOff(ctx, v.UUID)
	backup, err := s.finalBackup(ctx, v.ID, node)
	if err != nil {
		s.log.Error("final backup before deleting an unpaid vm failed; not deleted", "vm", v.UUID, "err", err)
		return
	}
	if err := s.db.SetFinalBackup(ctx, v.ID, backup); err != nil {
		s.log.Error("recording a final backup", "vm", v.UUID, "err", err)
		return
	}
	if err := node.Delete(ctx, v.UUID); err != nil {
		s.log.Error("deleting an unpaid vm", "vm", v.UUID, "err", err)
		return
	}
	if err := s.db.SetVMStatus(ctx, v.ID, vmstatus.Destroyed); err != nil {
		s.log.Error("recording an unpaid vm deleted", "vm", v.UUID, "err", err)
		return
	}
	s.audit.Record(ctx, Principal{UserID: v.UserID}, "vm.deleted_unpaid", SeverityWarning, "vm", v.UUID, backup)
	s.log.Info("unpaid vm deleted after its final backup", "vm", v.UUID, "node_id", v.NodeID, "backup", backup)
	s.vmNotice(ctx, v.ID, "deleted_unpaid")
}
