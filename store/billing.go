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
}

// DueHours lists live VMs whose paid time ends at or before now.
func (db *DB) DueHours(ctx context.Context, now time.Time, limit int) ([]DueHour, error) {
	rows, err := db.read(ctx, `SELECT v.id, v.user_id, v.uuid, v.status, v.paid_until, p.price_hourly_rials
		FROM vms v JOIN plans p ON p.slug = v.plan_slug
		WHERE v.status IN (`+sqlBilled+`) AND v.paid_until <= ? ORDER BY v.paid_until LIMIT ?`, now.Unix(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DueHour
	for rows.Next() {
		var d DueHour
		var paid int64
		if err := rows.Scan(&d.VMID, &d.UserID, &d.UUID, &d.Status, &paid, &d.PriceRials); err != nil {
			return nil, err
		}
		d.PaidUntil = time.Unix(paid, 0)
		out = append(out, d)
	}
	return out, rows.Err()
}

// SkipHour moves an unpaid VM's paid time on without a charge: it is powered
// off, and a wallet is never driven into a debt that a later top-up would repay.
// The paid time jumps to now at least, so hours missed while the wallet was
// empty are never charged later either.
func (db *DB) SkipHour(ctx context.Context, d DueHour, now time.Time) error {
	_, err := db.W.ExecContext(ctx, `UPDATE vms SET paid_until = max(paid_until + 3600, ?) WHERE id = ? AND paid_until = ?`, now.Unix(), d.VMID, d.PaidUntil.Unix())
	return err
}

// ChargeHour debits one hour of a VM and moves its paid time on, in one
// transaction guarded by the paid_until the biller saw, so an hour is never
// charged twice. ErrInsufficientFunds leaves everything as it was.
func (db *DB) ChargeHour(ctx context.Context, d DueHour) (charged bool, err error) {
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE vms SET paid_until = paid_until + 3600 WHERE id = ? AND paid_until = ? AND status IN (`+sqlBilled+`)`,
			d.VMID, d.PaidUntil.Unix())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // billed meanwhile, or gone
		}
		if _, err := AddToBalance(ctx, tx, d.UserID, -d.PriceRials, "hourly", d.UUID); err != nil {
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
