package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"abrak/store"
)

// listed projects a VM on what list pages show of it (listFields and the catalog).
func listed(v store.VM) store.VM {
	return store.VM{ID: v.ID, UUID: v.UUID, UserID: v.UserID, DisplayName: v.DisplayName, Hostname: v.Hostname, Status: v.Status,
		PlanSlug: v.PlanSlug, PlanNameFA: v.PlanNameFA, PlanNameEN: v.PlanNameEN, OSTemplateSlug: v.OSTemplateSlug, OSTemplateName: v.OSTemplateName,
		Region: v.Region, RegionNameFA: v.RegionNameFA, RegionNameEN: v.RegionNameEN, PublicIP: v.PublicIP, PublicIPv6: v.PublicIPv6, MAC: v.MAC,
		Network4: v.Network4, Gateway4: v.Gateway4, Network6: v.Network6, Gateway6: v.Gateway6, VCPUs: v.VCPUs, MemoryMB: v.MemoryMB, DiskGB: v.DiskGB,
		PriceHourly: v.PriceHourly, Locked: v.Locked, NodeDown: v.NodeDown, CreatedAt: v.CreatedAt, UnpaidSince: v.UnpaidSince, SuspendedAt: v.SuspendedAt,
		OrderStatus: v.OrderStatus, OrderError: v.OrderError, Attempts: v.Attempts, OpenActions: v.OpenActions, Received: v.Received, Sent: v.Sent,
		BootISO: v.BootISO, RescueCrypt: v.RescueCrypt}
}

// A list page reads its VMs packed and the catalog from memory; what it shows
// must be what a VM's own read shows, for VMs in every state, with names that
// hold the packing's separator, and right after the catalog changes.
func TestListedVMsAreTheirWholeReads(t *testing.T) {
	ctx := context.Background()
	db, u := poolDB(t, 10)
	var uuids []string
	for i := range 4 {
		vm, _, err := orderVM(ctx, db, u, i, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		uuids = append(uuids, vm.UUID)
	}
	ids := map[string]int64{}
	for _, id := range uuids {
		v, err := db.VMForUser(ctx, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		ids[id] = v.ID
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE vms SET status = 'running', locked = 1, display_name = 'a` + "\x1f" + `b (آزمایشی)', boot_iso = 'debian-netinst' WHERE id = ?`, []any{ids[uuids[0]]}},
		{`UPDATE vms SET status = 'stopped', unpaid_since = 1700000000, suspended_at = 1700003600, node_unavailable = 1, rescue_crypt = '$6$x$y' WHERE id = ?`, []any{ids[uuids[1]]}},
		{`UPDATE orders SET status = 'paid_pending_provision', last_error = 'node n1: ` + "\x1f" + `refused', attempts = 3 WHERE vm_id = ?`, []any{ids[uuids[2]]}},
		{`INSERT INTO traffic (vm_id, month, rx_bytes, tx_bytes) VALUES (?, strftime('%Y-%m', 'now'), 123456789, 42)`, []any{ids[uuids[3]]}},
	} {
		if _, err := db.W.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if _, err := db.StartAction(ctx, u.ID, ids[uuids[3]], "reboot"); err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		list, total, err := db.ListVMs(ctx, store.VMFilter{UserID: u.ID, Limit: 10})
		if err != nil || total != len(uuids) || len(list) != len(uuids) {
			t.Fatalf("%s: %d listed of %d (%v)", what, len(list), total, err)
		}
		for _, got := range list {
			whole, err := db.VMForUser(ctx, u.ID, got.UUID)
			if err != nil {
				t.Fatal(err)
			}
			want := listed(whole)
			if want.DisplayName == "a\x1fb (آزمایشی)" {
				want.DisplayName = "a b (آزمایشی)" // the separator cannot be listed
			}
			if want.OrderError == "node n1: \x1frefused" {
				want.OrderError = "node n1:  refused"
			}
			if got.Network4 == "" || got.PlanNameFA == "" {
				t.Errorf("%s: %s has no network or plan name: %+v", what, got.UUID, got)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: listed\n%+v\nwhole\n%+v", what, got, want)
			}
		}
	}
	check("as ordered")
	// The catalog changes: a new price and name, and a plan made after the catalog was read.
	if _, err := db.W.ExecContext(ctx, `UPDATE plans SET price_hourly_rials = 99, name_en = 'Renamed'`); err != nil {
		t.Fatal(err)
	}
	check("after a plan changed")
	if err := db.UpsertPlan(ctx, store.Plan{Slug: "q", NameFA: "ق", NameEN: "Q", VCPUs: 2, MemoryMB: 512, DiskGB: 2, PriceHourlyRials: 20, Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, `UPDATE vms SET plan_slug = 'q' WHERE id = ?`, ids[uuids[0]]); err != nil {
		t.Fatal(err)
	}
	check("after a new plan")
	// Deep pages read the same rows.
	deep, _, err := db.ListVMs(ctx, store.VMFilter{UserID: u.ID, Limit: 2, Offset: 2})
	if err != nil || len(deep) != 2 || deep[0].UUID != uuids[1] || deep[1].UUID != uuids[0] {
		t.Fatalf("page 2 of 2: %v %v", deep, err)
	}
}

// The total is right whether the page is full, the last one, or past the end.
func TestListTotals(t *testing.T) {
	ctx := context.Background()
	db, u := poolDB(t, 10)
	for i := range 5 {
		if _, _, err := orderVM(ctx, db, u, i, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ limit, offset, rows, total int }{
		{10, 0, 5, 5}, {5, 0, 5, 5}, {2, 0, 2, 5}, {2, 4, 1, 5}, {2, 5, 0, 5}, {3, 9, 0, 5},
	} {
		list, total, err := db.ListVMs(ctx, store.VMFilter{UserID: u.ID, Limit: c.limit, Offset: c.offset})
		if err != nil || len(list) != c.rows || total != c.total {
			t.Errorf("limit %d offset %d: %d rows of %d (%v), want %d of %d", c.limit, c.offset, len(list), total, err, c.rows, c.total)
		}
	}
}
