package store

import (
	"context"
	"time"
)

// StaffCounts are the operator's overview figures the database holds (the
// nodes' state is the fleet's).
type StaffCounts struct {
	VMsByStatus map[string]int
	// OrdersWaiting are paid and not yet built (retrying ones included);
	// OrdersFailing those among them that failed at least once.
	OrdersWaiting, OrdersFailing int
	// Revenue is what wallets paid for VMs and backups in each period, less
	// what was refunded.
	RevenueToday, RevenueMonth int64
	// WalletsLow: customers whose VMs burn their balance within lowHours.
	WalletsLow int
	// MailFailed: letters given up on.
	MailFailed int
	// TemplatesNotReady: (template, node) pairs of an active template whose
	// volume is missing or not ready on an enabled node.
	TemplatesNotReady int
}

// StaffCounts reads the overview's figures; today and month are [from, to)
// in the reader's calendar.
func (db *DB) StaffCounts(ctx context.Context, today, month [2]time.Time, lowHours int64) (StaffCounts, error) {
	c := StaffCounts{VMsByStatus: map[string]int{}}
	rows, err := db.read(ctx, `SELECT status, count(*) FROM vms WHERE status <> 'destroyed' AND deleted_at IS NULL GROUP BY status`)
	if err != nil {
		return c, err
	}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return c, err
		}
		c.VMsByStatus[s] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, err
	}
	revenue := `SELECT coalesce(sum(-amount_rials), 0) FROM ledger
		WHERE (amount_rials < 0 OR kind = 'refund') AND created_at >= ? AND created_at < ?`
	err = db.readRow(ctx, `SELECT
		(SELECT count(*) FROM orders WHERE status IN ('paid_pending_provision', 'provisioning')),
		(SELECT count(*) FROM orders WHERE status IN ('paid_pending_provision', 'provisioning', 'failed') AND (attempts > 0 AND last_error <> '' OR status = 'failed')),
		(`+revenue+`), (`+revenue+`),
		(SELECT count(*) FROM users u JOIN vm_totals t ON t.user_id = u.id WHERE t.burn_rials > 0 AND u.balance_rials < t.burn_rials * ?),
		(SELECT count(*) FROM mail_queue WHERE status = 'failed'),
		(SELECT count(*) FROM os_templates o JOIN nodes n ON n.enabled = 1
			WHERE o.active = 1 AND o.kind = 'disk' AND NOT EXISTS (SELECT 1 FROM template_volumes v WHERE v.template_slug = o.slug AND v.node_id = n.id AND v.state = 'ready'))`,
		today[0].Unix(), today[1].Unix(), month[0].Unix(), month[1].Unix(), lowHours).
		Scan(&c.OrdersWaiting, &c.OrdersFailing, &c.RevenueToday, &c.RevenueMonth, &c.WalletsLow, &c.MailFailed, &c.TemplatesNotReady)
	return c, err
}
