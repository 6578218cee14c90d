package services

import (
	"testing"
	"time"
)

// Orders that failed at the same moment come back at different moments, within
// the backoff's bounds: never sooner than half the doubled wait, never past it
// or the limit.
func TestOrdersThatFailedTogetherRetryApart(t *testing.T) {
	for attempt, want := range map[int]time.Duration{1: 2 * time.Second, 3: 8 * time.Second, 7: time.Minute, 40: time.Minute} {
		seen := map[time.Duration]bool{}
		for range 16 {
			w := retryWait(2*time.Second, time.Minute, attempt)
			if w < want/2 || w > want {
				t.Fatalf("attempt %d: waits %s, want between %s and %s", attempt, w, want/2, want)
			}
			seen[w] = true
		}
		if len(seen) < 8 {
			t.Errorf("attempt %d: 16 orders come back at only %d moments", attempt, len(seen))
		}
	}
}
