package services

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"time"

	"abrak/store"
)

// The events an endpoint can ask for. Those of a VM's record (its status,
// created, deleted, an action's end) are enqueued by triggers where the
// record changes (migration 0038); the others by emit, where they happen.
// They are names of the contract, not message keys: written in backquotes, so
// the catalog's scan for keys (views/i18n) does not take them for keys.
const (
	EventVMCreated       = `vm.created`
	EventVMStatusChanged = `vm.status_changed`
	EventVMDeleted       = `vm.deleted`
	EventActionCompleted = `action.completed`
	EventActionErrored   = `action.errored`
	EventAlertFired      = `alert.fired`
	EventAlertResolved   = `alert.resolved`
	EventWalletLow       = `wallet.low`
	EventWalletToppedUp  = `wallet.topped_up`
	EventBackupCompleted = `backup.completed`
	EventBackupFailed    = `backup.failed`
	// EventPing is the test event: sent only when asked for, to one endpoint.
	EventPing = `ping`
)

// WebhookEvents are the events an endpoint may want, in the form's order.
var WebhookEvents = []string{EventVMCreated, EventVMStatusChanged, EventVMDeleted, EventActionCompleted, EventActionErrored,
	EventAlertFired, EventAlertResolved, EventWalletLow, EventWalletToppedUp, EventBackupCompleted, EventBackupFailed}

// webhookEvent is a delivery's body.
type webhookEvent struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Data      any    `json:"data"`
}

func newEventID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "evt_" + hex.EncodeToString(b)
}

// hookEmitter enqueues events: one INSERT, whatever the number of endpoints
// (none: nothing written). It never fails its caller: a webhook is never a
// reason for an operation to fail, and never makes it wait for a delivery.
type hookEmitter struct {
	db  *store.DB
	log *slog.Logger
}

// emit queues an event of an account, of a VM (vmID orders a VM's events; 0: none).
func (h hookEmitter) emit(ctx context.Context, userID, vmID int64, typ string, data any) {
	if h.db == nil {
		return
	}
	now := time.Now().UTC()
	ev := webhookEvent{ID: newEventID(), Type: typ, Timestamp: now.Format(time.RFC3339), Data: data}
	body, err := json.Marshal(ev)
	if err == nil {
		err = h.db.EnqueueWebhook(ctx, userID, vmID, ev.ID, typ, body, now)
	}
	if err != nil && h.log != nil {
		h.log.Error("queueing a webhook event", "user", userID, "type", typ, "err", err)
	}
}

func rfc3339OrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// alertEventData is an alert as /api/v1/alerts shows it.
func alertEventData(a store.Alert) map[string]any {
	return map[string]any{"id": a.ID, "vm_uuid": a.VMUUID, "kind": a.Kind, "threshold": a.Threshold, "minutes": a.Minutes,
		"firing": a.Firing, "fired_at": rfc3339OrNil(a.FiredAt), "resolved_at": rfc3339OrNil(a.ResolvedAt),
		"created_at": rfc3339OrNil(a.CreatedAt)}
}
