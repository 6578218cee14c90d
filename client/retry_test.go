package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// The retry rules a script relies on, against a stub panel: what is asked
// again, with the same Idempotency-Key, and what is never asked twice.
func TestRetryRules(t *testing.T) {
	cases := []struct {
		name      string
		call      func(c *Client) error
		answers   []int // the stub's statuses, in turn (the last repeats)
		location  string
		wantCalls int32
		wantErr   int // 0: success
	}{
		{name: "a 429 is waited out, on a POST too", answers: []int{429, 429, 200}, wantCalls: 3,
			call: func(c *Client) error { _, err := c.Reboot(context.Background(), "u"); return err }},
		{name: "a 503 on a read is asked again", answers: []int{503, 200}, wantCalls: 2,
			call: func(c *Client) error { _, err := c.GetVM(context.Background(), "u"); return err }},
		{name: "a 503 on a power action is not (it may have been done)", answers: []int{503}, wantCalls: 1, wantErr: 503,
			call: func(c *Client) error { _, err := c.Reboot(context.Background(), "u"); return err }},
		{name: "a 503 on a create under its key is asked again", answers: []int{503, 202}, wantCalls: 2,
			call: func(c *Client) error { _, err := c.CreateVM(context.Background(), CreateVM{PlanSlug: "p"}); return err }},
		{name: "a 503 with a Location made the VM: never again", answers: []int{503}, location: "/api/v1/vms/abc", wantCalls: 1, wantErr: 503,
			call: func(c *Client) error {
				vm, err := c.CreateVM(context.Background(), CreateVM{PlanSlug: "p"})
				if vm.UUID != "abc" {
					t.Errorf("the ordered VM's uuid %q, want abc from the Location", vm.UUID)
				}
				return err
			}},
		{name: "retries are bounded", answers: []int{429}, wantCalls: 5, wantErr: 429,
			call: func(c *Client) error { _, err := c.GetAccount(context.Background()); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			keys := map[string]bool{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1)) - 1
				status := tc.answers[min(n, len(tc.answers)-1)]
				if r.Method == http.MethodPost && r.URL.Path == "/api/v1/vms" {
					keys[r.Header.Get("Idempotency-Key")] = true
				}
				if tc.location != "" {
					w.Header().Set("Location", tc.location)
				}
				w.Header().Set("Content-Type", "application/json")
				if status >= 400 {
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(status)
					w.Write([]byte(`{"error":{"code":"busy","message":"later"},"request_id":"r1"}`))
					return
				}
				w.WriteHeader(status)
				w.Write([]byte(`{"vm":{"uuid":"abc"},"action":{"id":1},"account":{}}`))
			}))
			defer srv.Close()
			c := New(srv.URL, "tok")
			var slept []time.Duration
			c.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
			err := tc.call(c)
			if calls.Load() != tc.wantCalls {
				t.Errorf("%d calls, want %d", calls.Load(), tc.wantCalls)
			}
			var apiErr *Error
			switch {
			case tc.wantErr == 0 && err != nil:
				t.Errorf("error %v", err)
			case tc.wantErr != 0 && (!errors.As(err, &apiErr) || apiErr.Status != tc.wantErr || apiErr.RequestID != "r1"):
				t.Errorf("error %v, want a %d with its request id", err, tc.wantErr)
			}
			for _, d := range slept {
				if d != time.Second {
					t.Errorf("slept %v, want Retry-After's 1s", d)
				}
			}
			if len(keys) > 1 {
				t.Errorf("the retries sent %d Idempotency-Keys, want one", len(keys))
			}
			if keys[""] {
				t.Error("a create went without an Idempotency-Key")
			}
		})
	}
}

func TestRetryAfterReadsSecondsAndDates(t *testing.T) {
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{"7": 7 * time.Second, "0": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second} {
		if got, ok := retryAfter(v, now); !ok || got != want {
			t.Errorf("Retry-After %q: %v %v, want %v", v, got, ok, want)
		}
	}
	if _, ok := retryAfter("soon", now); ok {
		t.Error(`Retry-After "soon" read as a wait`)
	}
}
