package services

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"abrak/mail"
	"abrak/store"
)

const (
	// retryFor is how long a delivery is tried before it is given up.
	retryFor = 24 * time.Hour
	// retryBase and retryMax shape the backoff: 5 s, 10 s, 20 s … an hour at most.
	retryBase = 5 * time.Second
	retryMax  = time.Hour
	// disableAfter is how long an endpoint may fail before it is turned off.
	disableAfter = 72 * time.Hour
	// passLimit bounds the deliveries one pass reads; a full pass is followed
	// at once by another.
	passLimit = 1000
	// parallelChains is how many chains (an endpoint's VM) are delivered at once.
	parallelChains = 8
	// keepDeliveries is how long a finished delivery stays listed; pruned
	// at most once an hour (the DELETE reads the whole table).
	keepDeliveries = 30 * 24 * time.Hour
	pruneEvery     = time.Hour
)

func jsonBody(v any) ([]byte, error) { return json.Marshal(v) }

// RunWebhooks delivers due deliveries every few seconds, or at once when
// woken, until ctx ends.
func (s *Webhooks) RunWebhooks(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		for s.DeliverDue(ctx) >= passLimit && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// DeliverDue is one pass: every due delivery tried, a VM's in order (one
// chain per endpoint and VM, its deliveries one after another, a failure
// holding back the rest of its chain), chains side by side; then endpoints
// failing for days are turned off. It returns how many deliveries it read.
func (s *Webhooks) DeliverDue(ctx context.Context) int {
	now := s.cfg.Now()
	due, err := s.db.DueWebhookDeliveries(ctx, now, passLimit)
	if err != nil {
		s.log.Error("listing webhook deliveries", "err", err)
		return 0
	}
	type chainKey struct{ endpoint, vm int64 }
	var order []chainKey
	chains := map[chainKey][]store.WebhookDelivery{}
	for _, d := range due {
		k := chainKey{d.EndpointID, d.VMID}
		if d.VMID == 0 {
			k.vm = -d.ID // no order to keep
		}
		if _, ok := chains[k]; !ok {
			order = append(order, k)
		}
		chains[k] = append(chains[k], d)
	}
	sem := make(chan struct{}, parallelChains)
	var wg sync.WaitGroup
	for _, k := range order {
		sem <- struct{}{}
		wg.Add(1)
		go func(chain []store.WebhookDelivery) {
			defer func() { <-sem; wg.Done() }()
			for _, d := range chain {
				if !s.deliver(ctx, d) {
					return
				}
			}
		}(chains[k])
	}
	wg.Wait()
	s.disableFailing(ctx)
	s.prune(ctx)
	return len(due)
}

// prune deletes the deliveries finished a month ago, at most once an hour:
// the queue does not grow without bound.
func (s *Webhooks) prune(ctx context.Context) {
	now := s.cfg.Now()
	s.mu.Lock()
	due := now.Sub(s.pruned) >= pruneEvery
	if due {
		s.pruned = now
	}
	s.mu.Unlock()
	if !due {
		return
	}
	if _, err := s.db.PruneWebhookDeliveries(ctx, now.Add(-keepDeliveries)); err != nil {
		s.log.Error("pruning webhook deliveries", "err", err)
	}
}

// deliver tries one delivery and records it; true when it is done with
// (delivered, or given up), so the next of its chain may go.
func (s *Webhooks) deliver(ctx context.Context, d store.WebhookDelivery) bool {
	start, began := s.cfg.Now(), time.Now()
	code, errText := s.post(ctx, d, start)
	a := store.DeliveryAttempt{At: start, StatusCode: code, Duration: time.Since(began), Err: errText}
	switch {
	case errText == "" && code >= 200 && code < 300:
		a.Status, a.NextTry = store.DeliveryDelivered, start
	case start.Sub(d.CreatedAt) >= retryFor:
		a.Status, a.NextTry = store.DeliveryFailed, start
	default:
		a.Status, a.NextTry = store.DeliveryPending, start.Add(backoff(d.Attempts+1))
	}
	if err := s.db.RecordDeliveryAttempt(context.WithoutCancel(ctx), d, a); err != nil {
		s.log.Error("recording a webhook delivery", "delivery", d.ID, "err", err)
		return false
	}
	return a.Status != store.DeliveryPending
}

// backoff is the wait before try n+1 after n failures: doubling from 5 s to
// an hour, each with up to a fifth of jitter either way (endpoints that came
// back together are not hit together).
func backoff(n int) time.Duration {
	d := retryMax
	if n < 20 {
		d = min(retryBase<<(n-1), retryMax)
	}
	jitter := time.Duration(rand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}

// post sends a delivery, signed: the status code, or why there is none.
func (s *Webhooks) post(ctx context.Context, d store.WebhookDelivery, now time.Time) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader([]byte(d.Body)))
	if err != nil {
		return 0, err.Error()
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Abrak-Webhooks/1")
	req.Header.Set("webhook-id", d.EventID)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", Sign(d.Secret, d.EventID, ts, []byte(d.Body)))
	resp, err := s.client.Do(req)
	if err != nil {
		if key, ok := refusalOf(err); ok {
			return 0, key
		}
		return 0, shortError(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return resp.StatusCode, ""
}

// shortError keeps what a failed connection said, without the URL the
// customer already knows.
func shortError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && len(msg)-i < 200 {
		msg = msg[i+2:]
	}
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}

// Sign is the webhook-signature header of a delivery, in the Standard
// Webhooks form: "v1," and the base64 HMAC-SHA256, keyed with the secret's
// bytes (the base64 after "whsec_"), of "id.timestamp.body".
func Sign(secret, id, timestamp string, body []byte) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil {
		key = []byte(secret)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + timestamp + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// disableFailing turns off the endpoints failing for three days and tells
// each account once.
func (s *Webhooks) disableFailing(ctx context.Context) {
	now := s.cfg.Now()
	off, err := s.db.DisableFailingEndpoints(ctx, now.Add(-disableAfter), now)
	if err != nil {
		s.log.Error("turning off failing webhooks", "err", err)
		return
	}
	for _, e := range off {
		s.log.Warn("webhook endpoint turned off after failing for days", "endpoint", e.ID, "user", e.UserID)
		s.audit.Record(ctx, Principal{UserID: e.UserID}, "webhook.disabled", SeverityWarning, "webhook", strconv.FormatInt(e.ID, 10), e.URL)
		s.mail.Notify(ctx, e.UserID, mail.Letter{Kind: "webhook_disabled", Link: s.mail.URL("/webhooks"),
			Args: []string{"url", e.URL}, Counts: map[string]int64{"days": int64(disableAfter / (24 * time.Hour))}})
	}
}
