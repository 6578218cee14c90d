package store

import (
	"context"
	"path/filepath"
	"testing"
)

// Opening a file whose list rows are current rebuilds nothing: a start of the
// panel costs no pass over every VM.
func TestListRowsAreKeptAcrossOpens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "abrak.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rebuilt, err := keepListRows(ctx, db)
	if err != nil || rebuilt {
		t.Fatalf("a second look rebuilt the rows (%v, %v): the triggers in the file differ from the ones made", rebuilt, err)
	}
}
