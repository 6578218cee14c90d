package testkit

import (
	"testing"
	"time"
)

// WaitFor polls ok until it holds; it fails the test after limit, saying what it waited for.
func WaitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
