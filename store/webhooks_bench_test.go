package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"abrak/store"
)

// webhookBenchDB is a database with 200 accounts, each with endpoints
// endpoints that want every event.
func webhookBenchDB(b *testing.B, endpoints int) (*store.DB, int64) {
	b.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var first int64
	for u := 0; u < 200; u++ {
		user, err := db.CreateUser(ctx, store.User{Email: fmt.Sprintf("u%d@example.com", u), Name: "u", PasswordHash: "x"})
		if err != nil {
			b.Fatal(err)
		}
		if first == 0 {
			first = user.ID
		}
		for e := 0; e < endpoints; e++ {
			if _, err := db.CreateWebhookEndpoint(ctx, store.WebhookEndpoint{UserID: user.ID, URL: "https://example.com/hook",
				Events: []string{"vm.created", "vm.status_changed", "alert.fired", "wallet.low"}, Secret: "whsec_x"}, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	}
	return db, first
}

var benchBody = []byte(`{"id":"evt_0123456789abcdef01234567","type":"alert.fired","timestamp":"2026-12-07T02:00:00Z","data":{"id":7,"vm_uuid":"6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f","kind":"cpu","threshold":90,"minutes":10,"firing":true}}`)

// BenchmarkEnqueueWebhook is the cost an event adds where it happens: one
// INSERT … SELECT over the account's endpoints (none, one, three wanting it).
func BenchmarkEnqueueWebhook(b *testing.B) {
	for _, n := range []int{0, 1, 3} {
		b.Run(fmt.Sprintf("endpoints=%d", n), func(b *testing.B) {
			db, user := webhookBenchDB(b, n)
			ctx := context.Background()
			now := time.Now()
			b.ResetTimer()
			for b.Loop() {
				if err := db.EnqueueWebhook(ctx, user, 42, "evt_0123456789abcdef01234567", "alert.fired", benchBody, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPlainInsert is the yardstick: one prepared INSERT of a row of
// the same size into a table with no index, on the same database.
func BenchmarkPlainInsert(b *testing.B) {
	db, _ := webhookBenchDB(b, 0)
	ctx := context.Background()
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE bench_plain (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c TEXT, body TEXT, t INTEGER)`); err != nil {
		b.Fatal(err)
	}
	// Prepared, as the enqueue's statement is.
	st, err := db.W.PrepareContext(ctx, `INSERT INTO bench_plain (a, b, c, body, t) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ResetTimer()
	for b.Loop() {
		if _, err := st.ExecContext(ctx,
			42, "evt_0123456789abcdef01234567", "alert.fired", string(benchBody), time.Now().Unix()); err != nil {
			b.Fatal(err)
		}
	}
}
