package store_test

import (
	"context"
	"testing"
	"time"

	"abrak/store"
)

// A reconciler pass that read a VM before a lifecycle event changed it must not
// write its older observation over the event's status, even when the events
// brought the status back to the value the pass read (running → paused → running).
func TestReconcilerNeverOverwritesANewerStatus(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	u := addUser(t, db, "seq@example.com")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.UpsertRegion(ctx, store.Region{Slug: "r", NameFA: "r", NameEN: "r", IPNetwork: "10.0.0.0/8"}))
	must(db.UpsertPlan(ctx, store.Plan{Slug: "p", NameFA: "p", NameEN: "p", VCPUs: 1, MemoryMB: 512, DiskGB: 10, PriceHourlyRials: 1, Active: true}))
	must(db.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "t", Name: "t", Volume: "t", Active: true}))
	const id = "00000000-0000-4000-8000-000000000001"
	now := time.Now().Unix()
	_, err := db.W.ExecContext(ctx, `INSERT INTO vms (uuid, user_id, display_name, hostname, status, plan_slug, os_template_slug, region,
		public_ip, vcpus, memory_mb, disk_gb, vnc_password, created_at, updated_at) VALUES (?, ?, 'w', 'h', 'running', 'p', 't', 'r', '10.0.0.2', 1, 512, 10, 'x', ?, ?)`,
		id, u.ID, now, now)
	must(err)

	seen, err := db.VMByUUID(ctx, id) // what a reconciler pass read
	must(err)
	for _, st := range []string{"paused", "running"} { // events that came after
		if _, err := db.SetVMStatusByUUID(ctx, id, st); err != nil {
			t.Fatal(err)
		}
	}
	if changed, err := db.ReconcileVMStatus(ctx, seen, "stopped"); err != nil || changed {
		t.Fatalf("a stale pass wrote its status: changed=%v err=%v", changed, err)
	}
	if got, _ := db.VMByUUID(ctx, id); got.Status != "running" {
		t.Fatalf("status %q after a stale pass, want the event's running", got.Status)
	}

	// A pass that read the current row does correct it.
	fresh, err := db.VMByUUID(ctx, id)
	must(err)
	if changed, err := db.ReconcileVMStatus(ctx, fresh, "stopped"); err != nil || !changed {
		t.Fatalf("a fresh pass did not write: changed=%v err=%v", changed, err)
	}
	if got, _ := db.VMByUUID(ctx, id); got.Status != "stopped" {
		t.Fatalf("status %q, want stopped", got.Status)
	}
}
