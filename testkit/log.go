package testkit

import (
	"bytes"
	"log/slog"
	"sync"

	"abrak/app"
)

// LogBuffer holds what was logged, for a test to read while the writer still
// runs (the panel's log, a command's output): written and read from different
// goroutines.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// WithLog sends the panel's log to l, as text.
func WithLog(l *LogBuffer) func(*app.Config) {
	return func(c *app.Config) { c.Log = slog.New(slog.NewTextHandler(l, nil)) }
}
