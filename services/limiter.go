package services

import (
	"sync"
	"time"
)

// AttemptLimiter counts failures per key in a fixed window: after Max failures
// the key is refused until the window that began with its first failure ends.
type AttemptLimiter struct {
	Max    int
	Window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	hits map[string]*attempts
}

type attempts struct {
	n     int
	start time.Time
}

// NewAttemptLimiter makes a limiter; now may be nil (wall clock).
func NewAttemptLimiter(max int, window time.Duration, now func() time.Time) *AttemptLimiter {
	if now == nil {
		now = time.Now
	}
	return &AttemptLimiter{Max: max, Window: window, now: now, hits: map[string]*attempts{}}
}

// Blocked reports how long key must still wait, or 0.
func (l *AttemptLimiter) Blocked(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.hits[key]
	if a == nil {
		return 0
	}
	left := a.start.Add(l.Window).Sub(l.now())
	if left <= 0 {
		delete(l.hits, key)
		return 0
	}
	if a.n >= l.Max {
		return left
	}
	return 0
}

// Fail records one failure for key.
func (l *AttemptLimiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count(key).n++
}

// Take reserves one attempt for key before the work that judges it (a password
// hash, say), so that parallel attempts cannot all pass a check made before any
// of them had failed. Once Max attempts of the window are spent it reserves
// nothing and returns how long key must wait. Otherwise settle the reservation
// with the returned func: failed keeps it counted, a success gives it back.
func (l *AttemptLimiter) Take(key string) (settle func(failed bool), wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.count(key)
	if a.n >= l.Max {
		return nil, a.start.Add(l.Window).Sub(l.now())
	}
	a.n++
	var once sync.Once
	return func(failed bool) {
		once.Do(func() {
			if failed {
				return
			}
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.hits[key] == a && a.n > 0 {
				a.n--
			}
		})
	}, 0
}

// count is key's window, a fresh one when the last has ended; l.mu is held.
func (l *AttemptLimiter) count(key string) *attempts {
	now := l.now()
	a := l.hits[key]
	if a == nil || now.Sub(a.start) >= l.Window {
		a = &attempts{start: now}
		l.hits[key] = a
	}
	if len(l.hits) > 100_000 { // bound memory under a spray of keys
		for k, v := range l.hits {
			if now.Sub(v.start) >= l.Window {
				delete(l.hits, k)
			}
		}
	}
	return a
}

// Reset forgets key's failures (after a successful sign-in).
func (l *AttemptLimiter) Reset(key string) {
	l.mu.Lock()
	delete(l.hits, key)
	l.mu.Unlock()
}
