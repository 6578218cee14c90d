package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"abrak/store"
	"abrak/vmstatus"
)

// listed projects a VM on what list pages show of it (listFields and the catalog).
func listed(v store.VM) store.VM {
	return store.VM{ID: v.ID, UUID: v.UUID, UserID: v.UserID, DisplayName: v.DisplayName, Hostname: v.Hostname, Status: v.Status,
		PlanSlug: v.PlanSlug, PlanNameFA: v.PlanNameFA, PlanNameEN: v.PlanNameEN, OSTemplateSlug: v.OSTemplateSlug, OSTemplateName: v.OSTemplateName,
		Region: v.Region, RegionNameFA: v.RegionNameFA, RegionNameEN: v.RegionNameEN, PublicIP: v.PublicIP, PublicIPv6: v.PublicIPv6, MAC: v.MAC,
		Network4: v.Network4, Gateway4: v.Gateway4, Network6: v.Network6, Gateway6: v.Gateway6, VCPUs: v.VCPUs, MemoryMB: v.MemoryMB, DiskGB: v.DiskGB,
		PriceHourly: v.PriceHourly, Locked: v.Locked, NodeDown: v.NodeDown, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, UnpaidSince: v.UnpaidSince, SuspendedAt: v.SuspendedAt,
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
		{`UPDATE orders SET status = 'paid_pending_provision', last_error = 'node n1: ` + "\x1f" + `refused` + "\x1e" + `', attempts = 3 WHERE vm_id = ?`, []any{ids[uuids[2]]}},
		{`INSERT INTO traffic (vm_id, month, rx_bytes, tx_bytes) VALUES (?, strftime('%Y-%m', 'now'), 123456789, 42)`, []any{ids[uuids[3]]}},
	} {
		if _, err := db.W.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if _, err := db.StartAction(ctx, u.ID, ids[uuids[3]], "reboot"); err != nil {
		t.Fatal(err)
	}
	var checkFilter func(what string, f store.VMFilter, want int)
	check := func(what string) {
		t.Helper()
		checkFilter(what, store.VMFilter{UserID: u.ID, Limit: 10}, len(uuids))
	}
	checkFilter = func(what string, f store.VMFilter, want int) {
		t.Helper()
		list, total, err := db.ListVMs(ctx, f)
		if err != nil || total != want || len(list) != want {
			t.Fatalf("%s: %d listed of %d, want %d (%v)", what, len(list), total, want, err)
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
			if want.OrderError == "node n1: \x1frefused\x1e" {
				want.OrderError = "node n1:  refused " // nor the rows' separator
			}
			if (got.Network4 == "" && got.Status != "destroyed") || got.PlanNameFA == "" {
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
	// Each kind of write a list shows reaches the rows kept for it (vm_list_rows).
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.W.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`UPDATE vms SET display_name = 'renamed', hostname = 'h2', status = 'paused' WHERE id = ?`, ids[uuids[0]])
	exec(`UPDATE traffic SET rx_bytes = rx_bytes + 1000 WHERE vm_id = ?`, ids[uuids[3]])
	exec(`UPDATE orders SET status = 'provisioning', attempts = 4, last_error = '' WHERE vm_id = ?`, ids[uuids[2]])
	check("after a rename, traffic and an attempt")
	// Last month's traffic is not this month's, whenever the row was kept.
	exec(`INSERT INTO traffic (vm_id, month, rx_bytes, tx_bytes) VALUES (?, '2000-01', 5, 6)`, ids[uuids[1]])
	check("with last month's traffic")
	// A deleted VM gives its addresses back (a trigger of its own) and is
	// listed only when asked for.
	exec(`UPDATE vms SET status = 'destroyed' WHERE id = ?`, ids[uuids[1]])
	checkFilter("after a delete", store.VMFilter{UserID: u.ID, Limit: 10}, len(uuids)-1)
	checkFilter("the deleted", store.VMFilter{UserID: u.ID, Limit: 10, Status: "destroyed"}, 1)
	if gone, _, _ := db.ListVMs(ctx, store.VMFilter{UserID: u.ID, Limit: 10, Status: "destroyed"}); len(gone) != 1 || gone[0].Network4 != "" {
		t.Fatalf("the deleted VM is still listed in a network: %+v", gone)
	}
}

// The total is right whether the page is full, the last one, or past the end.
func TestListTotals(t *testing.T) {
	ctx := context.Background()
	db, u := poolDB(t, 10)
	var ids []int64
	for i := range 6 {
		vm, _, err := orderVM(ctx, db, u, i, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, vm.ID)
	}
	// One deleted: the totals count the live five; asked for, the deleted one.
	if _, err := db.W.ExecContext(ctx, `UPDATE vms SET status = 'destroyed' WHERE id = ?`, ids[5]); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		status        vmstatus.Status
		q             string
		limit, offset int
		rows, total   int
	}{
		{"", "", 10, 0, 5, 5}, {"", "", 5, 0, 5, 5}, {"", "", 2, 0, 2, 5}, {"", "", 2, 4, 1, 5}, {"", "", 2, 5, 0, 5}, {"", "", 3, 9, 0, 5},
		{vmstatus.Destroyed, "", 10, 0, 1, 1}, {"", "vm-", 2, 0, 2, 5}, {"", "vm-1", 10, 0, 1, 1}, {"", "nothing", 10, 0, 0, 0},
	} {
		list, total, err := db.ListVMs(ctx, store.VMFilter{UserID: u.ID, Status: c.status, Q: c.q, Limit: c.limit, Offset: c.offset})
		if err != nil || len(list) != c.rows || total != c.total {
			t.Errorf("status %q q %q limit %d offset %d: %d rows of %d (%v), want %d of %d", c.status, c.q, c.limit, c.offset, len(list), total, err, c.rows, c.total)
		}
	}
	// The kept count follows a VM back from the dead and into a restore, and
	// says nothing of another customer's VMs.
	other := addUser(t, db, "other@example.com")
	if _, err := db.Credit(ctx, other.ID, 1_000_000, "test", ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := orderVM(ctx, db, other, 7, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, `UPDATE vms SET status = 'running' WHERE id = ?`, ids[5]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, `UPDATE vms SET status = 'stopped' WHERE id = ?`, ids[5]); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user  int64
		total int
	}{{u.ID, 6}, {other.ID, 1}, {other.ID + 1, 0}} {
		if _, total, err := db.ListVMs(ctx, store.VMFilter{UserID: c.user, Limit: 2}); err != nil || total != c.total {
			t.Errorf("customer %d: total %d (%v), want %d", c.user, total, err, c.total)
		}
	}
}

// The rows a list reads are kept by triggers made from the binary's list
// fields. A file whose triggers are not those (an older binary's fields, a
// migration that rebuilt a table and so dropped them) has them made again,
// and every row rebuilt, when it is opened.
func TestListRowsAreRemadeAtOpen(t *testing.T) {
	ctx := context.Background()
	db, u := poolDB(t, 10)
	older, _, err := orderVM(ctx, db, u, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	vm, _, err := orderVM(ctx, db, u, 1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	name := func(db *store.DB, total int) string {
		t.Helper()
		list, n, err := db.ListVMs(ctx, store.VMFilter{UserID: u.ID, Limit: 1})
		if err != nil || len(list) != 1 || n != total {
			t.Fatalf("%v of %d, want %d (%v)", list, n, total, err)
		}
		return list[0].DisplayName
	}
	// Two triggers gone, and a write each would have kept: a rename, a delete.
	for _, q := range []string{`DROP TRIGGER list_rows_vms_update`, `DROP TRIGGER list_rows_totals_update`} {
		if _, err := db.W.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := db.W.ExecContext(ctx, `UPDATE vms SET display_name = 'renamed' WHERE id = ?`, vm.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, `UPDATE vms SET status = 'destroyed' WHERE id = ?`, older.ID); err != nil {
		t.Fatal(err)
	}
	if got := name(db, 2); got != vm.DisplayName {
		t.Fatalf("without its trigger the row moved on by itself (%q)", got)
	}
	db.Close()
	again := open(t, db.Path)
	if got := name(again, 1); got != "renamed" {
		t.Fatalf("after the file was opened again the list shows %q, want the rename", got)
	}
	if _, err := again.W.ExecContext(ctx, `UPDATE vms SET display_name = 'renamed again' WHERE id = ?`, vm.ID); err != nil {
		t.Fatal(err)
	}
	if got := name(again, 1); got != "renamed again" {
		t.Fatalf("the trigger was not made again: the list shows %q", got)
	}
}
