package store_test

import (
	"context"
	"testing"
	"time"

	"abrak/store"
)

// A month's traffic is what the counters grew by, across a restart of the domain
// (new id, counters from zero) and repeated samples of unchanged counters; a new
// month starts from zero.
func TestTrafficSurvivesRestartsOfTheDomain(t *testing.T) {
	ctx := context.Background()
	db, u := poolDB(t, 2)
	vm, _, err := orderVM(ctx, db, u, 1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dec := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	steps := []store.TrafficSample{
		{VMID: vm.ID, DomainID: 7, Received: 1000, Sent: 100},
		{VMID: vm.ID, DomainID: 7, Received: 5000, Sent: 300},
		{VMID: vm.ID, DomainID: 7, Received: 5000, Sent: 300}, // nothing new
		{VMID: vm.ID, DomainID: 8, Received: 200, Sent: 20},   // restarted
		{VMID: vm.ID, DomainID: 8, Received: 700, Sent: 70},
	}
	for i, s := range steps {
		if err := db.RecordTraffic(ctx, []store.TrafficSample{s}, dec.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	rx, tx, err := db.Traffic(ctx, vm.ID, "2026-12")
	if err != nil || rx != 5700 || tx != 370 {
		t.Fatalf("December: rx %d tx %d (%v), want 5700 and 370", rx, tx, err)
	}
	jan := time.Date(2027, 1, 1, 0, 5, 0, 0, time.UTC)
	if err := db.RecordTraffic(ctx, []store.TrafficSample{{VMID: vm.ID, DomainID: 8, Received: 900, Sent: 75}}, jan); err != nil {
		t.Fatal(err)
	}
	if rx, tx, _ := db.Traffic(ctx, vm.ID, "2027-01"); rx != 200 || tx != 5 {
		t.Fatalf("January: rx %d tx %d, want 200 and 5", rx, tx)
	}
	if rx, _, _ := db.Traffic(ctx, vm.ID, "2026-12"); rx != 5700 {
		t.Fatalf("December changed to %d", rx)
	}
}
