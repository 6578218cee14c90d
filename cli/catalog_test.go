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

// The operator keeps plans and regions from the command line through the
// Plans and Regions pages' services: a plan added, renamed, repriced,
// disabled (refused to new orders) and enabled again; a bad price or size
// refused naming its flag; a region added with its first pool, disabled and
// enabled; each with a table for people and --json for scripts, audited as
// done at the machine.
func TestTheOperatorKeepsPlansAndRegionsFromTheCommandLine(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "abrak.db")
	run := func(f func(context.Context, []string, io.Writer) error, args ...string) (string, error) {
		var out bytes.Buffer
		err := f(ctx, append([]string{"--db", path}, args...), &out)
		return out.String(), err
	}
	if _, err := run(adminPlans); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Plans.
	out, err := run(adminAddPlan, "--slug", "s-2", "--name-en", "Small", "--name-fa", "کوچک", "--vcpus", "2", "--memory-mb", "2048",
		"--disk-gb", "40", "--price-hourly-rials", "5000", "--json")
	var got struct {
		Plans []cliPlan `json:"plans"`
	}
	if err != nil || json.Unmarshal([]byte(out), &got) != nil || len(got.Plans) != 1 || got.Plans[0].PriceMonthly != 5000*730 || !got.Plans[0].Active {
		t.Fatalf("add-plan --json: %v %q", err, out)
	}
	if _, err := run(adminAddPlan, "--slug", "s-3", "--vcpus", "0", "--memory-mb", "2048", "--disk-gb", "40", "--price-hourly-rials", "5005"); err == nil ||
		!strings.Contains(err.Error(), "--vcpus") || !strings.Contains(err.Error(), "--price-hourly-rials") {
		t.Errorf("a plan with no vCPU and a price in part-toman: %v", err)
	}
	if _, err := db.Plan(ctx, "s-3"); err == nil {
		t.Error("a refused plan was stored")
	}
	if _, err := run(adminAddPlan, "--slug", "s-2", "--name-en", "X", "--name-fa", "X", "--vcpus", "1", "--memory-mb", "512", "--disk-gb", "10"); err == nil || !strings.Contains(err.Error(), "--slug") {
		t.Errorf("a plan's slug taken twice: %v", err)
	}
	if out, err := run(adminSetPlan, "--slug", "s-2", "--name-en", "Small plus", "--price-hourly-rials", "6000", "--disabled"); err != nil ||
		!strings.Contains(out, "Small plus") || !strings.Contains(out, "disabled") || !strings.Contains(out, "4380000") {
		t.Errorf("set-plan: %v %q", err, out)
	}
	if p, _ := db.Plan(ctx, "s-2"); p.Active || p.PriceHourlyRials != 6000 || p.NameEN != "Small plus" || p.NameFA != "کوچک" {
		t.Errorf("after set-plan: %+v", p)
	}
	if _, err := run(adminSetPlan, "--slug", "s-2", "--enabled"); err != nil {
		t.Errorf("set-plan --enabled: %v", err)
	}
	if p, _ := db.Plan(ctx, "s-2"); !p.Active {
		t.Error("set-plan --enabled left it disabled")
	}
	if _, err := run(adminSetPlan, "--slug", "no-such", "--enabled"); err == nil {
		t.Error("set-plan on a plan that does not exist succeeded")
	}
	if out, err := run(adminPlans); err != nil || !strings.Contains(out, "RIALS/MONTH") || !strings.Contains(out, "s-2") {
		t.Errorf("plans: %v %q", err, out)
	}

	// Regions.
	out, err = run(adminAddRegion, "--slug", "thr-1", "--name-en", "Tehran", "--name-fa", "تهران", "--network", "203.0.113.0/24", "--gateway", "203.0.113.1")
	if err != nil || !strings.Contains(out, "thr-1") || !strings.Contains(out, "203.0.113.0/24") || !strings.Contains(out, "enabled") {
		t.Errorf("add-region: %v %q", err, out)
	}
	if _, err := run(adminAddRegion, "--slug", "bad", "--network", "not-a-cidr"); err == nil || !strings.Contains(err.Error(), "--network") {
		t.Errorf("a region with a bad network: %v", err)
	}
	if _, err := db.Region(ctx, "bad"); err == nil {
		t.Error("a refused region was stored")
	}
	if _, err := run(adminSetRegion, "--slug", "thr-1", "--disabled"); err != nil {
		t.Errorf("set-region --disabled: %v", err)
	}
	var regions struct {
		Regions []cliRegion `json:"regions"`
	}
	out, err = run(adminRegions, "--json")
	if err != nil || json.Unmarshal([]byte(out), &regions) != nil || len(regions.Regions) != 1 || !regions.Regions[0].Disabled {
		t.Errorf("regions --json after disabling: %v %q", err, out)
	}
	if _, err := run(adminSetRegion, "--slug", "thr-1", "--enabled"); err != nil {
		t.Errorf("set-region --enabled: %v", err)
	}
	if r, _ := db.Region(ctx, "thr-1"); r.Disabled {
		t.Error("set-region --enabled left it disabled")
	}
	if _, err := run(adminSetRegion, "--slug", "thr-1"); err == nil {
		t.Error("set-region with neither --disabled nor --enabled succeeded")
	}
	if _, err := run(adminSetRegion, "--slug", "thr-1", "--name-en", "Tehran West"); err != nil {
		t.Errorf("set-region --name-en: %v", err)
	}
	if r, _ := db.Region(ctx, "thr-1"); r.NameEN != "Tehran West" || r.NameFA != "تهران" {
		t.Errorf("set-region --name-en: the names are %q / %q", r.NameFA, r.NameEN)
	}
	if _, err := run(adminSetRegion, "--slug", "thr-1", "--name-fa", " "); err == nil || !strings.Contains(err.Error(), "--name-fa") {
		t.Errorf("set-region with an empty --name-fa: %v", err)
	}
	if r, _ := db.Region(ctx, "thr-1"); r.NameFA != "تهران" {
		t.Errorf("a refused rename stored %q", r.NameFA)
	}

	// Audited as done at the machine.
	var n int
	if err := db.W.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE via = 'cli' AND action IN
		('admin.plan_create','admin.plan_edit','admin.plan_disable','admin.plan_enable','admin.region_create','admin.region_disable','admin.region_enable')`).Scan(&n); err != nil || n != 7 {
		t.Errorf("%d audit entries (%v), want 7", n, err)
	}
}
