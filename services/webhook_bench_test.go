package services

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkWebhookPass is one pass of the worker over 1,000 queued
// deliveries (10 for each of 100 VMs, in order per VM) to a receiver on
// loopback that checks each signature: the time to deliver them all.
func BenchmarkWebhookPass(b *testing.B) {
	w := newHookWorld(b, true)
	r := newReceiver(b)
	hook := w.register(b, r.srv.URL)
	r.secret = hook.Secret
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for n := 0; n < 1000; n++ {
			w.emit.emit(ctx, w.p.UserID, int64(n%100+1), EventVMStatusChanged, map[string]any{"uuid": fmt.Sprint(n % 100), "seq": n / 100})
		}
		w.now = time.Now().Add(5 * time.Second)
		b.StartTimer()
		if got := w.hooks.DeliverDue(ctx); got != 1000 {
			b.Fatalf("the pass read %d deliveries", got)
		}
	}
	b.StopTimer()
	if r.bad != 0 || len(r.got) != 1000*b.N {
		b.Fatalf("%d received, %d bad signatures", len(r.got), r.bad)
	}
	ds, err := w.db.DueWebhookDeliveries(ctx, w.now.Add(1e12), 10)
	if err != nil || len(ds) != 0 {
		b.Fatalf("left pending: %d, %v", len(ds), err)
	}
}
