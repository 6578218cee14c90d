package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"abrak/store"
)

// benchDB holds 200 customers with 50 VMs each: the load the API list is measured at.
func benchDB(b *testing.B) (*store.DB, int64) {
	b.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(db.UpsertRegion(ctx, store.Region{Slug: "r", NameFA: "r", NameEN: "r", IPNetwork: "10.0.0.0/8"}))
	must(db.UpsertPlan(ctx, store.Plan{Slug: "p", NameFA: "p", NameEN: "p", VCPUs: 1, MemoryMB: 512, DiskGB: 10, PriceHourlyRials: 1, Active: true}))
	must(db.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "t", Name: "t", Volume: "t", Active: true}))
	now := time.Now().Unix()
	var first int64
	for u := 0; u < 200; u++ {
		user, err := db.CreateUser(ctx, store.User{Email: fmt.Sprintf("u%d@example.com", u), Name: "u", PasswordHash: "x"})
		must(err)
		if first == 0 {
			first = user.ID
		}
		for v := 0; v < 50; v++ {
			_, err := db.W.ExecContext(ctx, `INSERT INTO vms (uuid, user_id, display_name, hostname, status, plan_slug, os_template_slug, region,
				public_ip, vcpus, memory_mb, disk_gb, vnc_password, created_at, updated_at) VALUES (?, ?, ?, ?, 'running', 'p', 't', 'r', ?, 1, 512, 10, 'x', ?, ?)`,
				fmt.Sprintf("%08d-0000-4000-8000-000000000000", u*50+v), user.ID, fmt.Sprintf("web-%d", v), "h", fmt.Sprintf("10.0.%d.%d", u, v), now, now)
			must(err)
		}
	}
	return db, first
}

// BenchmarkListVMs is one page of the API's VM list for a customer with 50 VMs among 10,000.
func BenchmarkListVMs(b *testing.B) {
	db, user := benchDB(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		vms, total, err := db.ListVMs(ctx, store.VMFilter{UserID: user, Limit: 50})
		if err != nil || len(vms) != 50 || total != 50 {
			b.Fatalf("%d of %d, %v", len(vms), total, err)
		}
	}
}

// BenchmarkListVMsSearch adds the q substring filter.
func BenchmarkListVMsSearch(b *testing.B) {
	db, user := benchDB(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := db.ListVMs(ctx, store.VMFilter{UserID: user, Q: "web-1", Limit: 50}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUserByID is the user row every signed-in page loads, with its burn
// rate summed over the customer's 50 VMs.
func BenchmarkUserByID(b *testing.B) {
	db, user := benchDB(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		u, err := db.UserByID(ctx, user)
		if err != nil || u.BurnRials != 50 {
			b.Fatalf("burn %d, %v", u.BurnRials, err)
		}
	}
}

// BenchmarkBurning is the low-balance pass of the biller over 200 customers with 10,000 VMs.
func BenchmarkBurning(b *testing.B) {
	db, _ := benchDB(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if l, err := db.Burning(ctx); err != nil || len(l) != 200 {
			b.Fatalf("%d accounts, %v", len(l), err)
		}
	}
}
