package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"abrak/store"
)

// The operator acts from the command line through the /admin pages'
// services: a credit with a reason moves money once per key (and a debit
// past the balance is refused naming --amount), a suspension and its
// lifting, a VM's lock (the reason stored) and unlock, a node's maintenance
// on with an end and off; each prints a table for people and JSON with
// --json, and each is audited as done at the machine.
func TestTheOperatorActsFromTheCommandLine(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "abrak.db")
	run := func(f func(context.Context, []string, io.Writer) error, args ...string) (string, error) {
		var out bytes.Buffer
		err := f(ctx, append([]string{"--db", path}, args...), &out)
		return out.String(), err
	}
	if _, err := run(adminCreateUser, "--email", "ana@example.com", "--password", "long-password-1405"); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ana, err := db.UserByEmail(ctx, "ana@example.com")
	must(err)
	must(db.UpsertRegion(ctx, store.Region{Slug: "r", NameFA: "r", NameEN: "r", IPNetwork: "10.0.0.0/8"}))
	must(db.UpsertPlan(ctx, store.Plan{Slug: "p", NameFA: "p", NameEN: "p", VCPUs: 1, MemoryMB: 512, DiskGB: 10, PriceHourlyRials: 1, Active: true}))
	must(db.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "t", Name: "t", Volume: "t", Active: true}))
	const uuid = "5e1f0c3a-0000-4000-8000-000000000001"
	_, err = db.W.ExecContext(ctx, `INSERT INTO vms (uuid, user_id, display_name, hostname, status, plan_slug, os_template_slug, region,
		vcpus, memory_mb, disk_gb, vnc_password, created_at, updated_at) VALUES (?, ?, 'web', 'web', 'stopped', 'p', 't', 'r', 1, 512, 10, 'x', unixepoch(), unixepoch())`, uuid, ana.ID)
	must(err)
	_, err = db.UpsertNode(ctx, store.Node{Name: "node-1", Region: "r", URI: "test:///default", Enabled: true})
	must(err)
	balance := func() int64 { u, err := db.UserByEmail(ctx, "ana@example.com"); must(err); return u.BalanceRials }

	// Credit, once per key; JSON for scripts, a table for people.
	for range 2 {
		out, err := run(adminCredit, "--email", "ana@example.com", "--amount", "50000", "--reason", "Goodwill", "--key", "k1", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Balance int64  `json:"balance_rials"`
			Reason  string `json:"reason"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil || got.Balance != 50000 || got.Reason != "Goodwill" {
			t.Errorf("credit --json: %q (%v)", out, err)
		}
	}
	if b := balance(); b != 50000 {
		t.Errorf("balance %d after one credit given twice, want 50000", b)
	}
	if out, err := run(adminCredit, "--email", "ana@example.com", "--amount", "-20000", "--reason", "Chargeback"); err != nil ||
		!strings.Contains(out, "balance-rials") || !strings.Contains(out, "30000") {
		t.Errorf("debit: %v %q", err, out)
	}
	if _, err := run(adminCredit, "--email", "ana@example.com", "--amount", "-999999", "--reason", "Too much"); err == nil || !strings.Contains(err.Error(), "--amount") {
		t.Errorf("a debit past the balance: %v", err)
	}
	if _, err := run(adminCredit, "--email", "ana@example.com", "--amount", "1000"); err == nil || !strings.Contains(err.Error(), "--reason") {
		t.Errorf("a credit without a reason: %v", err)
	}

	// Suspend and lift; a suspension, like a lock, needs its reason and
	// changes nothing without it.
	if _, err := run(adminSuspend, "--email", "ana@example.com", "--reason", "  "); err == nil || !strings.Contains(err.Error(), "--reason") {
		t.Errorf("a suspension without a reason: %v", err)
	}
	if u, _ := db.UserByEmail(ctx, "ana@example.com"); u.Suspended {
		t.Error("a suspension without a reason suspended ana")
	}
	if out, err := run(adminSuspend, "--email", "ana@example.com", "--reason", "Abuse report 5"); err != nil || !strings.Contains(out, "suspended") {
		t.Errorf("suspend: %v %q", err, out)
	}
	if u, _ := db.UserByEmail(ctx, "ana@example.com"); !u.Suspended {
		t.Error("suspend did not suspend ana")
	}
	if _, err := run(adminUnsuspend, "--email", "ana@example.com", "--json"); err != nil {
		t.Errorf("unsuspend: %v", err)
	}
	if u, _ := db.UserByEmail(ctx, "ana@example.com"); u.Suspended {
		t.Error("unsuspend left ana suspended")
	}

	// Lock and unlock.
	if _, err := run(adminLock, "--vm", uuid); err == nil || !strings.Contains(err.Error(), "--reason") {
		t.Errorf("a lock without a reason: %v", err)
	}
	if _, err := run(adminUnlock); err == nil || !strings.Contains(err.Error(), "--vm") {
		t.Errorf("an unlock naming no VM: %v", err)
	}
	if _, err := run(adminLock, "--vm", uuid, "--reason", "Abuse report 6", "--json"); err != nil {
		t.Errorf("lock: %v", err)
	}
	if vm, _ := db.VMByUUID(ctx, uuid); vm.AdminLockReason != "Abuse report 6" {
		t.Errorf("locked with %q", vm.AdminLockReason)
	}
	if _, err := run(adminLock, "--vm", "no-such-vm", "--reason", "x"); err == nil {
		t.Error("locking a VM that does not exist succeeded")
	}
	if _, err := run(adminUnlock, "--vm", uuid); err != nil {
		t.Errorf("unlock: %v", err)
	}
	if vm, _ := db.VMByUUID(ctx, uuid); vm.AdminLockReason != "" {
		t.Errorf("still locked with %q", vm.AdminLockReason)
	}

	// Maintenance on with an end, then off.
	out, err := run(adminMaintenance, "--node", "node-1", "--on", "--hours", "6", "--reason", "Disks", "--json")
	var m struct {
		On    bool   `json:"maintenance"`
		Until string `json:"until"`
	}
	if err != nil || json.Unmarshal([]byte(out), &m) != nil || !m.On || m.Until == "" {
		t.Errorf("maintenance --on: %v %q", err, out)
	}
	if gate, _ := db.DrainingNodes(ctx); len(gate) != 1 {
		t.Error("a node in maintenance still takes new VMs")
	}
	if _, err := run(adminMaintenance, "--node", "node-1", "--off"); err != nil {
		t.Errorf("maintenance --off: %v", err)
	}
	if _, err := run(adminMaintenance, "--node", "node-1"); err == nil {
		t.Error("maintenance without --on or --off succeeded")
	}

	var n int
	must(db.W.QueryRowContext(ctx, `SELECT count(*) FROM audit_events WHERE via = 'cli' AND action IN
		('admin.credit', 'admin.debit', 'admin.suspend', 'admin.unsuspend', 'admin.vm_lock', 'admin.vm_unlock', 'admin.node_maintenance')`).Scan(&n))
	if n != 8 {
		t.Errorf("%d audit rows of the command line's acts, want 8", n)
	}
}
