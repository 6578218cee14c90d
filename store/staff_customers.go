package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
)

// CustomerRow is one account as the operator's customer list shows it:
// never a password hash, a two-factor secret or a token.
type CustomerRow struct {
	ID            int64
	Email, Name   string
	Kind          string // person | team
	BalanceRials  int64
	BurnRials     int64
	VMs           int
	StaffRole     string
	TwoFactor     bool
	EmailVerified bool
	CreatedAt     time.Time
	ClosedAt      time.Time
	Suspended     bool
	SuspendReason string
}

// CustomerFilter is the operator's search: Q an address, a name, a VM's uuid
// or address; Sort one of CustomerSorts.
type CustomerFilter struct {
	Q             string
	Sort          string
	Desc          bool
	Limit, Offset int
}

// CustomerSorts are the columns the list sorts by.
var CustomerSorts = map[string]string{
	"created": "u.id",
	"email":   "u.email COLLATE NOCASE",
	"name":    "u.name COLLATE NOCASE",
	"balance": "u.balance_rials",
	"vms":     "vm_count",
}

const customerColumns = `u.id, u.email, u.name, u.kind, u.balance_rials, coalesce(t.burn_rials, 0),
	(SELECT count(*) FROM vms v WHERE v.user_id = u.id AND v.status <> 'destroyed' AND v.deleted_at IS NULL) AS vm_count,
	CASE WHEN u.is_admin THEN 'admin' ELSE u.staff_role END, u.totp_enabled, u.email_verified_at IS NOT NULL, u.created_at, coalesce(u.closed_at, 0),
	u.account_suspended_at IS NOT NULL, u.account_suspended_reason`

func scanCustomer(row interface{ Scan(...any) error }) (CustomerRow, error) {
	var c CustomerRow
	var created, closed int64
	err := row.Scan(&c.ID, &c.Email, &c.Name, &c.Kind, &c.BalanceRials, &c.BurnRials, &c.VMs, &c.StaffRole, &c.TwoFactor, &c.EmailVerified, &created, &closed, &c.Suspended, &c.SuspendReason)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	c.CreatedAt = time.Unix(created, 0).UTC()
	if closed != 0 {
		c.ClosedAt = time.Unix(closed, 0).UTC()
	}
	return c, err
}

// Customers lists one page of accounts matching f, and how many match.
func (db *DB) Customers(ctx context.Context, f CustomerFilter) ([]CustomerRow, int, error) {
	where := `1 = 1`
	var args []any
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		where = `(u.email LIKE ?1 ESCAPE '\' OR u.name LIKE ?1 ESCAPE '\' OR EXISTS (SELECT 1 FROM vms v WHERE v.user_id = u.id AND (v.uuid = ?2 OR v.public_ip = ?2 OR v.public_ipv6 = ?2)))`
		args = append(args, like, q)
	}
	order, ok := CustomerSorts[f.Sort]
	if !ok {
		order = CustomerSorts["created"]
	}
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	var total int
	if err := db.readRow(ctx, `SELECT count(*) FROM users u WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	n := len(args)
	rows, err := db.read(ctx, `SELECT `+customerColumns+` FROM users u LEFT JOIN vm_totals t ON t.user_id = u.id WHERE `+where+
		` ORDER BY `+order+dir+`, u.id`+dir+` LIMIT ?`+strconv.Itoa(n+1)+` OFFSET ?`+strconv.Itoa(n+2), append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []CustomerRow
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// Customer reads one account for the operator.
func (db *DB) Customer(ctx context.Context, id int64) (CustomerRow, error) {
	return scanCustomer(db.readRow(ctx, `SELECT `+customerColumns+` FROM users u LEFT JOIN vm_totals t ON t.user_id = u.id WHERE u.id = ?`, id))
}

// CustomerVM is one VM of a customer as the operator sees it: no password,
// no VNC or rescue secret.
type CustomerVM struct {
	UUID, Name, Status, Plan, Region, IP, Node string
	CreatedAt                                  time.Time
}

// CustomerVMs lists a customer's VMs that are not destroyed, newest first.
func (db *DB) CustomerVMs(ctx context.Context, userID int64) ([]CustomerVM, error) {
	rows, err := db.read(ctx, `SELECT v.uuid, CASE WHEN v.display_name <> '' THEN v.display_name ELSE v.hostname END, v.status, v.plan_slug, v.region,
		coalesce(v.public_ip, ''), coalesce((SELECT name FROM nodes n WHERE n.id = v.node_id), ''), v.created_at
		FROM vms v WHERE v.user_id = ? AND v.status <> 'destroyed' ORDER BY v.id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CustomerVM
	for rows.Next() {
		var v CustomerVM
		var created int64
		if err := rows.Scan(&v.UUID, &v.Name, &v.Status, &v.Plan, &v.Region, &v.IP, &v.Node, &created); err != nil {
			return nil, err
		}
		v.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// CountLiveSessions counts a person's browser sessions not ended and seen
// within idle.
func (db *DB) CountLiveSessions(ctx context.Context, userID int64, idle time.Duration, now time.Time) (int, error) {
	var n int
	err := db.readRow(ctx, `SELECT count(*) FROM user_sessions WHERE user_id = ? AND ended_at IS NULL AND last_seen_at >= ?`,
		userID, now.Add(-idle).Unix()).Scan(&n)
	return n, err
}

// StaffCredit moves amount (negative: a debit) into a customer's wallet as
// the staff member actor did, once per key: a second call with the same key
// moves nothing and reports replay. ErrInsufficientFunds for a debit the
// balance does not cover; ErrOverDailyLimit when limit is given and the
// actor's moves since limit.Since, this one included, pass limit.Rials.
func (db *DB) StaffCredit(ctx context.Context, key string, userID, actor, amount int64, kind, ref string, limit *DailyCap) (after int64, replay bool, err error) {
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO staff_credits (key, user_id, amount_rials, actor_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
			key, userID, amount, nullID(actor), time.Now().Unix())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			replay = true
			return tx.QueryRowContext(ctx, `SELECT balance_rials FROM users WHERE id = ?`, userID).Scan(&after)
		}
		if limit != nil {
			// Counted in the writing transaction, this row included, so two
			// forms sent at once cannot both fit under the same day's cap.
			moved, err := staffMovedSince(ctx, tx, actor, limit.Since)
			if err != nil {
				return err
			}
			if moved > limit.Rials {
				return ErrOverDailyLimit
			}
		}
		after, err = AddToBalance(ctx, tx, userID, amount, kind, ref)
		return err
	})
	return after, replay, err
}

// SetVMAdminLock locks a VM for reason, by actor; reason "" unlocks it.
func (db *DB) SetVMAdminLock(ctx context.Context, uuid, reason string, actor int64, at time.Time) error {
	if reason == "" {
		return db.exec1(ctx, `UPDATE vms SET admin_lock_reason = '', admin_locked_at = NULL, admin_locked_by = NULL WHERE uuid = ? AND status <> 'destroyed'`, uuid)
	}
	return db.exec1(ctx, `UPDATE vms SET admin_lock_reason = ?, admin_locked_at = ?, admin_locked_by = ? WHERE uuid = ? AND status <> 'destroyed'`,
		reason, at.Unix(), nullID(actor), uuid)
}

// DailyCap is the most (in rials, credits and debits alike) an actor may
// move since Since, the start of their day.
type DailyCap struct {
	Since time.Time
	Rials int64
}
