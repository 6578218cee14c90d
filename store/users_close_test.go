package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"abrak/store"
)

// An account closed before closed addresses lost their "@" (migration *_closed_addresses)
// is given the new form when the file is opened; an open account that signed
// up as the old form keeps its address, and closing the account whose old
// form it took still works.
func TestAccountsClosedUnderTheOldAddressAreGivenTheNewOne(t *testing.T) {
	ctx := context.Background()
	// The file as the release before the migration that gives the new form left it.
	n := store.MigrationNumber("_closed_addresses.sql")
	if n == 0 {
		t.Fatal("no migration gives closed accounts their new address")
	}
	path := filepath.Join(t.TempDir(), "abrak.db")
	if err := store.MigrateTo(ctx, path, n-1); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	add := func(email string, closed bool) int64 {
		t.Helper()
		var id int64
		err := raw.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, created_at, updated_at, closed_at)
			VALUES (?, 'x', 'x', 1, 1, ?) RETURNING id`, email, map[bool]any{true: 1, false: nil}[closed]).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	old := add("old@example.com", true)
	if _, err := raw.ExecContext(ctx, `UPDATE users SET email = ? WHERE id = ?`, fmt.Sprintf("closed-%d@closed.invalid", old), old); err != nil {
		t.Fatal(err)
	}
	ana := add("ana@example.com", false)
	squatter := add(fmt.Sprintf("closed-%d@closed.invalid", ana), false)
	raw.Close()

	db := open(t, path)
	if u, err := db.UserByID(ctx, old); err != nil || u.Email != fmt.Sprintf("closed:%d", old) {
		t.Errorf("the account closed before: %q (%v), want closed:%d", u.Email, err, old)
	}
	if u, err := db.UserByID(ctx, squatter); err != nil || u.Email != fmt.Sprintf("closed-%d@closed.invalid", ana) {
		t.Errorf("an open account's address was rewritten: %q (%v)", u.Email, err)
	}
	if err := db.CloseUser(ctx, ana, time.Now()); err != nil {
		t.Fatalf("closing the account whose old closed address is taken: %v", err)
	}
	if u, err := db.UserByID(ctx, ana); err != nil || u.Email != fmt.Sprintf("closed:%d", ana) {
		t.Errorf("the closed account's address: %q (%v)", u.Email, err)
	}
}
