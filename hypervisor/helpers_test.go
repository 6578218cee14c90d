package hypervisor

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"abrak/vmstatus"

	"github.com/google/uuid"
)

func testOptions() Options {
	return Options{
		CallTimeout:          10 * time.Second,
		ShutdownTimeout:      5 * time.Second,
		ReconnectInterval:    50 * time.Millisecond,
		MaxReconnectInterval: 500 * time.Millisecond,
	}
}

func newFleet(t testing.TB, nodes ...NodeConfig) *Fleet {
	t.Helper()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f := NewFleet(log, testOptions())
	t.Cleanup(func() { f.Close() })
	f.SetNodes(nodes)
	for _, n := range nodes {
		waitNode(t, f, n.ID)
	}
	return f
}

// waitNode waits until the node answers; the reconnect loop has the last word on
// how long that takes, so the test only bounds it generously.
func waitNode(t testing.TB, f *Fleet, id int64) *Node {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := f.Node(id)
		if err == nil {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %d never came up: %v", id, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// events records what a fleet reports, for tests to wait on.
type events struct {
	mu   sync.Mutex
	last map[string]vmstatus.Status
	all  []Event
	ch   chan struct{}
}

func record(f *Fleet) *events {
	e := &events{last: map[string]vmstatus.Status{}, ch: make(chan struct{}, 1)}
	f.Subscribe(func(ev Event) {
		e.mu.Lock()
		e.last[ev.UUID] = ev.State
		e.all = append(e.all, ev)
		e.mu.Unlock()
		select {
		case e.ch <- struct{}{}:
		default:
		}
	})
	return e
}

func (e *events) waitFor(t testing.TB, id string, want vmstatus.Status) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		e.mu.Lock()
		got := e.last[id]
		e.mu.Unlock()
		if got == want {
			return
		}
		select {
		case <-e.ch:
		case <-deadline:
			t.Fatalf("no %q event for %s (last %q)", want, id, got)
		}
	}
}

// waitSeen waits for any event of id with state want, earlier ones included.
func (e *events) waitSeen(t testing.TB, id string, want vmstatus.Status, within time.Duration) Event {
	t.Helper()
	deadline := time.After(within)
	for {
		e.mu.Lock()
		i := slices.IndexFunc(e.all, func(ev Event) bool { return ev.UUID == id && ev.State == want })
		var ev Event
		if i >= 0 {
			ev = e.all[i]
		}
		got := e.last[id]
		e.mu.Unlock()
		if i >= 0 {
			return ev
		}
		select {
		case <-e.ch:
		case <-deadline:
			t.Fatalf("no %q event for %s within %s (last %q)", want, id, within, got)
		}
	}
}

func newUUID() string { return uuid.NewString() }
