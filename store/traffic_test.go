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

// Traffic is counted in both calendars as it happens: 30 November 2026 at
// 23:00 UTC is already 10 Azar 1405 in Tehran, so it is November's in UTC and
// Azar's in the Jalali count, and 1 December is both December's and Azar's.
func TestTrafficIsCountedInJalaliMonthsToo(t *testing.T) {
	ctx := context.Background()
	db, u := poolDB(t, 2)
	vm, _, err := orderVM(ctx, db, u, 1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	late := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)
	for i, s := range []store.TrafficSample{{VMID: vm.ID, DomainID: 1, Received: 1000, Sent: 100}, {VMID: vm.ID, DomainID: 1, Received: 1500, Sent: 160}} {
		if err := db.RecordTraffic(ctx, []store.TrafficSample{s}, late.Add(time.Duration(i)*2*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		month  string
		read   func(context.Context, int64, string) (int64, int64, error)
		rx, tx int64
	}{
		{"2026-11", db.Traffic, 1000, 100},
		{"2026-12", db.Traffic, 500, 60},
		{"1405-09", db.JalaliTraffic, 1500, 160},
		{"1405-08", db.JalaliTraffic, 0, 0},
	} {
		rx, tx, err := c.read(ctx, vm.ID, c.month)
		if err != nil || rx != c.rx || tx != c.tx {
			t.Errorf("%s: %d received, %d sent (%v), want %d and %d", c.month, rx, tx, err, c.rx, c.tx)
		}
	}
	if got := store.JalaliTrafficMonth(late); got != "1405-09" {
		t.Errorf("30 November 2026 23:00 UTC is in Jalali month %s, want 1405-09", got)
	}
}
