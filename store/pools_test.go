package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"abrak/store"
	"abrak/vmstatus"
)

// poolDB is a database with one region whose IPv4 pool hands out size
// addresses from 198.51.100.10, and a /64 of IPv6; a customer with money.
func poolDB(t *testing.T, size int) (*store.DB, store.User) {
	t.Helper()
	ctx := context.Background()
	db := newDB(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.UpsertRegion(ctx, store.Region{Slug: "thr", NameFA: "تهران", NameEN: "Tehran"}))
	_, err := db.AddPool(ctx, store.Pool{Region: "thr", Network: "198.51.100.0/24", Gateway: "198.51.100.1",
		First: "198.51.100.10", Last: fmt.Sprintf("198.51.100.%d", 9+size), Resolvers: []string{"198.51.100.1"}})
	must(err)
	_, err = db.AddPool(ctx, store.Pool{Region: "thr", Network: "2001:db8:ab::/64", Gateway: "2001:db8:ab::1"})
	must(err)
	must(db.UpsertPlan(ctx, store.Plan{Slug: "p", NameFA: "پ", NameEN: "P", VCPUs: 1, MemoryMB: 256, DiskGB: 1, PriceHourlyRials: 10, Active: true}))
	must(db.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "t", Name: "T", Volume: "t.qcow2", MinDiskGB: 1, Active: true}))
	u := addUser(t, db, "pools@example.com")
	_, err = db.Credit(ctx, u.ID, 1_000_000, "test", "")
	must(err)
	return db, u
}

func orderVM(ctx context.Context, db *store.DB, u store.User, i int, quarantine time.Duration) (store.VM, bool, error) {
	vm, _, noAddress, err := db.CreateVMOrder(ctx, store.NewVMOrder{VM: store.VM{UUID: uuid.NewString(), UserID: u.ID,
		DisplayName: fmt.Sprintf("vm-%d", i), Hostname: fmt.Sprintf("vm-%d", i), PlanSlug: "p", OSTemplateSlug: "t", Region: "thr",
		MAC: fmt.Sprintf("52:54:00:00:01:%02x", i), VCPUs: 1, MemoryMB: 256, DiskGB: 1},
		AmountRials: 10, Quarantine: quarantine})
	return vm, noAddress, err
}

// Twenty orders at once on a pool of twenty: each VM gets an address of its own
// of each family, and the twenty-first is kept without one.
func TestConcurrentOrdersGetDistinctAddresses(t *testing.T) {
	ctx := context.Background()
	db, u := poolDB(t, 20)
	var wg sync.WaitGroup
	vms := make([]store.VM, 20)
	errs := make([]error, 20)
	for i := range vms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var full bool
			vms[i], full, errs[i] = orderVM(ctx, db, u, i, time.Hour)
			if errs[i] == nil && full {
				errs[i] = errors.New("pool reported full")
			}
		}()
	}
	wg.Wait()
	v4, v6 := map[string]bool{}, map[string]bool{}
	for i, vm := range vms {
		if errs[i] != nil {
			t.Fatalf("order %d: %v", i, errs[i])
		}
		if vm.PublicIP == "" || vm.PublicIPv6 == "" || v4[vm.PublicIP] || v6[vm.PublicIPv6] {
			t.Fatalf("order %d got %q / %q; given so far %v %v", i, vm.PublicIP, vm.PublicIPv6, v4, v6)
		}
		v4[vm.PublicIP], v6[vm.PublicIPv6] = true, true
		if vm.Gateway4 != "198.51.100.1" || vm.Network4 != "198.51.100.0/24" || vm.Gateway6 != "2001:db8:ab::1" || vm.Network6 != "2001:db8:ab::/64" {
			t.Fatalf("order %d's networks: %s via %s, %s via %s", i, vm.Network4, vm.Gateway4, vm.Network6, vm.Gateway6)
		}
	}
	extra, full, err := orderVM(ctx, db, u, 20, time.Hour)
	if err != nil || !full || extra.PublicIP != "" {
		t.Fatalf("21st order on a full pool: full %v, address %q, err %v", full, extra.PublicIP, err)
	}
	if extra.ID == 0 || extra.OrderStatus != vmstatus.OrderPending {
		t.Fatalf("the 21st order was not kept: %+v", extra)
	}
	// The database itself refuses a second live holder of an address.
	_, err = db.W.ExecContext(ctx, `INSERT INTO addresses (pool_id, family, address, vm_id, assigned_at)
		SELECT pool_id, family, address, ?, 0 FROM addresses WHERE vm_id = ? AND family = 4`, extra.ID, vms[0].ID)
	if err == nil {
		t.Fatal("a second live row for the same address was accepted")
	}
}

// A released address rests in quarantine: the waiting order gets it only once
// the quarantine has passed, and a new VM never gets a released IPv6 address.
func TestReleasedAddressesComeBackAfterQuarantine(t *testing.T) {
	ctx := context.Background()
	db, u := poolDB(t, 1)
	first, _, err := orderVM(ctx, db, u, 1, time.Hour)
	if err != nil || first.PublicIP != "198.51.100.10" {
		t.Fatalf("first order: %q, %v", first.PublicIP, err)
	}
	waiting, full, err := orderVM(ctx, db, u, 2, time.Hour)
	if err != nil || !full {
		t.Fatalf("second order on a pool of one: full %v, err %v", full, err)
	}
	if err := db.SetVMStatus(ctx, first.ID, vmstatus.Destroyed); err != nil {
		t.Fatal(err)
	}
	if err := db.AllocateAddresses(ctx, waiting.ID, time.Hour); !errors.Is(err, store.ErrNoAddress) {
		t.Fatalf("an address in quarantine was handed out (err %v)", err)
	}
	// Two hours later (moved in the record: the quarantine is measured from it).
	if _, err := db.W.ExecContext(ctx, `UPDATE addresses SET released_at = released_at - 7200 WHERE vm_id = ?`, first.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.AllocateAddresses(ctx, waiting.ID, time.Hour); err != nil {
		t.Fatalf("after the quarantine: %v", err)
	}
	got, err := db.VMByID(ctx, waiting.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PublicIP != first.PublicIP {
		t.Fatalf("the waiting order got %q, want the freed %s", got.PublicIP, first.PublicIP)
	}
	if got.PublicIPv6 == "" || got.PublicIPv6 == first.PublicIPv6 {
		t.Fatalf("IPv6 %q reused or missing (the first VM had %s)", got.PublicIPv6, first.PublicIPv6)
	}
	pools, err := db.Pools(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		if p.Live != 1 || p.Quarantined != 0 {
			t.Fatalf("pool %s: live %d quarantined %d, want 1 and 0", p.Network, p.Live, p.Quarantined)
		}
	}
}

// Two live VMs never share a MAC; the store says so, and the caller draws again.
func TestALiveMACIsNeverShared(t *testing.T) {
	ctx := context.Background()
	db, u := poolDB(t, 5)
	if _, _, err := orderVM(ctx, db, u, 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, _, err := orderVM(ctx, db, u, 1, time.Hour); !errors.Is(err, store.ErrMACTaken) {
		t.Fatalf("a second VM with the same MAC: %v", err)
	}
}

func TestPoolsAreChecked(t *testing.T) {
	for _, p := range []store.Pool{
		{Network: "198.51.100.0/33"},
		{Network: "198.51.100.0/24", Gateway: "203.0.113.1"},
		{Network: "198.51.100.0/24", First: "198.51.100.50", Last: "198.51.100.40"},
		{Network: "198.51.100.0/24", Last: "198.51.101.3"},
		{Network: "2001:db8::/64", Resolvers: []string{"not-an-address"}},
	} {
		if _, err := store.CheckPool(p); err == nil {
			t.Errorf("pool %+v accepted", p)
		}
	}
	p, err := store.CheckPool(store.Pool{Network: "198.51.100.7/24", Gateway: "198.51.100.1"})
	if err != nil || p.Network != "198.51.100.0/24" || p.First != "198.51.100.1" || p.Last != "198.51.100.254" || p.Family != 4 {
		t.Fatalf("default range: %+v, %v", p, err)
	}
}

// A region's network from before pools (migration 0015) hands out its hosts:
// the range is filled in as for a pool added without one.
func TestARegionsNetworkBecomesAPoolWithItsHosts(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	if err := db.UpsertRegion(ctx, store.Region{Slug: "old", NameFA: "ق", NameEN: "Old"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, `INSERT INTO address_pools (region, family, network, gateway, created_at) VALUES ('old', 4, '203.0.113.0/24', '203.0.113.1', 0)`); err != nil {
		t.Fatal(err)
	}
	pools, err := db.Pools(ctx, time.Hour)
	if err != nil || len(pools) != 1 || pools[0].First != "203.0.113.1" || pools[0].Last != "203.0.113.254" || pools[0].Size != 254 {
		t.Fatalf("migrated pool: %+v, %v", pools, err)
	}
	kept, err := db.PrunePools(ctx, "old", []string{"198.51.100.0/24"})
	if err != nil || len(kept) != 0 {
		t.Fatalf("prune: kept %v, %v", kept, err)
	}
	if pools, _ := db.Pools(ctx, time.Hour); len(pools) != 0 {
		t.Fatalf("an unused pool outside the kept networks stayed: %+v", pools)
	}
}

// A customer's user_data is kept until the first build is done, then deleted.
func TestUserDataIsForgottenOnceTheVMIsBuilt(t *testing.T) {
	ctx := context.Background()
	db, u := poolDB(t, 3)
	for _, finish := range []bool{true, false} {
		vm, _, _, err := db.CreateVMOrder(ctx, store.NewVMOrder{VM: store.VM{UUID: uuid.NewString(), UserID: u.ID,
			DisplayName: "ud", Hostname: "ud", PlanSlug: "p", OSTemplateSlug: "t", Region: "thr", VCPUs: 1, MemoryMB: 256, DiskGB: 1},
			AmountRials: 10, Quarantine: time.Hour, UserData: "#!/bin/sh\necho secret\n"})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := db.OrderUserData(ctx, vm.ID); got != "#!/bin/sh\necho secret\n" {
			t.Fatalf("user_data before the build: %q", got)
		}
		o, err := db.OrderForVM(ctx, vm.ID)
		if err != nil {
			t.Fatal(err)
		}
		if finish {
			err = db.FinishOrder(ctx, o.ID, time.Now())
		} else {
			_, err = db.FailOrder(ctx, o.ID, "given up")
		}
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := db.OrderUserData(ctx, vm.ID); got != "" {
			t.Fatalf("user_data kept after the order ended (finished: %v): %q", finish, got)
		}
	}
}
