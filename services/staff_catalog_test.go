package services_test

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
)

func auditCount(t *testing.T, e *vmEnv, action string) int {
	t.Helper()
	var n int
	must(t, e.db.R.QueryRow(`SELECT count(*) FROM audit_events WHERE action = ?`, action).Scan(&n))
	return n
}

// A plan in the operator's hands: support reads the plans but may not add,
// reprice or disable one; an admin does, each change audited. Disabling the
// plan a live VM is on keeps the VM on it (running, still on the plan) while
// new orders of it are refused with the plan named; offered again, it is
// ordered again.
func TestADisabledPlanKeepsItsVMsAndIsRefusedToNewOrders(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	p := e.openReady(true)
	staff := e.staff(p)
	admin := services.OperatorOnMachine()
	ana := e.customer("ana@example.com", 1_000_000)
	support := asSupport(ana)

	vm, err := p.Create(e.ctx, ana, vmOrder("web"))
	must(t, err)

	if _, err := staff.Plans(e.ctx, support); err != nil {
		t.Fatalf("support reads the plans: %v", err)
	}
	if _, err := staff.Plans(e.ctx, ana); errStatus(err) != http.StatusForbidden {
		t.Fatalf("a customer read the operator's plans: %v", err)
	}
	refused := map[string]error{}
	_, refused["create"] = staff.CreatePlan(e.ctx, support, services.PlanInput{Slug: "big", NameFA: "بزرگ", NameEN: "Big", VCPUs: 4, MemoryMB: 8192, DiskGB: 80, PriceHourlyRials: 90_000})
	_, refused["edit"] = staff.EditPlan(e.ctx, support, vmtPlan, services.PlanInput{NameFA: "x", NameEN: "x", PriceHourlyRials: 10})
	_, refused["disable"] = staff.SetPlanActive(e.ctx, support, vmtPlan, false)
	for what, err := range refused {
		if errStatus(err) != http.StatusForbidden {
			t.Errorf("support's %s of a plan: %v, want 403", what, err)
		}
	}

	pl, err := staff.SetPlanActive(e.ctx, admin, vmtPlan, false)
	must(t, err)
	if pl.Active || pl.VMs != 1 {
		t.Fatalf("the disabled plan reads %+v, want inactive with its 1 VM", pl)
	}
	if got := e.vm(vm.UUID); got.PlanSlug != vmtPlan || got.Status == "destroyed" {
		t.Fatalf("the VM on the disabled plan is %s on %q", got.Status, got.PlanSlug)
	}
	offered, err := p.Plans(e.ctx)
	must(t, err)
	if slices.ContainsFunc(offered, func(x services.Plan) bool { return x.Slug == vmtPlan }) {
		t.Error("the order form still offers the disabled plan")
	}
	_, err = p.Create(e.ctx, ana, vmOrder("refused"))
	wantStatus(t, err, http.StatusUnprocessableEntity, "plan_slug")

	_, err = staff.SetPlanActive(e.ctx, admin, vmtPlan, true)
	must(t, err)
	if _, err := p.Create(e.ctx, ana, vmOrder("again")); err != nil {
		t.Fatalf("an order of the plan offered again: %v", err)
	}

	// Added, then repriced; a price that is not whole toman, a taken slug and
	// a bad size are refused with the field named.
	_, err = staff.CreatePlan(e.ctx, admin, services.PlanInput{Slug: "big", NameFA: "بزرگ", NameEN: "Big", VCPUs: 4, MemoryMB: 8192, DiskGB: 80, PriceHourlyRials: 90_000})
	must(t, err)
	_, err = staff.CreatePlan(e.ctx, admin, services.PlanInput{Slug: "big", NameFA: "ب", NameEN: "B", VCPUs: 1, MemoryMB: 512, DiskGB: 10})
	wantStatus(t, err, http.StatusUnprocessableEntity, "slug")
	_, err = staff.CreatePlan(e.ctx, admin, services.PlanInput{Slug: "odd", NameFA: "ب", NameEN: "B", VCPUs: 0, MemoryMB: 512, DiskGB: 10})
	wantStatus(t, err, http.StatusUnprocessableEntity, "vcpus")
	_, err = staff.EditPlan(e.ctx, admin, "big", services.PlanInput{NameFA: "بزرگ", NameEN: "Big", PriceHourlyRials: 95_005})
	wantStatus(t, err, http.StatusUnprocessableEntity, "price_hourly_rials")
	big, err := staff.EditPlan(e.ctx, admin, "big", services.PlanInput{NameFA: "بزرگ", NameEN: "Large", PriceHourlyRials: 95_000})
	must(t, err)
	if big.NameEN != "Large" || big.PriceHourlyRials != 95_000 || !big.Active {
		t.Errorf("the edited plan reads %+v", big.Plan)
	}
	if _, err := staff.SetPlanActive(e.ctx, admin, "nope", false); errStatus(err) != http.StatusNotFound {
		t.Errorf("an unknown plan: %v, want 404", err)
	}
	for action, want := range map[string]int{"admin.plan_disable": 1, "admin.plan_enable": 1, "admin.plan_create": 1, "admin.plan_edit": 1} {
		if n := auditCount(t, e, action); n != want {
			t.Errorf("%d %s audit rows, want %d", n, action, want)
		}
	}
}

// A disabled region: support may not disable one; an admin does (audited),
// and an order naming it is refused on region while the VM already there
// stays; the customers' list of regions leaves it out. A new region needs a
// slug of its own and a sound network, which becomes its first pool.
func TestADisabledRegionIsRefusedToNewOrders(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	p := e.openReady(true)
	staff := e.staff(p)
	admin := services.OperatorOnMachine()
	ana := e.customer("ana@example.com", 1_000_000)
	support := asSupport(ana)
	vm, err := p.Create(e.ctx, ana, vmOrder("web"))
	must(t, err)

	if _, err := staff.SetRegionDisabled(e.ctx, support, vmtRegion, true); errStatus(err) != http.StatusForbidden {
		t.Fatalf("support disabled a region: %v", err)
	}
	if _, err := staff.CreateRegion(e.ctx, support, services.RegionInput{Slug: "mhd", NameFA: "مشهد", NameEN: "Mashhad"}); errStatus(err) != http.StatusForbidden {
		t.Fatalf("support added a region: %v", err)
	}
	r, err := staff.SetRegionDisabled(e.ctx, admin, vmtRegion, true)
	must(t, err)
	if !r.Disabled || r.VMs != 1 || r.Nodes != 1 {
		t.Fatalf("the disabled region reads %+v", r)
	}
	_, err = p.Create(e.ctx, ana, vmOrder("refused"))
	wantStatus(t, err, http.StatusUnprocessableEntity, "region")
	if got := e.vm(vm.UUID); got.Status == "destroyed" || got.Region != vmtRegion {
		t.Fatalf("the VM in the disabled region is %s in %s", got.Status, got.Region)
	}
	offered, err := p.Regions(e.ctx)
	must(t, err)
	if len(offered) != 0 {
		t.Errorf("the customers are offered %v, want no region", offered)
	}
	_, err = staff.SetRegionDisabled(e.ctx, admin, vmtRegion, false)
	must(t, err)
	if _, err := p.Create(e.ctx, ana, vmOrder("again")); err != nil {
		t.Fatalf("an order in the region offered again: %v", err)
	}

	_, err = staff.CreateRegion(e.ctx, admin, services.RegionInput{Slug: vmtRegion, NameFA: "ت", NameEN: "T"})
	wantStatus(t, err, http.StatusUnprocessableEntity, "slug")
	_, err = staff.CreateRegion(e.ctx, admin, services.RegionInput{Slug: "mhd", NameFA: "مشهد", NameEN: "Mashhad", Network: "198.51.100.0/24", Gateway: "10.0.0.1"})
	wantStatus(t, err, http.StatusUnprocessableEntity, "network")
	_, err = staff.CreateRegion(e.ctx, admin, services.RegionInput{Slug: "mhd", NameFA: "مشهد", NameEN: "Mashhad", Network: "198.51.100.0/24", Gateway: "198.51.100.1"})
	must(t, err)
	pools, err := e.db.Pools(e.ctx, time.Hour)
	must(t, err)
	if !slices.ContainsFunc(pools, func(pl store.PoolUsage) bool { return pl.Region == "mhd" && pl.Network == "198.51.100.0/24" }) {
		t.Error("the new region's network is not its pool")
	}
	for action, want := range map[string]int{"admin.region_disable": 1, "admin.region_enable": 1, "admin.region_create": 1} {
		if n := auditCount(t, e, action); n != want {
			t.Errorf("%d %s audit rows, want %d", n, action, want)
		}
	}
}

// The templates page's states: an imported template reads ready, failed
// (with why) or missing on each node — missing too where a node holds only
// an older image; support may not disable it; disabled by an admin it is
// offered to no new order, the VM built from it keeps it, and the change is
// audited.
func TestTemplatesReadTheirStatePerNodeAndADisabledOneIsNotOffered(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	p := e.openReady(true)
	staff := e.staff(p)
	admin := services.OperatorOnMachine()
	ana := e.customer("ana@example.com", 1_000_000)
	support := asSupport(ana)
	vm, err := p.Create(e.ctx, ana, vmOrder("web"))
	must(t, err)

	must(t, e.db.UpsertOSTemplate(e.ctx, store.OSTemplate{Slug: "alpine", Name: "Alpine", Volume: "alpine-v2.qcow2", File: "/var/lib/abrak/alpine", SHA256: "ab12",
		MinDiskGB: 1, Active: true}))
	var ids []int64
	for _, name := range []string{"n-ready", "n-failed", "n-old", "n-none"} {
		n, err := e.db.UpsertNode(e.ctx, store.Node{Name: name, Region: vmtRegion, URI: "test+unix:///default?socket=/nonexistent", Enabled: true})
		must(t, err)
		ids = append(ids, n.ID)
	}
	must(t, e.db.SetTemplateVolume(e.ctx, "alpine", ids[0], "alpine-v2.qcow2", store.VolumeReady, ""))
	must(t, e.db.SetTemplateVolume(e.ctx, "alpine", ids[1], "alpine-v2.qcow2", store.VolumeFailed, "pool full"))
	must(t, e.db.SetTemplateVolume(e.ctx, "alpine", ids[2], "alpine-v1.qcow2", store.VolumeReady, ""))

	all, err := staff.Templates(e.ctx, support)
	must(t, err)
	want := map[string]string{"n-ready": "ready", "n-failed": "failed", "n-old": "missing", "n-none": "missing"}
	for _, tm := range all {
		switch tm.Slug {
		case "alpine":
			for _, on := range tm.Nodes {
				if w, ok := want[on.Node]; ok && on.State != w {
					t.Errorf("alpine on %s reads %s, want %s", on.Node, on.State, w)
				}
				if on.Node == "n-failed" && on.Error != "pool full" {
					t.Errorf("the failure on n-failed reads %q", on.Error)
				}
			}
		case vmtTemplate:
			if tm.VMs != 1 || len(tm.Nodes) != 0 {
				t.Errorf("the not imported template reads %d VMs on %v", tm.VMs, tm.Nodes)
			}
		}
	}

	if _, err := staff.SetTemplateActive(e.ctx, support, vmtTemplate, false); errStatus(err) != http.StatusForbidden {
		t.Fatalf("support disabled a template: %v", err)
	}
	_, err = staff.SetTemplateActive(e.ctx, admin, vmtTemplate, false)
	must(t, err)
	offered, err := p.OSTemplates(e.ctx)
	must(t, err)
	if slices.ContainsFunc(offered, func(x services.OSTemplate) bool { return x.Slug == vmtTemplate }) {
		t.Error("the disabled template is still offered")
	}
	_, err = p.Create(e.ctx, ana, vmOrder("refused"))
	wantStatus(t, err, http.StatusUnprocessableEntity, "os_template_slug")
	if got := e.vm(vm.UUID); got.OSTemplateSlug != vmtTemplate || got.Status == "destroyed" {
		t.Errorf("the VM of the disabled template is %s on %s", got.Status, got.OSTemplateSlug)
	}
	_, err = staff.SetTemplateActive(e.ctx, admin, vmtTemplate, true)
	must(t, err)
	if _, err := staff.SetTemplateActive(e.ctx, admin, "nope", true); errStatus(err) != http.StatusNotFound {
		t.Errorf("an unknown template: %v, want 404", err)
	}
	if auditCount(t, e, "admin.template_disable") != 1 || auditCount(t, e, "admin.template_enable") != 1 {
		t.Error("disabling and offering again are not audited once each")
	}
}

// addAddresses records n addresses of the pool held by vmID, released at
// released (nil: live).
func addAddresses(t *testing.T, e *vmEnv, poolID, vmID int64, prefix string, from, n int, released any) {
	t.Helper()
	for i := range n {
		_, err := e.db.W.Exec(`INSERT INTO addresses (pool_id, family, address, vm_id, assigned_at, released_at) VALUES (?, 4, ?, ?, ?, ?)`,
			poolID, prefix+strconv.Itoa(from+i), vmID, time.Now().Add(-2*time.Hour).Unix(), released)
		must(t, err)
	}
}

// The pools page's figures: per pool its live, resting and free addresses;
// a small pool with one address free of twenty is near full (less than a
// tenth, fewer than 16: the overview's rule), a large one with the same use
// is not, and an IPv6 prefix never is. Staff read them; a
// customer is refused.
func TestPoolsReadTheirUsageAndFlagTheNearlyFull(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	p := e.openReady(true)
	staff := e.staff(p)
	ana := e.customer("ana@example.com", 1_000_000)
	support := asSupport(ana)
	vm, err := p.Create(e.ctx, ana, vmOrder("web"))
	must(t, err)
	id := e.vm(vm.UUID).ID

	small, err := e.db.AddPool(e.ctx, store.Pool{Region: vmtRegion, Network: "192.0.2.0/27", First: "192.0.2.2", Last: "192.0.2.21"})
	must(t, err)
	large, err := e.db.AddPool(e.ctx, store.Pool{Region: vmtRegion, Network: "198.51.100.0/24"})
	must(t, err)
	v6, err := e.db.AddPool(e.ctx, store.Pool{Region: vmtRegion, Network: "2001:db8:ab::/64"})
	must(t, err)
	addAddresses(t, e, small.ID, id, "192.0.2.", 2, 16, nil)
	addAddresses(t, e, small.ID, id, "192.0.2.", 18, 3, time.Now().Add(-time.Minute).Unix())
	addAddresses(t, e, large.ID, id, "198.51.100.", 2, 2, nil)
	addAddresses(t, e, large.ID, id, "198.51.100.", 4, 1, time.Now().Add(-time.Minute).Unix())
	// Released longer ago than the quarantine: free again.
	addAddresses(t, e, large.ID, id, "198.51.100.", 5, 1, time.Now().Add(-2*time.Hour).Unix())

	if _, err := staff.Pools(e.ctx, ana); errStatus(err) != http.StatusForbidden {
		t.Fatalf("a customer read the pools: %v", err)
	}
	pools, err := staff.Pools(e.ctx, support)
	must(t, err)
	got := map[int64]services.StaffPool{}
	for _, pl := range pools {
		got[pl.ID] = pl
	}
	if s := got[small.ID]; s.Live != 16 || s.Quarantined != 3 || s.Free != 1 || s.Size != 20 || !s.NearFull {
		t.Errorf("the small pool reads %+v, want 16 live, 3 resting, 1 free of 20, near full", s)
	}
	if l := got[large.ID]; l.Live != 2 || l.Quarantined != 1 || l.Free != 254-3 || l.NearFull {
		t.Errorf("the large pool reads %+v, want 2 live, 1 resting, 251 free, not near full", l)
	}
	if x := got[v6.ID]; x.Free != -1 || x.NearFull {
		t.Errorf("the IPv6 pool reads %+v, want unbounded", x)
	}
}
