package client

import (
	"context"
	"net/http"
	"time"
)

// Webhook is an endpoint the panel delivers the team's events to, signed.
// Secret is set only in CreateWebhook's answer: the one time it is shown.
type Webhook struct {
	ID           int64      `json:"id"`
	URL          string     `json:"url"`
	Events       []string   `json:"events"`
	Enabled      bool       `json:"enabled"`
	FailingSince *time.Time `json:"failing_since"`
	DisabledAt   *time.Time `json:"disabled_at"`
	CreatedAt    time.Time  `json:"created_at"`
	Secret       string     `json:"secret,omitempty"`
}

// WebhookDelivery is one event's delivery to an endpoint and how it went.
type WebhookDelivery struct {
	ID            int64      `json:"id"`
	EventID       string     `json:"event_id"`
	Type          string     `json:"type"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	StatusCode    *int       `json:"status_code"`
	DurationMS    int64      `json:"duration_ms"`
	Error         *string    `json:"error"`
	CreatedAt     time.Time  `json:"created_at"`
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
}

// CreateWebhook is a new endpoint: a public http(s) URL and the events wanted.
type CreateWebhook struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// UpdateWebhook changes what is set of an endpoint; nil leaves it as it is.
type UpdateWebhook struct {
	URL     *string  `json:"url,omitempty"`
	Events  []string `json:"events,omitempty"`
	Enabled *bool    `json:"enabled,omitempty"`
}

// Webhooks lists the team's endpoints (listWebhooks).
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	var out struct{ Webhooks []Webhook }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/webhooks", out: &out})
	return out.Webhooks, err
}

// CreateWebhook registers an endpoint (createWebhook); the answer holds its secret.
func (c *Client) CreateWebhook(ctx context.Context, in CreateWebhook) (Webhook, error) {
	var out struct{ Webhook Webhook }
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/webhooks", body: in, idempotencyKey: newKey(), out: &out})
	return out.Webhook, err
}

// GetWebhook reads one endpoint (getWebhook).
func (c *Client) GetWebhook(ctx context.Context, id int64) (Webhook, error) {
	var out struct{ Webhook Webhook }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/webhooks/" + itoa(id), out: &out})
	return out.Webhook, err
}

// UpdateWebhook changes an endpoint (updateWebhook).
func (c *Client) UpdateWebhook(ctx context.Context, id int64, in UpdateWebhook) (Webhook, error) {
	var out struct{ Webhook Webhook }
	_, err := c.do(ctx, request{method: http.MethodPatch, path: "/api/v1/webhooks/" + itoa(id), body: in, out: &out})
	return out.Webhook, err
}

// DeleteWebhook removes an endpoint (deleteWebhook).
func (c *Client) DeleteWebhook(ctx context.Context, id int64) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/webhooks/" + itoa(id)})
	return err
}

// WebhookDeliveries lists an endpoint's last 50 deliveries (listWebhookDeliveries).
func (c *Client) WebhookDeliveries(ctx context.Context, id int64) ([]WebhookDelivery, error) {
	var out struct{ Deliveries []WebhookDelivery }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/webhooks/" + itoa(id) + "/deliveries", out: &out})
	return out.Deliveries, err
}

// RedeliverWebhook sends a delivery again (redeliverWebhook).
func (c *Client) RedeliverWebhook(ctx context.Context, id, delivery int64) error {
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/webhooks/" + itoa(id) + "/deliveries/" + itoa(delivery) + "/redeliver"})
	return err
}

// TestWebhook queues a ping event to the endpoint (testWebhook).
func (c *Client) TestWebhook(ctx context.Context, id int64) error {
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/webhooks/" + itoa(id) + "/test"})
	return err
}
