package testkit

import (
	"sync"
	"time"
)

// Clock is a clock a test moves by hand: the parts of the panel that take a
// clock (the mailer's, the services' Now) read it, and time passes only when
// the test says so.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock is a clock standing at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now is the clock's time; pass the method where a part takes a clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to now and returns it.
func (c *Clock) Set(now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
	return now
}

// Add moves the clock on by d and returns the new time.
func (c *Clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}
