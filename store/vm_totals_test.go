package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"abrak/store"
	"abrak/vmstatus"
)

// What every signed-in page shows of a customer's VMs (the hourly burn in the
// header) and an unfiltered list's total are kept by triggers as VMs and plans
// change. After every step of a random run of the writes the panel makes (an
// order, a status, a plan change, an unpaid hour and its payment, a plan's new
// price, a new plan, backups turned on at a price or off), they are what
// summing over the VMs says, for each of three customers.
func TestCustomerTotalsFollowEveryWrite(t *testing.T) {
	ctx := context.Background()
	db, first := poolDB(t, 10)
	users := []store.User{first, addUser(t, db, "b@example.com"), addUser(t, db, "c@example.com")}
	plans := []string{"p"}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.W.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s %v: %v", q, args, err)
		}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	var vms []int64
	billed := vmstatus.Billed()
	for step := range 400 {
		var did string
		switch k := rnd.IntN(11); {
		case k < 3 || len(vms) == 0:
			u := users[rnd.IntN(len(users))]
			res, err := db.W.ExecContext(ctx, `INSERT INTO vms (uuid, user_id, display_name, hostname, status, plan_slug, os_template_slug, region,
				vcpus, memory_mb, disk_gb, vnc_password, created_at, updated_at) VALUES (?, ?, 'n', 'h', ?, ?, 't', 'thr', 1, 256, 1, 'x', 0, 0)`,
				fmt.Sprintf("vm-%d", step), u.ID, vmstatus.All[rnd.IntN(len(vmstatus.All))], plans[rnd.IntN(len(plans))])
			if err != nil {
				t.Fatal(err)
			}
			id, _ := res.LastInsertId()
			vms = append(vms, id)
			did = "order"
		case k < 6:
			s := vmstatus.All[rnd.IntN(len(vmstatus.All))]
			exec(`UPDATE vms SET status = ? WHERE id = ?`, s, vms[rnd.IntN(len(vms))])
			did = "status " + string(s)
		case k < 7:
			exec(`UPDATE vms SET plan_slug = ? WHERE id = ?`, plans[rnd.IntN(len(plans))], vms[rnd.IntN(len(vms))])
			did = "plan change"
		case k < 8:
			if rnd.IntN(2) == 0 {
				exec(`UPDATE vms SET unpaid_since = 1700000000 WHERE id = ?`, vms[rnd.IntN(len(vms))])
				did = "unpaid"
			} else {
				exec(`UPDATE vms SET unpaid_since = NULL WHERE id = ?`, vms[rnd.IntN(len(vms))])
				did = "paid"
			}
		case k < 9:
			exec(`UPDATE plans SET price_hourly_rials = ? WHERE slug = ?`, 1+rnd.IntN(500), plans[rnd.IntN(len(plans))])
			did = "price"
		case k < 10:
			on := rnd.IntN(2)
			exec(`UPDATE vms SET backups_enabled = ?, backup_price_rials = ? WHERE id = ?`, on, on*(1+rnd.IntN(100)), vms[rnd.IntN(len(vms))])
			did = "backups"
		default:
			slug := fmt.Sprintf("p%d", len(plans))
			if err := db.UpsertPlan(ctx, store.Plan{Slug: slug, NameFA: slug, NameEN: slug, VCPUs: 1, MemoryMB: 256, DiskGB: 1,
				PriceHourlyRials: int64(1 + rnd.IntN(500)), Active: true}); err != nil {
				t.Fatal(err)
			}
			plans = append(plans, slug)
			did = "new plan"
		}
		for _, u := range users {
			var wantBurn int64
			var wantLive int
			rows, err := db.W.QueryContext(ctx, `SELECT v.status, v.unpaid_since IS NULL, coalesce(p.price_hourly_rials, 0) + v.backups_enabled * v.backup_price_rials
				FROM vms v LEFT JOIN plans p ON p.slug = v.plan_slug WHERE v.user_id = ?`, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s vmstatus.Status
				var paid bool
				var price int64
				if err := rows.Scan(&s, &paid, &price); err != nil {
					t.Fatal(err)
				}
				if slices.Contains(billed, s) && paid {
					wantBurn += price
				}
				if s != vmstatus.Destroyed && s != vmstatus.Deleted {
					wantLive++
				}
			}
			rows.Close()
			got, err := db.UserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			_, total, err := db.ListVMs(ctx, store.VMFilter{UserID: u.ID, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if got.BurnRials != wantBurn || total != wantLive {
				t.Fatalf("step %d (%s), customer %d: burn %d, total %d; the VMs say %d and %d", step, did, u.ID, got.BurnRials, total, wantBurn, wantLive)
			}
		}
	}
}
