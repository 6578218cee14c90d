package services

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"abrak/store"
)

// WebhookConfig tunes the webhooks and their delivery worker.
type WebhookConfig struct {
	// AllowLoopback lets endpoints on loopback be registered and reached:
	// the operator's setting for tests (ABRAK_WEBHOOKS_ALLOW_LOOPBACK), off
	// by default.
	AllowLoopback bool
	// Now is the worker's clock (tests move it); default time.Now.
	Now func() time.Time
	// Lookup resolves a host (tests answer for names of their own); default the system's.
	Lookup lookupFunc
	// Interval is how often the worker looks for due deliveries (2 s).
	Interval time.Duration
	// Timeout bounds one delivery (10 s).
	Timeout time.Duration
}

func (c WebhookConfig) withDefaults() WebhookConfig {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Lookup == nil {
		c.Lookup = defaultLookup
	}
	if c.Interval <= 0 {
		c.Interval = 2 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	return c
}

// Webhooks registers a team account's endpoints and delivers their events.
type Webhooks struct {
	db     *store.DB
	audit  *Audit
	mail   *Mailer
	log    *slog.Logger
	cfg    WebhookConfig
	client *http.Client
	wake   chan struct{}

	mu     sync.Mutex
	pruned time.Time // the last prune of finished deliveries
}

// NewWebhooks builds the service; its worker is RunWebhooks.
func NewWebhooks(db *store.DB, audit *Audit, mail *Mailer, log *slog.Logger, cfg WebhookConfig) *Webhooks {
	s := &Webhooks{db: db, audit: audit, mail: mail, log: log, cfg: cfg.withDefaults(), wake: make(chan struct{}, 1)}
	s.client = &http.Client{
		Timeout: s.cfg.Timeout,
		Transport: &http.Transport{
			Proxy:               nil, // a proxy would dial for us, past the check
			DialContext:         s.dial,
			TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second,
		},
		// A redirect is the endpoint's answer, not a second address to reach.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s
}

const (
	maxEndpointsPerAccount = 10
	// deliveriesShown is how many of an endpoint's deliveries its page and API list.
	deliveriesShown = 50
	secretPrefix    = "whsec_"
)

// Webhook is an endpoint as the doors show it. Secret is set only in the
// answer that created it.
type Webhook struct {
	ID           int64
	URL          string
	Events       []string
	Enabled      bool
	FailingSince time.Time
	DisabledAt   time.Time
	CreatedAt    time.Time
	Secret       string
}

func webhookOf(e store.WebhookEndpoint) Webhook {
	return Webhook{ID: e.ID, URL: e.URL, Events: e.Events, Enabled: e.Enabled, FailingSince: e.FailingSince,
		DisabledAt: e.DisabledAt, CreatedAt: e.CreatedAt}
}

// WebhookInput is a new endpoint, or a change to one (nil fields unchanged).
type WebhookInput struct {
	URL     *string
	Events  []string
	Enabled *bool
}

// WebhookDelivery is one delivery as the doors show it.
type WebhookDelivery struct {
	ID         int64
	EventID    string
	Type       string
	Status     string
	Attempts   int
	StatusCode int
	Duration   time.Duration
	Error      string // the last try's: a refusal's message key, or what the connection said
	LastTry    time.Time
	NextTry    time.Time
	CreatedAt  time.Time
}

// canChange refuses a change to the account's webhooks unless its owner or an
// admin acts (with a token allowed to change what the account runs).
func canChange(p Principal) error {
	if err := p.Require(ScopeVMWrite); err != nil {
		return err
	}
	if !p.CanManageTeam() {
		return RoleForbidden(p.Role)
	}
	return nil
}

// List is the account's endpoints; every member reads them.
func (s *Webhooks) List(ctx context.Context, p Principal) ([]Webhook, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return nil, err
	}
	rows, err := s.db.WebhookEndpoints(ctx, p.UserID)
	if err != nil {
		return nil, Internal(err)
	}
	out := make([]Webhook, 0, len(rows))
	for _, e := range rows {
		out = append(out, webhookOf(e))
	}
	return out, nil
}

// Get is one of the account's endpoints; another account's is 404.
func (s *Webhooks) Get(ctx context.Context, p Principal, id int64) (Webhook, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return Webhook{}, err
	}
	e, err := s.endpoint(ctx, p, id)
	return webhookOf(e), err
}

func (s *Webhooks) endpoint(ctx context.Context, p Principal, id int64) (store.WebhookEndpoint, error) {
	e, err := s.db.WebhookEndpoint(ctx, p.UserID, id)
	if errors.Is(err, store.ErrNotFound) {
		return e, NotFound()
	}
	if err != nil {
		return e, Internal(err)
	}
	return e, nil
}

// checkEvents refuses an empty list or an event no endpoint can want; the
// list is kept in WebhookEvents' order, each once.
func checkEvents(events []string) ([]string, error) {
	var out []string
	for _, ev := range WebhookEvents {
		if slices.Contains(events, ev) {
			out = append(out, ev)
		}
	}
	for _, ev := range events {
		if !slices.Contains(WebhookEvents, ev) {
			return nil, Invalid(map[string]string{"events": "webhook.events_unknown"})
		}
	}
	if len(out) == 0 {
		return nil, Invalid(map[string]string{"events": "webhook.events_none"})
	}
	return out, nil
}

// Create registers an endpoint; the answer carries its signing secret, the
// only time it is shown.
func (s *Webhooks) Create(ctx context.Context, p Principal, in WebhookInput) (Webhook, error) {
	if err := canChange(p); err != nil {
		return Webhook{}, err
	}
	fields := map[string]string{}
	var u string
	if in.URL == nil {
		fields["url"] = "webhook.url_invalid"
	} else if checked, err := s.checkWebhookURL(ctx, *in.URL); err != nil {
		fields["url"] = AsError(err).Fields["url"]
	} else {
		u = checked
	}
	events, err := checkEvents(in.Events)
	if err != nil {
		fields["events"] = AsError(err).Fields["events"]
	}
	if len(fields) > 0 {
		return Webhook{}, Invalid(fields)
	}
	have, err := s.db.WebhookEndpoints(ctx, p.UserID)
	if err != nil {
		return Webhook{}, Internal(err)
	}
	if len(have) >= maxEndpointsPerAccount {
		return Webhook{}, Conflict("webhook.too_many", "n", strconv.Itoa(maxEndpointsPerAccount))
	}
	key := make([]byte, 24)
	if _, err := rand.Read(key); err != nil {
		return Webhook{}, Internal(err)
	}
	secret := secretPrefix + base64.StdEncoding.EncodeToString(key)
	id, err := s.db.CreateWebhookEndpoint(ctx, store.WebhookEndpoint{UserID: p.UserID, URL: u, Events: events, Secret: secret}, time.Now())
	if err != nil {
		return Webhook{}, Internal(err)
	}
	s.audit.Record(ctx, p, "webhook.created", SeverityInfo, "webhook", strconv.FormatInt(id, 10), u)
	e, err := s.endpoint(ctx, p, id)
	w := webhookOf(e)
	w.Secret = secret
	return w, err
}

// Update changes an endpoint's URL (checked again), events or whether it is
// on; turning it on again forgets its failures.
func (s *Webhooks) Update(ctx context.Context, p Principal, id int64, in WebhookInput) (Webhook, error) {
	if err := canChange(p); err != nil {
		return Webhook{}, err
	}
	e, err := s.endpoint(ctx, p, id)
	if err != nil {
		return Webhook{}, err
	}
	if in.URL != nil {
		if e.URL, err = s.checkWebhookURL(ctx, *in.URL); err != nil {
			return Webhook{}, err
		}
	}
	if in.Events != nil {
		if e.Events, err = checkEvents(in.Events); err != nil {
			return Webhook{}, err
		}
	}
	if in.Enabled != nil {
		e.Enabled = *in.Enabled
	}
	if err := s.db.UpdateWebhookEndpoint(ctx, e); err != nil {
		return Webhook{}, Internal(err)
	}
	s.audit.Record(ctx, p, "webhook.updated", SeverityInfo, "webhook", strconv.FormatInt(id, 10), e.URL)
	s.poke()
	return s.Get(ctx, p, id)
}

// Delete removes an endpoint and its deliveries.
func (s *Webhooks) Delete(ctx context.Context, p Principal, id int64) error {
	if err := canChange(p); err != nil {
		return err
	}
	ok, err := s.db.DeleteWebhookEndpoint(ctx, p.UserID, id)
	if err != nil {
		return Internal(err)
	}
	if !ok {
		return NotFound()
	}
	s.audit.Record(ctx, p, "webhook.deleted", SeverityInfo, "webhook", strconv.FormatInt(id, 10), "")
	return nil
}

// Deliveries are an endpoint's last 50 deliveries, newest first.
func (s *Webhooks) Deliveries(ctx context.Context, p Principal, id int64) ([]WebhookDelivery, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return nil, err
	}
	if _, err := s.endpoint(ctx, p, id); err != nil {
		return nil, err
	}
	rows, err := s.db.WebhookDeliveriesOf(ctx, id, deliveriesShown)
	if err != nil {
		return nil, Internal(err)
	}
	out := make([]WebhookDelivery, 0, len(rows))
	for _, d := range rows {
		out = append(out, WebhookDelivery{ID: d.ID, EventID: d.EventID, Type: d.Type, Status: d.Status, Attempts: d.Attempts,
			StatusCode: d.StatusCode, Duration: d.Duration, Error: d.LastError, LastTry: d.LastTry, NextTry: d.NextTry, CreatedAt: d.CreatedAt})
	}
	return out, nil
}

// Redeliver sends a delivery's event again, as a new delivery with the same
// event id and body (behind the VM's other deliveries, in order).
func (s *Webhooks) Redeliver(ctx context.Context, p Principal, id, deliveryID int64) error {
	if err := canChange(p); err != nil {
		return err
	}
	d, err := s.db.WebhookDeliveryOf(ctx, p.UserID, id, deliveryID)
	if errors.Is(err, store.ErrNotFound) {
		return NotFound()
	}
	if err != nil {
		return Internal(err)
	}
	if _, err := s.db.EnqueueWebhookTo(ctx, id, d.VMID, d.EventID, d.Type, []byte(d.Body), s.cfg.Now()); err != nil {
		return Internal(err)
	}
	s.poke()
	return nil
}

// Test sends the endpoint a ping event, whatever events it wants.
func (s *Webhooks) Test(ctx context.Context, p Principal, id int64) error {
	if err := canChange(p); err != nil {
		return err
	}
	e, err := s.endpoint(ctx, p, id)
	if err != nil {
		return err
	}
	now := s.cfg.Now().UTC()
	ev := webhookEvent{ID: newEventID(), Type: EventPing, Timestamp: now.Format(time.RFC3339),
		Data: map[string]any{"webhook_id": e.ID, "url": e.URL}}
	body, err := jsonBody(ev)
	if err != nil {
		return Internal(err)
	}
	if _, err := s.db.EnqueueWebhookTo(ctx, e.ID, 0, ev.ID, EventPing, body, now); err != nil {
		return Internal(err)
	}
	s.poke()
	return nil
}

// poke wakes the worker.
func (s *Webhooks) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
