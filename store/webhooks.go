package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Delivery states (migration 0038).
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookEndpoint is a team account's endpoint.
type WebhookEndpoint struct {
	ID, UserID   int64
	URL          string
	Events       []string
	Secret       string
	Enabled      bool
	FailingSince time.Time // zero while it answers
	DisabledAt   time.Time
	CreatedAt    time.Time
}

// eventsText is the stored form: each type between spaces, so that a match is
// instr(events, ' type ').
func eventsText(events []string) string { return " " + strings.Join(events, " ") + " " }

// CreateWebhookEndpoint adds an endpoint and returns its id.
func (db *DB) CreateWebhookEndpoint(ctx context.Context, e WebhookEndpoint, now time.Time) (int64, error) {
	res, err := db.W.ExecContext(ctx, `INSERT INTO webhook_endpoints (user_id, url, events, secret, enabled, created_at)
		VALUES (?, ?, ?, ?, 1, ?)`, e.UserID, e.URL, eventsText(e.Events), e.Secret, now.Unix())
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

const endpointColumns = `id, user_id, url, events, secret, enabled, coalesce(failing_since, 0), coalesce(disabled_at, 0), created_at`

func scanEndpoint(row interface{ Scan(...any) error }) (WebhookEndpoint, error) {
	var e WebhookEndpoint
	var events string
	var failing, disabled, created int64
	if err := row.Scan(&e.ID, &e.UserID, &e.URL, &events, &e.Secret, &e.Enabled, &failing, &disabled, &created); err != nil {
		return e, err
	}
	e.Events = strings.Fields(events)
	e.FailingSince, e.DisabledAt, e.CreatedAt = unixOrZero(failing), unixOrZero(disabled), time.Unix(created, 0)
	return e, nil
}

// WebhookEndpoints are a user's endpoints, oldest first.
func (db *DB) WebhookEndpoints(ctx context.Context, userID int64) ([]WebhookEndpoint, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WebhookEndpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// WebhookEndpoint reads one of a user's endpoints (ErrNotFound: none of that id).
func (db *DB) WebhookEndpoint(ctx context.Context, userID, id int64) (WebhookEndpoint, error) {
	e, err := scanEndpoint(db.R.QueryRowContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = ? AND user_id = ?`, id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	return e, err
}

// UpdateWebhookEndpoint writes an endpoint's URL, events and enabled flag;
// turning it on again forgets its failures.
func (db *DB) UpdateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) error {
	return db.exec1(ctx, `UPDATE webhook_endpoints SET url = ?, events = ?,
		failing_since = CASE WHEN ?3 AND NOT enabled THEN NULL ELSE failing_since END,
		disabled_at = CASE WHEN ?3 THEN NULL ELSE disabled_at END, enabled = ?3
		WHERE id = ?4 AND user_id = ?5`, e.URL, eventsText(e.Events), e.Enabled, e.ID, e.UserID)
}

// DeleteWebhookEndpoint removes an endpoint and its deliveries; false when the
// user has none of that id.
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, userID, id int64) (bool, error) {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = ?`, id); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// EnqueueWebhook queues one event for every enabled endpoint of the user
// that wants its type, in one INSERT; with none it writes nothing. body is
// the whole JSON (id, type, timestamp, data); vmID orders a VM's deliveries
// (0: none).
// The statement is prepared once (db.written): parsing and planning it would
// cost more than running it.
func (db *DB) EnqueueWebhook(ctx context.Context, userID, vmID int64, eventID, typ string, body []byte, now time.Time) error {
	st, err := db.written(ctx, enqueueWebhook)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, eventID, typ, vmID, string(body), now.Unix(), userID)
	return err
}

const enqueueWebhook = `INSERT INTO webhook_deliveries (endpoint_id, event_id, type, vm_id, body, next_try, created_at)
	SELECT id, ?1, ?2, ?3, ?4, ?5, ?5 FROM webhook_endpoints
	WHERE user_id = ?6 AND enabled = 1 AND instr(events, ' ' || ?2 || ' ') > 0 ORDER BY id`

// EnqueueWebhookTo queues one event for one endpoint whatever it wants (a
// test event, a delivery sent again) and returns the delivery's id.
func (db *DB) EnqueueWebhookTo(ctx context.Context, endpointID, vmID int64, eventID, typ string, body []byte, now time.Time) (int64, error) {
	res, err := db.W.ExecContext(ctx, `INSERT INTO webhook_deliveries (endpoint_id, event_id, type, vm_id, body, next_try, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, endpointID, eventID, typ, vmID, string(body), now.Unix(), now.Unix())
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// WebhookDelivery is one event's delivery to one endpoint.
type WebhookDelivery struct {
	ID, EndpointID int64
	EventID, Type  string
	VMID           int64
	Body           string
	Status         string
	Attempts       int
	NextTry        time.Time
	StatusCode     int
	Duration       time.Duration
	LastError      string
	LastTry        time.Time // zero before the first attempt
	CreatedAt      time.Time
	// The endpoint's, for the worker.
	URL, Secret string
}

const deliveryColumns = `d.id, d.endpoint_id, d.event_id, d.type, d.vm_id, d.body, d.status, d.attempts, d.next_try,
	d.status_code, d.duration_ms, d.last_error, coalesce(d.last_try_at, 0), d.created_at, e.url, e.secret`

func (db *DB) deliveries(ctx context.Context, query string, args ...any) ([]WebhookDelivery, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id `+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WebhookDelivery
	for rows.Next() {
		var d WebhookDelivery
		var next, ms, last, created int64
		if err := rows.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.Type, &d.VMID, &d.Body, &d.Status, &d.Attempts, &next,
			&d.StatusCode, &ms, &d.LastError, &last, &created, &d.URL, &d.Secret); err != nil {
			return nil, err
		}
		d.NextTry, d.Duration, d.LastTry, d.CreatedAt = time.Unix(next, 0), time.Duration(ms)*time.Millisecond, unixOrZero(last), time.Unix(created, 0)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DueWebhookDeliveries are the pending deliveries of enabled endpoints due by
// now, oldest first, at most limit; a VM's delivery behind an earlier one of
// the same endpoint that waits for a later try is not due (a VM's deliveries
// go in order).
func (db *DB) DueWebhookDeliveries(ctx context.Context, now time.Time, limit int) ([]WebhookDelivery, error) {
	return db.deliveries(ctx, `WHERE d.status = 'pending' AND d.next_try <= ?1 AND e.enabled = 1
		AND (d.vm_id = 0 OR NOT EXISTS (SELECT 1 FROM webhook_deliveries p
			WHERE p.endpoint_id = d.endpoint_id AND p.vm_id = d.vm_id AND p.status = 'pending' AND p.id < d.id AND p.next_try > ?1))
		ORDER BY d.id LIMIT ?2`, now.Unix(), limit)
}

// WebhookDeliveriesOf are an endpoint's latest deliveries, newest first.
func (db *DB) WebhookDeliveriesOf(ctx context.Context, endpointID int64, limit int) ([]WebhookDelivery, error) {
	return db.deliveries(ctx, `WHERE d.endpoint_id = ? ORDER BY d.id DESC LIMIT ?`, endpointID, limit)
}

// WebhookDeliveryOf reads one delivery of one of a user's endpoints.
func (db *DB) WebhookDeliveryOf(ctx context.Context, userID, endpointID, id int64) (WebhookDelivery, error) {
	ds, err := db.deliveries(ctx, `WHERE d.id = ? AND d.endpoint_id = ? AND e.user_id = ?`, id, endpointID, userID)
	if err != nil {
		return WebhookDelivery{}, err
	}
	if len(ds) == 0 {
		return WebhookDelivery{}, ErrNotFound
	}
	return ds[0], nil
}

// DeliveryAttempt is what one try of a delivery came to.
type DeliveryAttempt struct {
	At         time.Time
	StatusCode int
	Duration   time.Duration
	Err        string
	// Status is the delivery's state after it; NextTry its next try when pending.
	Status  string
	NextTry time.Time
}

// RecordDeliveryAttempt writes a try of a delivery and its endpoint's health:
// a success clears the endpoint's failing_since, a failure sets it when unset.
func (db *DB) RecordDeliveryAttempt(ctx context.Context, d WebhookDelivery, a DeliveryAttempt) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_try = ?,
		status_code = ?, duration_ms = ?, last_error = ?, last_try_at = ? WHERE id = ?`,
		a.Status, a.NextTry.Unix(), a.StatusCode, a.Duration.Milliseconds(), a.Err, a.At.Unix(), d.ID); err != nil {
		return err
	}
	if a.Status == DeliveryDelivered {
		_, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL`, d.EndpointID)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET failing_since = ? WHERE id = ? AND failing_since IS NULL`, a.At.Unix(), d.EndpointID)
	}
	if err != nil {
		return err
	}
	return tx.Commit()
}

// PruneWebhookDeliveries deletes the deliveries finished (delivered or given
// up) before before, and reports how many.
func (db *DB) PruneWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.W.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?`, before.Unix())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// DisableFailingEndpoints turns off the enabled endpoints failing since before
// before and returns them (each is told once: only those this call turned off).
func (db *DB) DisableFailingEndpoints(ctx context.Context, before, now time.Time) ([]WebhookEndpoint, error) {
	rows, err := db.W.QueryContext(ctx, `UPDATE webhook_endpoints SET enabled = 0, disabled_at = ?
		WHERE enabled = 1 AND failing_since IS NOT NULL AND failing_since <= ? RETURNING `+endpointColumns, now.Unix(), before.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WebhookEndpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
