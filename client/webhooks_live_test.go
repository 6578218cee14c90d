package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"abrak/app"
	"abrak/client"
	"abrak/testkit"
)

// A script registers a webhook with the client, keeps the secret it is shown
// once, has a test event delivered to its receiver (on loopback, which the
// panel's operator allowed for this test), sends it again, turns the endpoint
// off and removes it; each exchange is held to the API document.
func TestClientManagesWebhooks(t *testing.T) {
	var pings atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("webhook-signature") != "" && strings.Contains(string(body), `"ping"`) {
			pings.Add(1)
		}
	}))
	defer recv.Close()
	a := testkit.NewApp(t, testkit.WithAPIRateLimit(100_000, 100_000), func(c *app.Config) { c.Webhooks.AllowLoopback = true })
	c, _ := newCustomer(t, a, "hooks@example.com")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var refused *client.Error
	if _, err := c.CreateWebhook(ctx, client.CreateWebhook{URL: "ftp://example.com/", Events: []string{"vm.created"}}); !errors.As(err, &refused) || refused.Fields["url"] == "" {
		t.Fatalf("a bad URL: %v, want a 422 naming url", err)
	}
	hook, err := c.CreateWebhook(ctx, client.CreateWebhook{URL: recv.URL + "/hook", Events: []string{"vm.created", "action.completed"}})
	if err != nil || hook.ID == 0 || !strings.HasPrefix(hook.Secret, "whsec_") || !hook.Enabled {
		t.Fatalf("create: %+v %v", hook, err)
	}
	if got, err := c.GetWebhook(ctx, hook.ID); err != nil || got.Secret != "" || got.URL != hook.URL {
		t.Fatalf("read back: %+v %v (the secret is shown once only)", got, err)
	}
	if list, err := c.Webhooks(ctx); err != nil || len(list) != 1 {
		t.Fatalf("list: %+v %v", list, err)
	}

	if err := c.TestWebhook(ctx, hook.ID); err != nil {
		t.Fatal(err)
	}
	// The panel of the tests runs no workers: the test does the worker's pass.
	var ds []client.WebhookDelivery
	for {
		a.Webhooks.DeliverDue(ctx)
		if ds, err = c.WebhookDeliveries(ctx, hook.ID); err != nil {
			t.Fatal(err)
		}
		if len(ds) == 1 && ds[0].StatusCode != nil && *ds[0].StatusCode == 200 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the test event was not delivered: %+v", ds)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := c.RedeliverWebhook(ctx, hook.ID, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	for pings.Load() < 2 {
		a.Webhooks.DeliverDue(ctx)
		if ctx.Err() != nil {
			t.Fatalf("the receiver heard %d pings, want the test and its redelivery", pings.Load())
		}
		time.Sleep(100 * time.Millisecond)
	}

	off := false
	if got, err := c.UpdateWebhook(ctx, hook.ID, client.UpdateWebhook{Enabled: &off}); err != nil || got.Enabled {
		t.Fatalf("turned off: %+v %v", got, err)
	}
	if err := c.DeleteWebhook(ctx, hook.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetWebhook(ctx, hook.ID); !errors.As(err, &refused) || refused.Status != http.StatusNotFound {
		t.Fatalf("a removed webhook: %v, want 404", err)
	}
}
