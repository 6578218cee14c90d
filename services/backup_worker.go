package services

import (
	"context"
	"strconv"
	"time"

	"abrak/store"
)

// maxBackupsAtOnce bounds the backups the panel runs at a time; a node runs
// one at a time whatever the number.
const maxBackupsAtOnce = 4

// RunBackups is the backup worker: it settles the backups a stopped panel cut
// short, then every Interval starts the daily backups that are due and
// removes those past their retention.
func (s *Workers) RunBackups(ctx context.Context) {
	s.settleBackups(ctx)
	s.every(ctx, s.cfg.Backups.Interval, nil, func() { s.BackupPass(ctx, s.cfg.Now()) })
}

// BackupPass does one pass of the backup worker at now.
func (s *Workers) BackupPass(ctx context.Context, now time.Time) {
	s.startDueBackups(ctx, now)
	s.enforceBackupRetention(ctx, now)
}

// settleBackups marks errored the backups a stopped panel left in progress
// and removes what they wrote: nothing half-written is ever listed or kept.
func (s *Workers) settleBackups(ctx context.Context) {
	list, err := s.db.BackupsInProgress(ctx)
	if err != nil {
		s.log.Error("listing backups in progress", "err", err)
		return
	}
	for _, bk := range list {
		if err := s.db.FailBackup(ctx, bk.ID, "interrupted: the panel stopped during the backup"); err != nil {
			s.log.Error("settling a backup", "backup", bk.ID, "err", err)
			continue
		}
		if st, err := s.db.BackupStoreByID(ctx, bk.StoreID); err == nil && bk.File != "" {
			if target, err := targetOf(s.fleet, st); err == nil {
				_ = target.Delete(ctx, bk.File)
			}
		}
		if vm, err := s.db.VMByID(ctx, bk.VMID); err == nil && vm.NodeID != 0 {
			if node, err := s.fleet.Node(vm.NodeID); err == nil {
				node.DropScratch(ctx, vm.UUID)
			}
		}
		s.log.Info("interrupted backup settled", "vm", bk.VMUUID, "backup", bk.ID)
	}
}

// slotOf is when vm's daily backup is due on the day whose window holds or
// last held now: the window's start plus the VM's own offset into it, so a
// node does not back up all its VMs at once.
func (c BackupConfig) slotOf(vmID int64, now time.Time) time.Time {
	local := now.In(c.Zone)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, c.Zone)
	offset := time.Duration(uint64(vmID)*2654435761%uint64(c.WindowLength/time.Second)) * time.Second
	slot := midnight.Add(c.WindowStart + offset)
	if slot.After(now) {
		slot = midnight.AddDate(0, 0, -1).Add(c.WindowStart + offset)
	}
	return slot
}

// startDueBackups starts the scheduled backups whose slot has come and that
// have not completed since, a few at a time. A day's backup that fails is
// tried again RetryAfter later, Attempts times in all; the last failure is
// reported to the customer (activity) and the operator (log and metric).
func (s *Workers) startDueBackups(ctx context.Context, now time.Time) {
	due, err := s.db.BackupCandidates(ctx)
	if err != nil {
		s.log.Error("listing backups due", "err", err)
		return
	}
	cfg := s.cfg.Backups
	for _, d := range due {
		slot := cfg.slotOf(d.VMID, now)
		if !d.LastDone.Before(slot) || d.NodeID == 0 {
			continue
		}
		tries, last, err := s.db.BackupTries(ctx, d.VMID, store.BackupScheduled, slot)
		if err != nil || tries >= cfg.Attempts || tries > 0 && now.Sub(last) < cfg.RetryAfter {
			continue
		}
		if s.backupsRunning.count() >= maxBackupsAtOnce || !s.backupsRunning.start(strconv.FormatInt(d.NodeID, 10)) {
			continue
		}
		if !s.startScheduledBackup(ctx, d, tries+1 == cfg.Attempts) {
			s.backupsRunning.done(strconv.FormatInt(d.NodeID, 10))
		}
	}
}

// startScheduledBackup starts one day's backup of a VM in the background and
// reports whether it did (a VM busy with another operation waits for the
// next pass, without counting a try).
func (s *Workers) startScheduledBackup(ctx context.Context, d store.DueBackup, last bool) bool {
	vm, err := s.db.VMByID(ctx, d.VMID)
	if err != nil {
		return false
	}
	node, err := s.fleet.Node(vm.NodeID)
	if err != nil {
		return false
	}
	st, target, err := s.backupStoreFor(ctx, vm)
	if err != nil {
		s.log.Warn("no backup store for a scheduled backup", "vm", vm.UUID, "region", vm.Region, "err", err)
		return false
	}
	if ok, err := s.db.TryLockVM(ctx, vm.ID); err != nil || !ok {
		return false
	}
	a, err := s.db.StartAction(ctx, vm.UserID, vm.ID, "backup")
	if err != nil {
		_ = s.db.SetVMLocked(ctx, vm.ID, false)
		return false
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		defer s.backupsRunning.done(strconv.FormatInt(vm.NodeID, 10))
		if _, err := s.backUp(vm, node, st, target, store.BackupScheduled, a.ID); err != nil && last {
			s.log.Error("the day's backup failed on every try", "vm", vm.UUID, "tries", s.cfg.Backups.Attempts, "err", err)
			s.audit.Record(context.Background(), Principal{UserID: vm.UserID}, "vm.backup_failed", SeverityWarning, "vm", vm.UUID, "")
		}
	}()
	return true
}

// enforceBackupRetention removes the backups past their keeping: a VM's
// scheduled ones beyond the newest Keep, manual ones older than ManualKeep,
// and every backup of a VM destroyed longer than AfterDelete ago. A final
// backup (of a VM deleted for non-payment) is the operator's to remove.
func (s *Workers) enforceBackupRetention(ctx context.Context, now time.Time) {
	all, err := s.db.CompletedBackups(ctx)
	if err != nil {
		s.log.Error("listing backups for retention", "err", err)
		return
	}
	cfg := s.cfg.Backups
	var vmIDs []int64
	for i, bk := range all {
		if i == 0 || all[i-1].VMID != bk.VMID {
			vmIDs = append(vmIDs, bk.VMID)
		}
	}
	gone, err := s.db.VMsDestroyedAt(ctx, vmIDs)
	if err != nil {
		s.log.Error("reading destroyed vms", "err", err)
		return
	}
	scheduled := 0
	for i, bk := range all {
		if i == 0 || all[i-1].VMID != bk.VMID {
			scheduled = 0
		}
		expired := false
		switch bk.Kind {
		case store.BackupScheduled:
			scheduled++
			expired = scheduled > cfg.Keep
		case store.BackupManual:
			expired = now.Sub(bk.CreatedAt) > cfg.ManualKeep
		}
		if at, ok := gone[bk.VMID]; ok && bk.Kind != store.BackupFinal && now.Sub(at) > cfg.AfterDelete {
			expired = true
		}
		if expired {
			s.dropBackup(ctx, bk)
		}
	}
}

// dropBackup removes a backup's file and records it gone; a store that does
// not answer keeps it for the next pass.
func (s *vmCore) dropBackup(ctx context.Context, bk store.Backup) {
	st, err := s.db.BackupStoreByID(ctx, bk.StoreID)
	if err != nil {
		return
	}
	target, err := targetOf(s.fleet, st)
	if err == nil {
		err = target.Delete(ctx, bk.File)
	}
	if err != nil {
		s.log.Warn("removing an expired backup", "backup", bk.ID, "store", st.Name, "err", err)
		return
	}
	if err := s.db.MarkBackupDeleted(ctx, bk.ID); err != nil {
		s.log.Error("recording a removed backup", "backup", bk.ID, "err", err)
		return
	}
	s.log.Info("backup removed by retention", "vm", bk.VMUUID, "backup", bk.ID, "kind", bk.Kind)
}

// BackupFailures counts the backups that failed since the panel started, by
// region, for the operator's metrics.
func (s *Workers) BackupFailures() map[string]int64 { return s.backupFailures.snapshot() }
