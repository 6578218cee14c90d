package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"abrak/vmstatus"
)

// The database takes every status of the vocabulary and nothing else, so the
// vocabulary package and the schema's triggers cannot drift apart.
func TestTheSchemaTakesExactlyTheVocabularysStatuses(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "abrak.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vmID := seedVM(t, db.W, "running")
	for _, st := range vmstatus.All {
		if err := db.SetVMStatus(ctx, vmID, st); err != nil {
			t.Errorf("status %q refused: %v", st, err)
		}
		if st == vmstatus.Destroyed {
			break // destroyed is final
		}
	}
	vmID = seedVM(t, db.W, "running")
	if err := db.SetVMStatus(ctx, vmID, "hibernating"); err == nil || !strings.Contains(err.Error(), "not a VM status") {
		t.Errorf("an unknown status was stored: %v", err)
	}
	if _, err := db.W.ExecContext(ctx, insertVM, "00000000-0000-4000-8000-0000000000ff", 1, "x", time.Now().Unix()); err == nil {
		t.Error("a VM was inserted with an unknown status")
	}
}

// The biller's query reads the partial index built for it, which only happens
// when both spell the billed statuses the same way.
func TestDueHoursUsesTheBillingIndex(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "abrak.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.R.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT v.id FROM vms v JOIN plans p ON p.slug = v.plan_slug
		WHERE v.status IN (`+sqlBilled+`) AND v.paid_until <= ? ORDER BY v.paid_until LIMIT ?`, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "vms_billing") {
		t.Fatalf("the due-hours query does not use vms_billing:\n%s", strings.Join(plan, "\n"))
	}
}

// A database at schema 10 keeps its VMs, their orders and actions through the
// rebuild of the vms table, with every reference intact.
func TestTheVMsTableRebuildKeepsEveryRow(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "abrak.db")
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, `CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (0)`); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := apply(ctx, w, i+1, all[i]); err != nil {
			t.Fatal(err)
		}
	}
	vmID := seedVM(t, w, "paused")
	if _, err := w.ExecContext(ctx, `INSERT INTO orders (user_id, vm_id, status, amount_rials, created_at, updated_at) VALUES (1, ?, 'provisioned', 10, 0, 0);
		INSERT INTO actions (user_id, vm_id, type, status, started_at) VALUES (1, ?, 'create', 'completed', 0)`, vmID, vmID); err != nil {
		t.Fatal(err)
	}
	w.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var status string
	var orders, actions, seq int
	err = db.R.QueryRowContext(ctx, `SELECT v.status, v.status_seq, (SELECT count(*) FROM orders WHERE vm_id = v.id), (SELECT count(*) FROM actions WHERE vm_id = v.id)
		FROM vms v WHERE v.id = ?`, vmID).Scan(&status, &seq, &orders, &actions)
	if err != nil || status != "paused" || orders != 1 || actions != 1 {
		t.Fatalf("after the upgrade: status %q, %d orders, %d actions, %v", status, orders, actions, err)
	}
	if err := db.SetVMStatus(ctx, vmID, vmstatus.Crashed); err != nil {
		t.Fatal(err)
	}
	if err := db.R.QueryRowContext(ctx, `SELECT status_seq FROM vms WHERE id = ?`, vmID).Scan(&seq); err != nil || seq != 1 {
		t.Fatalf("status_seq %d after a change, want the trigger to count it (%v)", seq, err)
	}
	var fk int
	if err := db.R.QueryRowContext(ctx, `SELECT count(*) FROM pragma_foreign_key_check`).Scan(&fk); err != nil || fk != 0 {
		t.Fatalf("%d dangling references (%v)", fk, err)
	}
}

const insertVM = `INSERT INTO vms (uuid, user_id, display_name, hostname, status, plan_slug, os_template_slug, region,
	vcpus, memory_mb, disk_gb, vnc_password, created_at, updated_at) VALUES (?, ?, 'w', 'h', ?, 'p', 't', 'r', 1, 512, 10, 'x', ?4, ?4)`

// seedVM inserts a user, a catalog and one VM straight into the tables, as any schema version has them.
func seedVM(t *testing.T, w *sql.DB, status string) int64 {
	t.Helper()
	ctx := context.Background()
	now := time.Now().Unix()
	for _, q := range []string{
		`INSERT OR IGNORE INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (1, 'a@example.com', 'a', 'x', 0, 0)`,
		`INSERT OR IGNORE INTO regions (slug, name_fa, name_en, ip_network) VALUES ('r', 'r', 'r', '10.0.0.0/8')`,
		`INSERT OR IGNORE INTO plans (slug, name_fa, name_en, vcpus, memory_mb, disk_gb, price_hourly_rials) VALUES ('p', 'p', 'p', 1, 512, 10, 1)`,
		`INSERT OR IGNORE INTO os_templates (slug, name, volume) VALUES ('t', 't', 't')`,
	} {
		if _, err := w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	_ = w.QueryRowContext(ctx, `SELECT count(*) FROM vms`).Scan(&n)
	res, err := w.ExecContext(ctx, insertVM, "00000000-0000-4000-8000-"+strings.Repeat("0", 10)+string(rune('a'+n))+"0", 1, status, now)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}
