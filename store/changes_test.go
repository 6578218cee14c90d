package store

import (
	"context"
	"path/filepath"
	"testing"
)

// Every write to what a customer's pages show moves that customer's counter
// (and only theirs); catalog writes move the catalog's. A counter that missed
// a write would let a 304 or a cached list show the customer a stale answer.
func TestChangesCountEveryWriteTheCustomerSees(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "abrak.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vmID := seedVM(t, db.W, "running")
	other, err := db.CreateUser(ctx, User{Email: "other@example.com", Name: "o", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, insertVM, "00000000-0000-4000-8000-0000000000ff", other.ID, "running", 1); err != nil {
		t.Fatal(err)
	}
	read := func(uid int64) Changes {
		t.Helper()
		c, err := db.ChangesOf(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	writes := []struct {
		what, sql string
		catalog   bool
	}{
		{"a status change", `UPDATE vms SET status = 'stopped' WHERE id = ?1`, false},
		{"a rename", `UPDATE vms SET display_name = 'renamed' WHERE id = ?1`, false},
		{"an action", `INSERT INTO actions (user_id, vm_id, type, status, started_at) VALUES (1, ?1, 'reboot', 'in-progress', 0)`, false},
		{"an action's end", `UPDATE actions SET status = 'completed' WHERE vm_id = ?1`, false},
		{"an order", `INSERT INTO orders (user_id, vm_id, status, amount_rials, created_at, updated_at) VALUES (1, ?1, 'provisioning', 1, 0, 0)`, false},
		{"an order's state", `UPDATE orders SET status = 'provisioned' WHERE vm_id = ?1`, false},
		{"an event", `INSERT INTO audit_events (user_id, action, severity, target_type, target_id, created_at) VALUES (1, 'vm.reboot', 'info', 'vm', 'x', 0)`, false},
		{"traffic", `INSERT INTO traffic (vm_id, month, rx_bytes, tx_bytes) VALUES (?1, '2026-12', 1, 1)`, false},
		{"more traffic", `UPDATE traffic SET rx_bytes = rx_bytes + 1 WHERE vm_id = ?1`, false},
		{"the balance", `UPDATE users SET balance_rials = balance_rials + 1 WHERE id = 1`, false},
		{"a plan's price", `UPDATE plans SET price_hourly_rials = price_hourly_rials + 1`, true},
		{"a region's name", `UPDATE regions SET name_en = 'R'`, true},
	}
	for _, w := range writes {
		before, theirs := read(1), read(other.ID)
		if _, err := db.W.ExecContext(ctx, w.sql, vmID); err != nil {
			t.Fatalf("%s: %v", w.what, err)
		}
		after := read(1)
		if w.catalog {
			if after.Catalog == before.Catalog {
				t.Errorf("%s did not move the catalog's counter", w.what)
			}
		} else if after.Customer == before.Customer {
			t.Errorf("%s did not move the customer's counter", w.what)
		}
		if got := read(other.ID); !w.catalog && got.Customer != theirs.Customer {
			t.Errorf("%s moved another customer's counter", w.what)
		}
	}
	// A traffic row rewritten with the same figures is no change.
	before := read(1)
	if _, err := db.W.ExecContext(ctx, `UPDATE traffic SET rx_bytes = rx_bytes WHERE vm_id = ?`, vmID); err != nil {
		t.Fatal(err)
	}
	if read(1) != before {
		t.Error("an unchanged traffic row moved the counter")
	}
}
