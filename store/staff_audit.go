package store

import (
	"context"
	"strconv"
	"time"
)

// StaffAuditFilter narrows the whole audit log for the operator: who did it
// (ActorID: the person), whom it concerns (CustomerID: the account's own
// events and the staff's events about it), one VM, a severity, a time range.
type StaffAuditFilter struct {
	ActorID, CustomerID int64
	VM                  string
	Severity            string
	From, To            time.Time // zero: open
	Limit, Offset       int
}

// StaffAuditEvent is one event with the accounts it names.
type StaffAuditEvent struct {
	AuditEvent
	AccountEmail string // the log it is in
	ActorEmail   string // the person who did it
}

// StaffAuditEvents lists events newest first, and how many match.
func (db *DB) StaffAuditEvents(ctx context.Context, f StaffAuditFilter) ([]StaffAuditEvent, int, error) {
	where := `1 = 1`
	var args []any
	arg := func(v any) string { args = append(args, v); return "?" + strconv.Itoa(len(args)) }
	if f.ActorID != 0 {
		where += ` AND coalesce(e.actor_id, e.user_id) = ` + arg(f.ActorID)
	}
	if f.CustomerID != 0 {
		id := arg(f.CustomerID)
		where += ` AND (e.user_id = ` + id + ` OR (e.target_type = 'user' AND e.target_id = CAST(` + id + ` AS TEXT)))`
	}
	if f.VM != "" {
		where += ` AND e.target_type = 'vm' AND e.target_id = ` + arg(f.VM)
	}
	if f.Severity != "" {
		where += ` AND e.severity = ` + arg(f.Severity)
	}
	if !f.From.IsZero() {
		where += ` AND e.created_at >= ` + arg(f.From.Unix())
	}
	if !f.To.IsZero() {
		where += ` AND e.created_at < ` + arg(f.To.Unix())
	}
	var total int
	if err := db.readRow(ctx, `SELECT count(*) FROM audit_events e WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit, offset := arg(f.Limit), arg(f.Offset)
	rows, err := db.read(ctx, `SELECT e.id, coalesce(e.user_id, 0), e.action, e.severity, e.via, e.target_type, e.target_id, e.ip, e.detail, e.created_at,
		coalesce(e.actor_id, 0), coalesce((SELECT email FROM users WHERE id = e.user_id), ''),
		coalesce((SELECT email FROM users WHERE id = coalesce(e.actor_id, e.user_id)), '')
		FROM audit_events e WHERE `+where+` ORDER BY e.id DESC LIMIT `+limit+` OFFSET `+offset, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []StaffAuditEvent
	for rows.Next() {
		var e StaffAuditEvent
		var created int64
		if err := rows.Scan(&e.ID, &e.UserID, &e.Action, &e.Severity, &e.Via, &e.TargetType, &e.TargetID, &e.IP, &e.Detail, &created,
			&e.ActorID, &e.AccountEmail, &e.ActorEmail); err != nil {
			return nil, 0, err
		}
		e.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, e)
	}
	return out, total, rows.Err()
}
