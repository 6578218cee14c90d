package services

import (
	"context"
	"errors"
	"strings"
	"time"

	"abrak/store"
)

// AuditQuery is the operator's filter of the whole audit log: people by
// e-mail, a VM by uuid, a severity, a time range.
type AuditQuery struct {
	Actor, Customer string // e-mail addresses
	VM              string
	Severity        string
	From, To        time.Time
	Limit, Offset   int
}

// StaffEvent is one event of the whole log.
type StaffEvent struct {
	Event
	Account string // whose log
	Actor   string // who did it
	Detail  string
}

// AuditCSVRows bounds an export.
const AuditCSVRows = 10_000

// Audit lists the whole audit log as the operator filters it.
func (s *Staff) Audit(ctx context.Context, p Principal, q AuditQuery) ([]StaffEvent, int, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return nil, 0, err
	}
	f := store.StaffAuditFilter{VM: strings.TrimSpace(q.VM), From: q.From, To: q.To, Limit: q.Limit, Offset: q.Offset}
	switch q.Severity {
	case "", SeverityInfo, SeverityWarning, SeveritySecurity:
		f.Severity = q.Severity
	default:
		return nil, 0, Invalid(map[string]string{"severity": "admin.audit.bad_severity"})
	}
	var err error
	if f.ActorID, err = s.personByEmail(ctx, q.Actor, "actor"); err != nil {
		return nil, 0, err
	}
	if f.CustomerID, err = s.personByEmail(ctx, q.Customer, "customer"); err != nil {
		return nil, 0, err
	}
	rows, total, err := s.db.StaffAuditEvents(ctx, f)
	if err != nil {
		return nil, 0, Internal(err)
	}
	out := make([]StaffEvent, 0, len(rows))
	for _, r := range rows {
		out = append(out, StaffEvent{Event: eventOf(r.AuditEvent), Account: r.AccountEmail, Actor: r.ActorEmail, Detail: r.Detail})
	}
	return out, total, nil
}

// personByEmail is the id of the account with email (0 for ""); an address
// no account has is a field error, not an empty list that looks like silence.
func (s *Staff) personByEmail(ctx context.Context, email, field string) (int64, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return 0, nil
	}
	u, err := s.db.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return 0, Invalid(map[string]string{field: "admin.audit.no_such_account"})
	}
	if err != nil {
		return 0, Internal(err)
	}
	return u.ID, nil
}
