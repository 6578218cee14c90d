package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"abrak/vmstatus"
)

// DueHour is a live VM whose paid time has run out.
type DueHour struct {
	VMID, UserID int64
	UUID         string
	Status       vmstatus.Status
	PaidUntil    time.Time
	PriceRials   int64
	// BackupRials is what its backups add to the hour (0 when they are off).
	BackupRials int64
}

// LedgerBackups is the ledger's kind for an hour of a VM's backups, a row
// beside the hour of its plan ("hourly" or "vm_order").
const LedgerBackups = "backups"

// chargeHourTx debits one hour of a VM: its plan's price, and its backups'
// as a row of their own when they are on.
func chargeHourTx(ctx context.Context, tx *sql.Tx, userID int64, uuid, kind string, price, backups int64) error {
	if _, err := AddToBalance(ctx, tx, userID, -price, kind, uuid); err != nil {
		return err
	}
	if backups > 0 {
		if _, err := AddToBalance(ctx, tx, userID, -backups, LedgerBackups, uuid); err != nil {
			return err
		}
	}
	return nil
}

// DueHours lists live VMs in good standing whose paid time ends at or before now.
func (db *DB) DueHours(ctx context.Context, now time.Time, limit int) ([]DueHour, error) {
	rows, err := db.read(ctx, `SELECT v.id, v.user_id, v.uuid, v.status, v.paid_until, p.price_hourly_rials, v.backups_enabled * v.backup_price_rials
		FROM vms v JOIN plans p ON p.slug = v.plan_slug
		WHERE v.status IN (`+sqlBilled+`) AND v.paid_until <= ? AND v.unpaid_since IS NULL ORDER BY v.paid_until LIMIT ?`, now.Unix(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DueHour
	for rows.Next() {
		var d DueHour
		var paid int64
		if err := rows.Scan(&d.VMID, &d.UserID, &d.UUID, &d.Status, &paid, &d.PriceRials, &d.BackupRials); err != nil {
			return nil, err
		}
		d.PaidUntil = time.Unix(paid, 0)
		out = append(out, d)
	}
	return out, rows.Err()
}

// HoldUnpaid marks a VM whose due hour the wallet cannot pay: from now its hours
// do not accrue, and it runs again only after a start that pays (ResumeBilling).
// Guarded by the paid_until the biller saw; it reports whether it marked the VM
// (false when it was charged meanwhile, or already held).
func (db *DB) HoldUnpaid(ctx context.Context, d DueHour, now time.Time) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE vms SET unpaid_since = ? WHERE id = ? AND paid_until = ? AND unpaid_since IS NULL`,
		now.Unix(), d.VMID, d.PaidUntil.Unix())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ResumeBilling pays the hour that begins now for a VM held for want of funds and
// lifts the hold, in one transaction: the only way out of a hold, and the only
// move of paid_until besides ChargeHour and the order's first hour.
// ErrInsufficientFunds leaves everything as it was; false means it was not held.
func (db *DB) ResumeBilling(ctx context.Context, vm VM, now time.Time) (bool, error) {
	resumed := false
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE vms SET paid_until = ?, unpaid_since = NULL WHERE id = ? AND unpaid_since IS NOT NULL`,
			now.Unix()+3600, vm.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if err := chargeHourTx(ctx, tx, vm.UserID, vm.UUID, "hourly", vm.PriceHourly, vm.HourlyBackups()); err != nil {
			return err
		}
		resumed = true
		return nil
	})
	return resumed, err
}

// ChargeHour debits one hour of a VM and moves its paid time on, in one
// transaction guarded by the paid_until the biller saw, so an hour is never
// charged twice. ErrInsufficientFunds leaves everything as it was.
func (db *DB) ChargeHour(ctx context.Context, d DueHour) (charged bool, err error) {
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE vms SET paid_until = paid_until + 3600 WHERE id = ? AND paid_until = ? AND status IN (`+sqlBilled+`) AND unpaid_since IS NULL`,
			d.VMID, d.PaidUntil.Unix())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // billed meanwhile, or gone
		}
		if err := chargeHourTx(ctx, tx, d.UserID, d.UUID, "hourly", d.PriceRials, d.BackupRials); err != nil {
			return err
		}
		charged = true
		return nil
	})
	if errors.Is(err, ErrInsufficientFunds) {
		return false, err
	}
	return charged, err
}

// SuspendOverdue suspends every VM held for want of funds since before
// heldBefore whose wallet still cannot pay its hour, and returns them.
func (db *DB) SuspendOverdue(ctx context.Context, heldBefore, now time.Time) ([]DueHour, error) {
	rows, err := db.W.QueryContext(ctx, `UPDATE vms SET suspended_at = ?1
		WHERE suspended_at IS NULL AND unpaid_since IS NOT NULL AND unpaid_since <= ?2 AND status IN (`+sqlBilled+`)
		AND (SELECT u.balance_rials FROM users u WHERE u.id = vms.user_id) < (SELECT p.price_hourly_rials FROM plans p WHERE p.slug = vms.plan_slug)
			+ vms.backups_enabled * vms.backup_price_rials
		RETURNING id, user_id, uuid, status, paid_until`, now.Unix(), heldBefore.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DueHour
	for rows.Next() {
		var d DueHour
		var paid int64
		if err := rows.Scan(&d.VMID, &d.UserID, &d.UUID, &d.Status, &paid); err != nil {
			return nil, err
		}
		d.PaidUntil = time.Unix(paid, 0)
		out = append(out, d)
	}
	return out, rows.Err()
}

// UnpaidVM is a VM held for want of funds, as the deleter of long-unpaid VMs sees it.
type UnpaidVM struct {
	ID, UserID, NodeID int64
	UUID               string
	UnpaidSince        time.Time
	DeleteWarnedAt     time.Time // zero: not warned yet
}

// LongUnpaid lists VMs held since before heldBefore whose wallet still cannot pay their hour.
func (db *DB) LongUnpaid(ctx context.Context, heldBefore time.Time) ([]UnpaidVM, error) {
	rows, err := db.read(ctx, `SELECT v.id, v.user_id, coalesce(v.node_id, 0), v.uuid, v.unpaid_since, coalesce(v.delete_warned_at, 0)
		FROM vms v JOIN plans p ON p.slug = v.plan_slug JOIN users u ON u.id = v.user_id
		WHERE v.unpaid_since IS NOT NULL AND v.unpaid_since <= ? AND v.status IN (`+sqlBilled+`) AND u.balance_rials < p.price_hourly_rials
		ORDER BY v.unpaid_since`, heldBefore.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []UnpaidVM
	for rows.Next() {
		var v UnpaidVM
		var since, warned int64
		if err := rows.Scan(&v.ID, &v.UserID, &v.NodeID, &v.UUID, &since, &warned); err != nil {
			return nil, err
		}
		v.UnpaidSince = time.Unix(since, 0)
		if warned > 0 {
			v.DeleteWarnedAt = time.Unix(warned, 0)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// MarkDeleteWarned records the warning before a deletion for non-payment, once.
func (db *DB) MarkDeleteWarned(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE vms SET delete_warned_at = ? WHERE id = ? AND delete_warned_at IS NULL`, now.Unix(), id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetFinalBackup records where a VM's disk was kept before it was deleted.
func (db *DB) SetFinalBackup(ctx context.Context, id int64, volume string) error {
	return db.exec1(ctx, `UPDATE vms SET final_backup = ? WHERE id = ?`, volume, id)
}
