package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"abrak/replica"
	"abrak/store"
)

// The operator restores the database from its replica into a new file (the
// first step of a disaster recovery), and reads each replica's state; a
// restore never writes over a file that exists.
func TestTheOperatorRestoresTheDatabaseFromItsReplica(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, rdir := filepath.Join(dir, "abrak.db"), filepath.Join(dir, "replica")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := replica.Start(ctx, path, replica.Config{URLs: []string{rdir}, SyncInterval: 50 * time.Millisecond},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, store.User{Email: "kept@example.com", Name: "k", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Credit(ctx, u.ID, 123_000, "topup", "t"); err != nil {
		t.Fatal(err)
	}
	written := time.Now()
	for time.Now().Before(written.Add(10 * time.Second)) {
		if st := r.Status(); len(st) == 1 && st[0].SyncedThrough.After(written) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var out bytes.Buffer
	if err := adminReplica(ctx, []string{"--db", path}, &out); err != nil || !strings.Contains(out.String(), rdir) {
		t.Fatalf("admin replica: %v\n%s", err, out.String())
	}
	db.Close()
	r.Close()

	restored := filepath.Join(t.TempDir(), "restored.db")
	out.Reset()
	if err := cmdRestore(ctx, []string{"--from", rdir, "--to", restored}, &out); err != nil {
		t.Fatalf("restore: %v", err)
	}
	back, err := store.Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if got, err := back.UserByID(ctx, u.ID); err != nil || got.Email != "kept@example.com" || got.BalanceRials != 123_000 {
		t.Fatalf("restored account: %+v, %v", got, err)
	}
	if err := cmdRestore(ctx, []string{"--from", rdir, "--to", restored}, &out); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("a restore over a file that exists: %v", err)
	}
}
