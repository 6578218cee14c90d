package services

import (
	"context"
	"log/slog"

	"abrak/store"
)

// Audit severities.
const (
	SeverityInfo     = "info"
	SeverityWarning  = "warning"
	SeveritySecurity = "security"
)

// Audit records what customers do and lists it back to them.
type Audit struct {
	db  *store.DB
	log *slog.Logger
}

func NewAudit(db *store.DB, log *slog.Logger) *Audit { return &Audit{db: db, log: log} }

// Record writes an event; a failure is logged, never returned, so that the
// operation it describes is not undone by its own record.
func (a *Audit) Record(ctx context.Context, p Principal, action, severity, targetType, targetID, detail string) {
	err := a.db.AddAudit(ctx, store.AuditEvent{UserID: p.UserID, ActorID: p.PersonID, Action: action, Severity: severity, Via: p.Via(),
		TargetType: targetType, TargetID: targetID, IP: p.IP, Detail: detail})
	if err != nil {
		a.log.Error("audit write failed", "action", action, "user", p.UserID, "err", err)
	}
}

// List returns the principal's own events, newest first.
func (a *Audit) List(ctx context.Context, p Principal, limit, offset int) ([]Event, int, error) {
	return a.ListBy(ctx, p, 0, limit, offset)
}

// ListBy is List narrowed to what one person of the team did (0: everyone).
func (a *Audit) ListBy(ctx context.Context, p Principal, person int64, limit, offset int) ([]Event, int, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return nil, 0, err
	}
	ev, total, err := a.db.AuditEvents(ctx, store.AuditFilter{UserID: p.UserID, ActorID: person, Limit: limit, Offset: offset})
	return eventsOf(ev), total, internal(err)
}
