package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ErrOverDailyLimit is a staff credit or debit that would take its actor's
// day past the cap it was given: nothing was moved.
var ErrOverDailyLimit = errors.New("store: over the daily limit")

// SupportLimits reads the row of support's limits; ok is false while an
// admin has never set them.
func (db *DB) SupportLimits(ctx context.Context) (perAct, perDay int64, ok bool, err error) {
	err = db.R.QueryRowContext(ctx, `SELECT per_act_toman, per_day_toman FROM support_limits WHERE id = 1`).Scan(&perAct, &perDay)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	return perAct, perDay, err == nil, err
}

// SetSupportLimits writes support's limits, by actor.
func (db *DB) SetSupportLimits(ctx context.Context, perAct, perDay, actor int64, at time.Time) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO support_limits (id, per_act_toman, per_day_toman, updated_by, updated_at) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET per_act_toman = excluded.per_act_toman, per_day_toman = excluded.per_day_toman,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at`, perAct, perDay, nullID(actor), at.Unix())
	return err
}

// StaffMovedSince is how much (credits and debits alike, in rials) actor has
// moved in customers' wallets since since.
func (db *DB) StaffMovedSince(ctx context.Context, actor int64, since time.Time) (int64, error) {
	return staffMovedSince(ctx, db.R, actor, since)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// staffMovedSince is how much (credits and debits alike, in rials) actor has
// moved in customers' wallets since since.
func staffMovedSince(ctx context.Context, q queryer, actor int64, since time.Time) (int64, error) {
	var moved int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(ABS(amount_rials)), 0) FROM staff_credits WHERE actor_id = ? AND created_at >= ?`,
		actor, since.Unix()).Scan(&moved)
	return moved, err
}
