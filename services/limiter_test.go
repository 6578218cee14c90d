package services

import (
	"sync"
	"testing"
	"time"
)

// clock is a settable time for the limiter.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{now: time.Date(2025, 3, 21, 8, 0, 0, 0, time.UTC)} }

func TestLimiterBlocksAfterMaxUntilWindowEnds(t *testing.T) {
	c := newClock()
	l := NewAttemptLimiter(3, 10*time.Minute, c.Now)
	const key = "acct:ana@example.com"
	l.Fail(key)
	c.Advance(time.Minute)
	l.Fail(key)
	if w := l.Blocked(key); w != 0 {
		t.Fatalf("blocked after 2 of 3 failures: %v", w)
	}
	c.Advance(time.Minute)
	l.Fail(key)
	// The window began at the first failure: 10m − 2m elapsed.
	if w := l.Blocked(key); w != 8*time.Minute {
		t.Fatalf("wait after 3 failures %v, want 8m", w)
	}
	// More failures while blocked do not stretch the window.
	l.Fail(key)
	c.Advance(5 * time.Minute)
	if w := l.Blocked(key); w != 3*time.Minute {
		t.Fatalf("wait %v, want 3m", w)
	}
	c.Advance(3*time.Minute - time.Second)
	if w := l.Blocked(key); w != time.Second {
		t.Fatalf("wait one second before the end: %v", w)
	}
	c.Advance(time.Second)
	if w := l.Blocked(key); w != 0 {
		t.Fatalf("still blocked when the window ended: %v", w)
	}
	// A new window starts from scratch.
	l.Fail(key)
	l.Fail(key)
	if w := l.Blocked(key); w != 0 {
		t.Fatalf("blocked after 2 failures of a new window: %v", w)
	}
}

func TestLimiterFailuresOfAnOldWindowDoNotCount(t *testing.T) {
	c := newClock()
	l := NewAttemptLimiter(2, time.Minute, c.Now)
	l.Fail("k")
	c.Advance(time.Minute)
	l.Fail("k") // the first window is over: this one starts a new window
	if w := l.Blocked("k"); w != 0 {
		t.Fatalf("a failure from an ended window still counts: blocked %v", w)
	}
	l.Fail("k")
	if w := l.Blocked("k"); w != time.Minute {
		t.Fatalf("wait %v, want 1m", w)
	}
}

func TestLimiterKeysAreIndependentAndReset(t *testing.T) {
	c := newClock()
	l := NewAttemptLimiter(1, time.Hour, c.Now)
	l.Fail("ip:10.0.0.1")
	if l.Blocked("ip:10.0.0.1") == 0 {
		t.Fatal("not blocked after Max failures")
	}
	if l.Blocked("ip:10.0.0.2") != 0 || l.Blocked("acct:ana@example.com") != 0 {
		t.Fatal("one key's failures block another")
	}
	l.Reset("ip:10.0.0.1")
	if l.Blocked("ip:10.0.0.1") != 0 {
		t.Fatal("still blocked after Reset")
	}
}

func TestLimiterConcurrentFailuresAllCount(t *testing.T) {
	c := newClock()
	l := NewAttemptLimiter(100, time.Hour, c.Now)
	var wg sync.WaitGroup
	for range 99 {
		wg.Go(func() { l.Fail("k") })
	}
	wg.Wait()
	if l.Blocked("k") != 0 {
		t.Fatal("blocked after 99 of 100 failures")
	}
	l.Fail("k")
	if l.Blocked("k") == 0 {
		t.Fatal("100 concurrent failures were not all counted")
	}
}

func TestLimiterReservesBeforeTheCheck(t *testing.T) {
	c := newClock()
	l := NewAttemptLimiter(2, time.Minute, c.Now)
	first, w1 := l.Take("k")
	second, w2 := l.Take("k")
	if first == nil || second == nil || w1 != 0 || w2 != 0 {
		t.Fatal("the first two attempts were not reserved")
	}
	if settle, w := l.Take("k"); settle != nil || w != time.Minute {
		t.Fatalf("a third attempt while two are pending: reserved %v, wait %v", settle != nil, w)
	}
	first(false) // a success gives its reservation back
	third, _ := l.Take("k")
	if third == nil {
		t.Fatal("a reservation given back was not free again")
	}
	second(true)
	third(true)
	second(false) // settling twice changes nothing
	if l.Blocked("k") == 0 {
		t.Fatal("two failures of two were not counted")
	}
}
