package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"abrak/vmstatus"
)

// The states of an order that needs the operator's attention.
const (
	// OrderWaiting: paid, not built, no build has failed yet (waiting for a
	// hypervisor or an address, or being built now).
	OrderWaiting = "waiting"
	// OrderRetrying: paid, not built, and at least one build failed.
	OrderRetrying = "retrying"
	// OrderGaveUp: the panel gave up and refunded the charge (the VM failed).
	OrderGaveUp = "refunded"
)

// OrderStates are the states the operator's list filters by.
var OrderStates = []string{OrderWaiting, OrderRetrying, OrderGaveUp}

// StaffOrder is an order as the operator's list shows it: no secret.
type StaffOrder struct {
	ID             int64
	State          string
	Status         vmstatus.Order
	VMUUID, VMName string
	Plan, Region   string
	OwnerID        int64
	OwnerEmail     string
	AmountRials    int64
	Attempts       int
	Failures       int
	LastError      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	NextAttemptAt  time.Time
}

// StaffOrderFilter narrows the list: State one of OrderStates ("" all of
// them), Q a VM's uuid or part of the owner's address.
type StaffOrderFilter struct {
	State, Q      string
	Sort          string // one of StaffOrderSorts; the oldest waiting first otherwise
	Desc          bool
	Limit, Offset int
}

// StaffOrderSorts are the columns the operator's order list sorts by.
var StaffOrderSorts = map[string]string{
	"since":    "o.created_at",
	"owner":    "u.email COLLATE NOCASE",
	"amount":   "o.amount_rials",
	"attempts": "o.attempts",
}

const staffOrderState = `CASE WHEN o.status IN ('paid_pending_provision', 'provisioning') AND o.failures = 0 THEN 'waiting'
	WHEN o.status IN ('paid_pending_provision', 'provisioning') THEN 'retrying' ELSE 'refunded' END`

// StaffOrders lists one page of the orders that need attention, the oldest
// waiting first, and how many match. Orders a customer or the operator
// cancelled are not among them: their VM is gone, not failed.
func (db *DB) StaffOrders(ctx context.Context, f StaffOrderFilter) ([]StaffOrder, int, error) {
	where := `(o.status IN ('paid_pending_provision', 'provisioning') OR o.status IN ('failed', 'refunded') AND v.status = 'failed')`
	var args []any
	if f.State != "" {
		args = append(args, f.State)
		where += ` AND ` + staffOrderState + ` = ?` + strconv.Itoa(len(args))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		n := len(args)
		where += ` AND (v.uuid = ?` + strconv.Itoa(n+1) + ` OR u.email LIKE ?` + strconv.Itoa(n+2) + ` ESCAPE '\')`
		args = append(args, q, like)
	}
	from := ` FROM orders o JOIN vms v ON v.id = o.vm_id JOIN users u ON u.id = o.user_id WHERE ` + where
	var total int
	if err := db.readRow(ctx, `SELECT count(*)`+from, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	order := `o.status IN ('failed', 'refunded'), o.created_at, o.id`
	if col, ok := StaffOrderSorts[f.Sort]; ok {
		dir := " ASC"
		if f.Desc {
			dir = " DESC"
		}
		order = col + dir + `, o.id` + dir
	}
	n := len(args)
	rows, err := db.read(ctx, `SELECT o.id, `+staffOrderState+`, o.status, v.uuid, CASE WHEN v.display_name <> '' THEN v.display_name ELSE v.hostname END,
		v.plan_slug, v.region, u.id, u.email, o.amount_rials, o.attempts, o.failures, o.last_error, o.created_at, o.updated_at, o.next_attempt_at`+from+
		` ORDER BY `+order+` LIMIT ?`+strconv.Itoa(n+1)+` OFFSET ?`+strconv.Itoa(n+2), append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []StaffOrder
	for rows.Next() {
		var o StaffOrder
		var created, updated, next int64
		if err := rows.Scan(&o.ID, &o.State, &o.Status, &o.VMUUID, &o.VMName, &o.Plan, &o.Region, &o.OwnerID, &o.OwnerEmail, &o.AmountRials,
			&o.Attempts, &o.Failures, &o.LastError, &created, &updated, &next); err != nil {
			return nil, 0, err
		}
		o.CreatedAt, o.UpdatedAt, o.NextAttemptAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC(), time.Unix(next, 0).UTC()
		out = append(out, o)
	}
	return out, total, rows.Err()
}

// StaffOrderOf is the order of the VM with uuid, as the operator's list has it.
func (db *DB) StaffOrderOf(ctx context.Context, uuid string) (StaffOrder, error) {
	var o StaffOrder
	var created, updated, next int64
	err := db.readRow(ctx, `SELECT o.id, `+staffOrderState+`, o.status, v.uuid, CASE WHEN v.display_name <> '' THEN v.display_name ELSE v.hostname END,
		v.plan_slug, v.region, u.id, u.email, o.amount_rials, o.attempts, o.failures, o.last_error, o.created_at, o.updated_at, o.next_attempt_at
		FROM orders o JOIN vms v ON v.id = o.vm_id JOIN users u ON u.id = o.user_id WHERE v.uuid = ?`, uuid).
		Scan(&o.ID, &o.State, &o.Status, &o.VMUUID, &o.VMName, &o.Plan, &o.Region, &o.OwnerID, &o.OwnerEmail, &o.AmountRials,
			&o.Attempts, &o.Failures, &o.LastError, &created, &updated, &next)
	if errors.Is(err, sql.ErrNoRows) {
		return o, ErrNotFound
	}
	o.CreatedAt, o.UpdatedAt, o.NextAttemptAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC(), time.Unix(next, 0).UTC()
	return o, err
}

// RetryOrderNow brings a waiting order's next try forward to now; false when
// it is not waiting (being built right now, built, or given up).
func (db *DB) RetryOrderNow(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE orders SET next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
		now.Unix(), now.Unix(), id, vmstatus.OrderPending)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
