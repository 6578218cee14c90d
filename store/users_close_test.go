package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// An account closed before closed addresses lost their "@" (migration *_closed_addresses)
// is given the new form when the file is opened; an open account that signed
// up as the old form keeps its address, and closing the account whose old
// form it took still works.
func TestAccountsClosedUnderTheOldAddressAreGivenTheNewOne(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	old := addUser(t, db, "old@example.com")
	if _, err := db.W.ExecContext(ctx, `UPDATE users SET email = ?, closed_at = 1 WHERE id = ?`,
		fmt.Sprintf("closed-%d@closed.invalid", old.ID), old.ID); err != nil {
		t.Fatal(err)
	}
	ana := addUser(t, db, "ana@example.com")
	squatter := addUser(t, db, fmt.Sprintf("closed-%d@closed.invalid", ana.ID))
	// The file as the binary before the migration that gives the new form left it.
	names, _ := filepath.Glob("migrations/*_closed_addresses.sql")
	if len(names) != 1 {
		t.Fatalf("no migration gives closed accounts their new address (%v)", names)
	}
	n, err := strconv.Atoi(strings.SplitN(filepath.Base(names[0]), "_", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, `UPDATE schema_version SET version = ?`, n-1); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = open(t, db.Path)
	if u, err := db.UserByID(ctx, old.ID); err != nil || u.Email != fmt.Sprintf("closed:%d", old.ID) {
		t.Errorf("the account closed before: %q (%v), want closed:%d", u.Email, err, old.ID)
	}
	if u, err := db.UserByID(ctx, squatter.ID); err != nil || u.Email != squatter.Email {
		t.Errorf("an open account's address was rewritten: %q (%v)", u.Email, err)
	}
	if err := db.CloseUser(ctx, ana.ID, time.Now()); err != nil {
		t.Fatalf("closing the account whose old closed address is taken: %v", err)
	}
	if u, err := db.UserByID(ctx, ana.ID); err != nil || u.Email != fmt.Sprintf("closed:%d", ana.ID) {
		t.Errorf("the closed account's address: %q (%v)", u.Email, err)
	}
}
