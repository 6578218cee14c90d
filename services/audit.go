package services

import (
	"context"
	"log/slog"
	"strings"

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
	if err != nil {
		return nil, 0, internal(err)
	}
	out := eventsOf(ev)
	return out, total, internal(a.nameVMs(ctx, p.UserID, out))
}

// nameVMs gives each event about a VM the VM's name today (a rename shows the
// new one), read in one query for the page.
func (a *Audit) nameVMs(ctx context.Context, userID int64, events []Event) error {
	var uuids []string
	for _, e := range events {
		if e.TargetType == "vm" && e.TargetID != "" {
			uuids = append(uuids, e.TargetID)
		}
	}
	names, err := a.db.VMNames(ctx, userID, uuids)
	if err != nil {
		return err
	}
	for i, e := range events {
		if n := names[e.TargetID]; e.TargetType == "vm" && n != "" {
			events[i].TargetName = n
		}
	}
	return nil
}

// nameInDetail is the target's name as the event recorded it: a key's name
// before its fingerprint, a token's before its scopes, a VM's name where the
// event wrote it (a delete, a purge). Other details (a plan, a hostname) are no name.
func nameInDetail(e store.AuditEvent) string {
	d := e.Detail
	switch {
	case e.TargetType == "ssh_key":
		if i := strings.LastIndexByte(d, ' '); i > 0 {
			return d[:i]
		}
		return d
	case e.TargetType == "token":
		if i := strings.LastIndex(d, " ["); i > 0 {
			return d[:i]
		}
		return d
	case e.TargetType == "vm" && vmNameInDetail[e.Action]:
		return d
	}
	return ""
}

// vmNameInDetail are the VM events whose detail is the VM's name.
var vmNameInDetail = map[string]bool{"vm.delete": true, "vm.purge": true, "vm.purged": true, "vm.cancel": true, "vm.restore": true}
