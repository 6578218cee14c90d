package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"abrak/store"
)

// The operator reads the queue: counts per state, each letter with its
// attempts and last error, and puts a refused letter back in line.
func TestAdminMailQueue(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "abrak.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sent, _ := db.QueueMail(ctx, store.Mail{Kind: "verify", To: "a@example.com", Subject: "s", Text: "t", HTML: "h"}, now)
	failed, _ := db.QueueMail(ctx, store.Mail{Kind: "reset", To: "b@example.com", Subject: "s", Text: "t", HTML: "h"}, now)
	waiting, _ := db.QueueMail(ctx, store.Mail{Kind: "topup", To: "c@example.com", Subject: "s", Text: "t", HTML: "h"}, now)
	if err := db.MailSentAt(ctx, sent, now); err != nil {
		t.Fatal(err)
	}
	if err := db.MailFailed(ctx, failed, "550 5.1.1 no such\nmailbox"); err != nil {
		t.Fatal(err)
	}
	if err := db.MailRetryAt(ctx, waiting, "dial tcp: connection refused", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	var out bytes.Buffer
	if err := adminMailQueue(ctx, []string{"--db", path}, &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"pending 1, sent 1, failed 1", "b@example.com", "550 5.1.1 no such mailbox", "connection refused"} {
		if !strings.Contains(got, want) {
			t.Errorf("the queue listing lacks %q\n%s", want, got)
		}
	}
	out.Reset()
	if err := adminMailQueue(ctx, []string{"--db", path, "--retry", "2"}, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	_ = adminMailQueue(ctx, []string{"--db", path}, &out)
	if !strings.Contains(out.String(), "pending 2, sent 1, failed 0") {
		t.Errorf("after --retry the refused letter is not pending\n%s", out.String())
	}
	if err := adminMailQueue(ctx, []string{"--db", path, "--retry", "1"}, &out); err == nil {
		t.Error("--retry of a sent letter was accepted")
	}
}
