package store

import (
	"context"
	"time"
)

// AuditEvent is one line of a customer's activity log.
type AuditEvent struct {
	ID         int64
	UserID     int64
	Action     string // a stable key such as "auth.signin"; translated when shown
	Severity   string // info | warning | security
	Via        string // "web" or "api token <name>"
	TargetType string
	TargetID   string
	IP         string
	Detail     string
	CreatedAt  time.Time
	// ActorID is the person who did it (the account itself when 0), and
	// ActorName their name, as a team's activity shows them.
	ActorID   int64
	ActorName string
}

// AddAudit records an event.
func (db *DB) AddAudit(ctx context.Context, e AuditEvent) error {
	var uid any
	if e.UserID != 0 {
		uid = e.UserID
	}
	_, err := db.W.ExecContext(ctx,
		`INSERT INTO audit_events (user_id, action, severity, via, target_type, target_id, ip, detail, created_at, actor_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, ?1))`,
		uid, e.Action, e.Severity, e.Via, e.TargetType, e.TargetID, e.IP, e.Detail, time.Now().Unix(), nullID(e.ActorID))
	return err
}

// AuditFilter selects a user's events; TargetType/TargetID narrow it to one resource.
type AuditFilter struct {
	UserID int64
	// ActorID narrows a team's events to one person's.
	ActorID    int64
	TargetType string
	TargetID   string
	Limit      int
	Offset     int
}

// AuditEvents lists events newest first, and the total that match.
func (db *DB) AuditEvents(ctx context.Context, f AuditFilter) ([]AuditEvent, int, error) {
	where := `user_id = ?`
	args := []any{f.UserID}
	if f.TargetType != "" {
		where += ` AND target_type = ? AND target_id = ?`
		args = append(args, f.TargetType, f.TargetID)
	}
	if f.ActorID != 0 {
		where += ` AND actor_id = ?`
		args = append(args, f.ActorID)
	}
	var total int
	if err := db.readRow(ctx, `SELECT count(*) FROM audit_events WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.read(ctx,
		`SELECT id, action, severity, via, target_type, target_id, ip, detail, created_at, coalesce(actor_id, 0),
			coalesce((SELECT name FROM users WHERE id = actor_id), '') FROM audit_events WHERE `+where+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		e := AuditEvent{UserID: f.UserID}
		var created int64
		if err := rows.Scan(&e.ID, &e.Action, &e.Severity, &e.Via, &e.TargetType, &e.TargetID, &e.IP, &e.Detail, &created, &e.ActorID, &e.ActorName); err != nil {
			return nil, 0, err
		}
		e.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, e)
	}
	return out, total, rows.Err()
}
