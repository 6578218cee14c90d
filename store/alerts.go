package store

import (
	"context"
	"database/sql"
	"time"
)

// Alert is a customer's alert on a VM (migration 0034), with what the
// evaluator needs of the VM beside it.
type Alert struct {
	ID, UserID, VMID   int64
	Kind               string
	Threshold, Minutes int
	Firing             bool
	FiredAt            time.Time // zero until it first fires
	ResolvedAt         time.Time
	CreatedAt          time.Time
	// The VM's: its UUID and name for the letter, status, memory, whether it
	// is held for funds, the month's traffic and the type of its latest action.
	VMUUID, VMName, VMStatus string
	MemoryMB                 int
	Held                     bool
	Traffic                  int64
	LastAction               string
	NodeID                   int64 // 0: none
}

const alertColumns = `a.id, a.user_id, a.vm_id, a.kind, a.threshold, a.minutes, a.firing,
	coalesce(a.fired_at, 0), coalesce(a.resolved_at, 0), a.created_at,
	v.uuid, CASE WHEN v.display_name <> '' THEN v.display_name ELSE v.hostname END, v.status, v.memory_mb,
	coalesce(v.unpaid_since, 0) <> 0,
	coalesce((SELECT rx_bytes + tx_bytes FROM traffic t WHERE t.vm_id = v.id AND t.month = strftime('%Y-%m', 'now')), 0),
	coalesce((SELECT type FROM actions ac WHERE ac.vm_id = v.id ORDER BY ac.id DESC LIMIT 1), ''), coalesce(v.node_id, 0)`

// CreateAlert adds an alert and returns its id.
func (db *DB) CreateAlert(ctx context.Context, a Alert, now time.Time) (int64, error) {
	res, err := db.W.ExecContext(ctx, `INSERT INTO vm_alerts (user_id, vm_id, kind, threshold, minutes, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, a.UserID, a.VMID, a.Kind, a.Threshold, a.Minutes, now.Unix())
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// DeleteAlert removes one of a user's alerts; false when they have none of that id.
func (db *DB) DeleteAlert(ctx context.Context, userID, id int64) (bool, error) {
	res, err := db.W.ExecContext(ctx, `DELETE FROM vm_alerts WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// AlertsOf are a user's alerts, of one VM when vmID is not 0, oldest first.
func (db *DB) AlertsOf(ctx context.Context, userID, vmID int64) ([]Alert, error) {
	return db.alerts(ctx, `WHERE a.user_id = ?1 AND (?2 = 0 OR a.vm_id = ?2) ORDER BY a.id`, userID, vmID)
}

// LiveAlerts are the alerts of every VM that is not deleted or destroyed.
func (db *DB) LiveAlerts(ctx context.Context) ([]Alert, error) {
	return db.alerts(ctx, `WHERE v.status NOT IN ('deleted', 'destroyed') ORDER BY a.id`)
}

func (db *DB) alerts(ctx context.Context, where string, args ...any) ([]Alert, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+alertColumns+` FROM vm_alerts a JOIN vms v ON v.id = a.vm_id `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		var fired, resolved, created int64
		if err := rows.Scan(&a.ID, &a.UserID, &a.VMID, &a.Kind, &a.Threshold, &a.Minutes, &a.Firing,
			&fired, &resolved, &created, &a.VMUUID, &a.VMName, &a.VMStatus, &a.MemoryMB, &a.Held, &a.Traffic, &a.LastAction, &a.NodeID); err != nil {
			return nil, err
		}
		a.FiredAt, a.ResolvedAt, a.CreatedAt = unixOrZero(fired), unixOrZero(resolved), time.Unix(created, 0)
		out = append(out, a)
	}
	return out, rows.Err()
}

func unixOrZero(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0)
}

// SetAlertFiring begins (firing) or ends an alert's episode at now; false
// when it was already so (another pass got there first): the caller sends
// the letter only on true, so an episode has one letter each way.
func (db *DB) SetAlertFiring(ctx context.Context, id int64, firing bool, now time.Time) (bool, error) {
	var res sql.Result
	var err error
	if firing {
		res, err = db.W.ExecContext(ctx, `UPDATE vm_alerts SET firing = 1, fired_at = ? WHERE id = ? AND firing = 0`, now.Unix(), id)
	} else {
		res, err = db.W.ExecContext(ctx, `UPDATE vm_alerts SET firing = 0, resolved_at = ? WHERE id = ? AND firing = 1`, now.Unix(), id)
	}
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CPUSince reads a VM's 30-second samples since since (unix seconds): how
// many there are and the lowest CPU among them (hundredths of a percent).
func (db *DB) CPUSince(ctx context.Context, vmID, since int64) (samples int, lowest int64, err error) {
	err = db.R.QueryRowContext(ctx, `SELECT count(*), coalesce(min(cpu), 0) FROM metric_samples
		WHERE step = ?1 AND at >= ?2 AND vm_id = ?3`, MetricStep30s, since, vmID).Scan(&samples, &lowest)
	return samples, lowest, err
}
