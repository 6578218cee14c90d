package replica

import (
	"context"
	"sync"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/superfly/ltx"
)

// target is one replica the operator named, kept as a mirror of the hub.
type target struct {
	spec   spec
	client litestream.ReplicaClient
	wake   chan struct{}
	ended  chan struct{} // closed when its goroutine has ended

	// Only the target's own goroutine (or Close, after it ended) touches
	// these: what the replica holds as far as known (nil: list it again),
	// and when it last answered.
	files   map[fileKey]*ltx.FileInfo
	contact time.Time

	mu          sync.Mutex
	txid        ltx.TXID
	through     time.Time // every commit before it is on the replica
	lastSync    time.Time
	err         error
	lastErr     string
	lastErrAt   time.Time
	failingFrom time.Time
	busySince   time.Time
}

func newTarget(s spec, c litestream.ReplicaClient) *target {
	return &target{spec: s, client: c, wake: make(chan struct{}, 1), ended: make(chan struct{})}
}

// poke asks the target's goroutine for a pass; pokes while one waits merge.
func (t *target) poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// backoff is the wait before trying a failing target again: doubling from
// the sync interval up to ten of them (at most a minute), so a target that
// comes back is caught up within seconds and one that stays away costs a
// connection attempt now and then.
func backoff(interval time.Duration, failures int) time.Duration {
	limit := min(10*interval, time.Minute)
	d := interval
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

func (r *Replicator) targetLoop(ctx context.Context, t *target) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var failures int
	var notBefore time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.wake:
		case <-timer.C:
		}
		if time.Now().Before(notBefore) {
			continue // backing off; the timer brings the next try
		}
		if err := r.pass(ctx, t); err != nil && ctx.Err() == nil {
			failures++
			d := backoff(r.cfg.SyncInterval, failures)
			notBefore = time.Now().Add(d)
			timer.Reset(d)
		} else {
			failures = 0
			notBefore = time.Time{}
		}
	}
}

// pass brings the target level with the hub and records how it went.
func (r *Replicator) pass(ctx context.Context, t *target) error {
	staged, _ := r.lastStaged()
	t.mu.Lock()
	t.busySince = time.Now()
	t.mu.Unlock()

	err := r.mirror(ctx, t)
	if err != nil {
		t.files = nil // its state is unknown after a failed pass: list it again
	}
	if err != nil && ctx.Err() != nil {
		// Shutting down is not a failure of the replica.
		t.mu.Lock()
		t.busySince = time.Time{}
		t.mu.Unlock()
		return ctx.Err()
	}

	now := time.Now()
	t.mu.Lock()
	t.busySince = time.Time{}
	was := t.err
	switch {
	case err != nil:
		if was == nil {
			t.failingFrom = now
			r.log.Warn("replica: a replica stopped receiving", "replica", t.spec.redacted, "err", err)
		} else if was.Error() != err.Error() {
			r.log.Warn("replica: a replica still fails", "replica", t.spec.redacted, "err", err)
		}
		t.err, t.lastErr, t.lastErrAt = err, err.Error(), now
	default:
		if was != nil {
			r.log.Info("replica: a replica receives again", "replica", t.spec.redacted,
				"after", now.Sub(t.failingFrom).Round(time.Second))
		}
		t.err = nil
		t.lastSync = now
		if staged.After(t.through) {
			t.through = staged
		}
		t.txid = maxTXID(t.files)
	}
	t.mu.Unlock()
	changed := (was == nil) != (err == nil)
	r.writeStatus(changed)
	return err
}
