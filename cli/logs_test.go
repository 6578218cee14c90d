package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"abrak/testkit"
)

// Request lines are gathered and written together; a warning goes out at once
// with everything logged before it, in order; nothing is left behind when the
// panel stops.
func TestLogLinesAreBatchedButWarningsAreNotHeld(t *testing.T) {
	out := &testkit.LogBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	log, logs := batchedLogger(ctx, "text", out)
	log.Info("request", "path", "/vms")
	log.Info("request", "path", "/wallet")
	// The flusher may run between the two lines and this read; what it may not
	// do is write a line before the one before it.
	if got := out.String(); got != "" && !strings.Contains(got, "/vms") {
		t.Fatalf("out of order: %q", got)
	}
	log.Warn("node unreachable", "node", "n1")
	got := out.String()
	i, j, k := strings.Index(got, "/vms"), strings.Index(got, "/wallet"), strings.Index(got, "node unreachable")
	if i < 0 || j < i || k < j {
		t.Fatalf("after a warning, want both request lines then the warning, got %q", got)
	}
	log.Info("request", "path", "/late")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "/late") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "/late") {
		t.Fatal("a gathered line was never written")
	}
	log.With("component", "biller").Error("tick failed")
	if !strings.Contains(out.String(), "tick failed") {
		t.Fatal("an error from a derived logger was held back")
	}
	log.Info("request", "path", "/last")
	cancel()
	logs.Flush()
	if !strings.Contains(out.String(), "/last") {
		t.Fatal("the last line was lost at the stop")
	}
}
