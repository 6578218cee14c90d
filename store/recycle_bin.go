package store

import (
	"context"
	"database/sql"
	"time"

	"abrak/vmstatus"
)

// MoveToRecycleBin records that a VM went into the recycle bin at now: its
// status is deleted, it is billed no more, and it keeps its disk, addresses
// and MAC until it is restored or destroyed. False when it was already gone.
func (db *DB) MoveToRecycleBin(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE vms SET `+statusSet+`, deleted_at = ?2 WHERE id = ?3 AND status NOT IN (`+sqlGone+`)`,
		vmstatus.Deleted, now.Unix(), id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// MarkForPurge records a purge asked of a VM before its node destroys
// anything: it reads deleted and bills nothing from now on, no restore brings
// it back, and the recycle bin's next pass destroys it if this purge is cut
// short. A VM already in the bin keeps the time it went in. False when it was
// already gone.
func (db *DB) MarkForPurge(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE vms SET `+statusSet+`, deleted_at = coalesce(deleted_at, ?2), purging = 1
		WHERE id = ?3 AND status NOT IN (`+sqlGone+`)`, vmstatus.Deleted, now.Unix(), id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RestoreFromRecycleBin brings a VM out of the recycle bin, stopped, in one
// transaction with the hour it starts again in: the hours it spent in the bin
// are never charged, and one that was paid before it went in and has not run
// out is not paid twice. A VM held for want of funds comes out held, with no
// charge (its hold is lifted only by a start that pays, as before). ErrNotFound
// when it is not in the bin (restored, purged or destroyed meanwhile);
// ErrInsufficientFunds leaves it there.
func (db *DB) RestoreFromRecycleBin(ctx context.Context, vm VM, now time.Time) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE vms SET `+statusSet+`, deleted_at = NULL WHERE id = ?3 AND status = `+sqlDeleted+` AND purging = 0`,
			string(vmstatus.Stopped), now.Unix(), vm.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if vm.Held() || vm.PaidUntil.After(now) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vms SET paid_until = ? WHERE id = ?`, now.Unix()+3600, vm.ID); err != nil {
			return err
		}
		return chargeHourTx(ctx, tx, vm.UserID, vm.UUID, "hourly", vm.PriceHourly, vm.HourlyBackups())
	})
}

// InRecycleBinSince lists the VMs that went into the recycle bin at or before
// t, and those whose purge has not ended, whenever they went in.
func (db *DB) InRecycleBinSince(ctx context.Context, t time.Time) ([]VM, error) {
	return db.vmsWhere(ctx, `v.status = `+sqlDeleted+` AND (v.deleted_at <= ? OR v.purging = 1) ORDER BY v.deleted_at`, t.Unix())
}
