package store_test

import (
	"context"
	"testing"
	"time"

	"abrak/store"
	"abrak/vmstatus"
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
	const id = "00000000-0000-4000-8000-000000000001"
	addVM(t, db, u, id, "10.0.0.2")

	seen, err := db.VMByUUID(ctx, id) // what a reconciler pass read
	must(err)
	for _, st := range []vmstatus.Status{vmstatus.Paused, vmstatus.Running} { // events that came after
		seq, err := db.VMStatusSeq(ctx, id)
		must(err)
		if changed, err := db.SetVMStatusByUUID(ctx, id, st, seq); err != nil || !changed {
			t.Fatalf("event %s not recorded: changed=%v err=%v", st, changed, err)
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

// An event whose write lands after an operation recorded a newer status (the
// writer connection serves waiters in no fixed order) leaves that status alone.
func TestLateEventNeverOverwritesAnOperation(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	u := addUser(t, db, "late@example.com")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	const id = "00000000-0000-4000-8000-000000000002"
	vm := addVM(t, db, u, id, "10.0.0.3")

	seq, err := db.VMStatusSeq(ctx, id) // a "stopped" event arrives after a kill
	must(err)
	must(db.SetVMStatus(ctx, vm.ID, "stopped")) // the kill's own write
	must(db.SetVMStatus(ctx, vm.ID, "running")) // then a start
	if changed, err := db.SetVMStatusByUUID(ctx, id, "stopped", seq); err != nil || changed {
		t.Fatalf("the late event was written: changed=%v err=%v", changed, err)
	}
	if got, _ := db.VMByUUID(ctx, id); got.Status != "running" {
		t.Fatalf("status %q after a late event, want the start's running", got.Status)
	}
	if _, err := db.VMStatusSeq(ctx, "00000000-0000-4000-8000-00000000ffff"); err != store.ErrNotFound {
		t.Fatalf("sequence of an unknown VM: %v, want ErrNotFound", err)
	}
}

// addVM records a running VM of u's, with the catalog rows it needs.
func addVM(t *testing.T, db *store.DB, u store.User, uuid, ip string) store.VM {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.UpsertRegion(ctx, store.Region{Slug: "r", NameFA: "r", NameEN: "r", IPNetwork: "10.0.0.0/8"}))
	must(db.UpsertPlan(ctx, store.Plan{Slug: "p", NameFA: "p", NameEN: "p", VCPUs: 1, MemoryMB: 512, DiskGB: 10, PriceHourlyRials: 1, Active: true}))
	must(db.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "t", Name: "t", Volume: "t", Active: true}))
	now := time.Now().Unix()
	_, err := db.W.ExecContext(ctx, `INSERT INTO vms (uuid, user_id, display_name, hostname, status, plan_slug, os_template_slug, region,
		public_ip, vcpus, memory_mb, disk_gb, vnc_password, created_at, updated_at) VALUES (?, ?, 'w', 'h', 'running', 'p', 't', 'r', ?, 1, 512, 10, 'x', ?, ?)`,
		uuid, u.ID, ip, now, now)
	must(err)
	vm, err := db.VMByUUID(ctx, uuid)
	must(err)
	return vm
}
