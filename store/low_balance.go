package store

import (
	"context"
	"database/sql"
)

// LowBalance is an account whose VMs are charged, with its balance, burn rate
// and the lowest warning already sent in this episode (0: none).
type LowBalance struct {
	UserID       int64
	BalanceRials int64
	BurnRials    int64
	Warned       int
}

// Burning lists every account with VMs being charged now.
func (db *DB) Burning(ctx context.Context) ([]LowBalance, error) {
	rows, err := db.read(ctx, `SELECT u.id, u.balance_rials, sum(p.price_hourly_rials), coalesce(u.low_balance_warned, 0)
		FROM vms v JOIN plans p ON p.slug = v.plan_slug JOIN users u ON u.id = v.user_id
		WHERE v.status IN (`+sqlBilled+`) AND v.unpaid_since IS NULL GROUP BY u.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LowBalance
	for rows.Next() {
		var l LowBalance
		if err := rows.Scan(&l.UserID, &l.BalanceRials, &l.BurnRials, &l.Warned); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// SetLowBalanceWarned records the rung of the ladder just warned of, only if
// it is lower than the one on record (so two biller passes never warn twice);
// 0 ends the episode. It reports whether it changed anything.
func (db *DB) SetLowBalanceWarned(ctx context.Context, userID int64, rung int) (bool, error) {
	var res sql.Result
	var err error
	if rung == 0 {
		res, err = db.W.ExecContext(ctx, `UPDATE users SET low_balance_warned = NULL WHERE id = ? AND low_balance_warned IS NOT NULL`, userID)
	} else {
		res, err = db.W.ExecContext(ctx, `UPDATE users SET low_balance_warned = ? WHERE id = ? AND (low_balance_warned IS NULL OR low_balance_warned > ?)`, rung, userID, rung)
	}
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
