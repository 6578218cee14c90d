package cli

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"abrak/store"
)

// The operator declares a region's backup stores, sees them with what they
// hold, and turns one off; a store without a region, a second store of one
// name, a directory that is not there and a node that is not declared are
// refused with the reason.
func TestTheOperatorDeclaresBackupStores(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "abrak.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertRegion(ctx, store.Region{Slug: "thr", NameFA: "تهران", NameEN: "Tehran"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpsertNode(ctx, store.Node{Name: "node-2", Region: "thr", URI: "test:///default", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	dir := t.TempDir()
	run := func(f func(context.Context, []string, io.Writer) error, args ...string) (string, error) {
		var out bytes.Buffer
		err := f(ctx, append([]string{"--db", path}, args...), &out)
		return out.String(), err
	}
	if out, err := run(adminAddBackupStore, "--name", "thr-nfs", "--region", "thr", "--dir", dir); err != nil || !strings.Contains(out, dir) {
		t.Fatalf("add a directory store: %v %q", err, out)
	}
	if out, err := run(adminAddBackupStore, "--name", "thr-node2", "--region", "thr", "--node", "node-2"); err != nil || !strings.Contains(out, "node-2") {
		t.Fatalf("add a pool store: %v %q", err, out)
	}
	for args, want := range map[string]string{
		"--name x --region nowhere --dir " + dir:     `no region "nowhere"`,
		"--name thr-nfs --region thr --dir " + dir:   `a store named "thr-nfs" exists`,
		"--name y --region thr --dir /no/such/place": "is not a directory",
		"--name z --region thr --node node-9":        `no node "node-9"`,
		"--name w --region thr":                      "one of --dir or --node",
	} {
		if _, err := run(adminAddBackupStore, strings.Fields(args)...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("add-backup-store %s: %v, want %q", args, err, want)
		}
	}
	if _, err := run(adminSetBackupStore, "--name", "thr-nfs", "--disabled"); err != nil {
		t.Fatal(err)
	}
	out, err := run(adminBackupStores)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "thr-nfs") || !strings.Contains(lines[1], "false") ||
		!strings.Contains(lines[2], "node node-2's pool") || !strings.Contains(lines[2], "true") {
		t.Fatalf("backup-stores:\n%s", out)
	}
}
