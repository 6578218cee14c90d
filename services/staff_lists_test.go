package services_test

import (
	"slices"
	"testing"

	"abrak/services"
	"abrak/store"
)

// names is a list's rows as a reader reads them down the table.
func names[T any](rows []T, name func(T) string) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, name(r))
	}
	return out
}

func wantOrder(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: %q, want %q", what, got, want)
	}
}

// The catalog lists of the operator's pages (plans, regions, nodes,
// templates, pools): a whitelisted column orders the rows either way, a
// sort the list does not know leaves the rows in their own order, a search
// narrows them (and counts what it found), and a page is a slice of it.
func TestCatalogListsSortSearchAndPage(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	p := e.openReady(true)
	staff := e.staff(p)
	admin := services.OperatorOnMachine()
	ana := e.customer("ana@example.com", 1_000_000)
	support := asSupport(ana)
	_, err := p.Create(e.ctx, ana, vmOrder("web"))
	must(t, err)

	// Plans: tiny (5,000), and two more.
	for _, in := range []services.PlanInput{
		{Slug: "zz-big", NameFA: "بزرگ", NameEN: "Big", VCPUs: 8, MemoryMB: 16384, DiskGB: 160, PriceHourlyRials: 900_000},
		{Slug: "aa-mid", NameFA: "میانه", NameEN: "Middle", VCPUs: 2, MemoryMB: 2048, DiskGB: 40, PriceHourlyRials: 50_000},
	} {
		_, err := staff.CreatePlan(e.ctx, admin, in)
		must(t, err)
	}
	slug := func(p services.StaffPlan) string { return p.Slug }
	plans := func(q services.ListQuery) []string {
		t.Helper()
		rows, _, err := staff.FindPlans(e.ctx, support, q)
		must(t, err)
		return names(rows, slug)
	}
	wantOrder(t, "plans by price", plans(services.ListQuery{Sort: "price"}), []string{"tiny", "aa-mid", "zz-big"})
	wantOrder(t, "plans by price, highest first", plans(services.ListQuery{Sort: "price", Desc: true}), []string{"zz-big", "aa-mid", "tiny"})
	wantOrder(t, "plans by slug", plans(services.ListQuery{Sort: "slug"}), []string{"aa-mid", "tiny", "zz-big"})
	all, err := staff.Plans(e.ctx, support)
	must(t, err)
	wantOrder(t, "plans by an unknown sort", plans(services.ListQuery{Sort: "price_hourly_rials; DROP TABLE plans"}), names(all, slug))
	rows, total, err := staff.FindPlans(e.ctx, support, services.ListQuery{Q: "MIDD"})
	must(t, err)
	if total != 1 || len(rows) != 1 || rows[0].Slug != "aa-mid" {
		t.Errorf("plans found by part of a name: %d %q", total, names(rows, slug))
	}
	rows, total, err = staff.FindPlans(e.ctx, support, services.ListQuery{Sort: "slug", Limit: 1, Offset: 1})
	must(t, err)
	if total != 3 || !slices.Equal(names(rows, slug), []string{"tiny"}) {
		t.Errorf("the second page of one plan: %d %q", total, names(rows, slug))
	}
	if _, _, err := staff.FindPlans(e.ctx, ana, services.ListQuery{}); errStatus(err) != 403 {
		t.Errorf("a customer read the plans: %v", err)
	}

	// Regions: thr-t holds the VM and the node; mhd is new and empty.
	_, err = staff.CreateRegion(e.ctx, admin, services.RegionInput{Slug: "mhd", NameFA: "مشهد", NameEN: "Mashhad", Network: "203.0.113.0/24", Gateway: "203.0.113.1"})
	must(t, err)
	rslug := func(r services.StaffRegion) string { return r.Slug }
	regions, _, err := staff.FindRegions(e.ctx, support, services.ListQuery{Sort: "vms", Desc: true})
	must(t, err)
	wantOrder(t, "regions by VMs, most first", names(regions, rslug), []string{vmtRegion, "mhd"})
	regions, _, err = staff.FindRegions(e.ctx, support, services.ListQuery{Sort: "vms"})
	must(t, err)
	wantOrder(t, "regions by VMs", names(regions, rslug), []string{"mhd", vmtRegion})
	regions, total, err = staff.FindRegions(e.ctx, support, services.ListQuery{Q: "203.0.113"})
	must(t, err)
	if total != 1 || regions[0].Slug != "mhd" {
		t.Errorf("regions found by network: %q", names(regions, rslug))
	}

	// Nodes: test-1 and two more, by name either way, found by name.
	for _, name := range []string{"b-node", "a-node"} {
		_, err := e.db.UpsertNode(e.ctx, store.Node{Name: name, Region: "mhd", URI: "test+unix:///default?socket=/nonexistent", Enabled: true})
		must(t, err)
	}
	nname := func(n services.StaffNode) string { return n.Name }
	nodes, _, err := staff.FindNodes(e.ctx, support, services.NodeFilter{Sort: "name"})
	must(t, err)
	wantOrder(t, "nodes by name", names(nodes, nname), []string{"a-node", "b-node", "test-1"})
	nodes, _, err = staff.FindNodes(e.ctx, support, services.NodeFilter{Sort: "name", Desc: true})
	must(t, err)
	wantOrder(t, "nodes by name, last first", names(nodes, nname), []string{"test-1", "b-node", "a-node"})
	nodes, total, err = staff.FindNodes(e.ctx, support, services.NodeFilter{Q: "MHD", Sort: "nonsense"})
	must(t, err)
	if total != 2 {
		t.Errorf("nodes found by region: %q", names(nodes, nname))
	}

	// Templates: by name, found by slug.
	must(t, e.db.UpsertOSTemplate(e.ctx, store.OSTemplate{Slug: "alpine", Name: "Alpine", Volume: "alpine.qcow2", MinDiskGB: 1, Active: true}))
	tname := func(t services.StaffTemplate) string { return t.Slug }
	tms, _, err := staff.FindTemplates(e.ctx, support, services.ListQuery{Sort: "name", Desc: true})
	must(t, err)
	wantOrder(t, "templates by name, last first", names(tms, tname), []string{vmtTemplate, "alpine"})
	tms, total, err = staff.FindTemplates(e.ctx, support, services.ListQuery{Q: "alp"})
	must(t, err)
	if total != 1 || tms[0].Slug != "alpine" {
		t.Errorf("templates found by slug: %q", names(tms, tname))
	}

	// Pools: by network, found by a CIDR's part.
	for _, n := range []string{"198.51.100.0/24", "192.0.2.0/27"} {
		_, err := e.db.AddPool(e.ctx, store.Pool{Region: vmtRegion, Network: n})
		must(t, err)
	}
	pnet := func(p services.StaffPool) string { return p.Network }
	pools, _, err := staff.FindPools(e.ctx, support, services.ListQuery{Q: "19", Sort: "network"})
	must(t, err)
	wantOrder(t, "pools by network", names(pools, pnet), []string{"192.0.2.0/27", "198.51.100.0/24"})
	pools, total, err = staff.FindPools(e.ctx, support, services.ListQuery{Q: "198.51"})
	must(t, err)
	if total != 1 || pools[0].Network != "198.51.100.0/24" {
		t.Errorf("pools found by network: %q", names(pools, pnet))
	}
}

// The operator's VMs and orders sort in SQL by a whitelisted column only: a
// sort it does not know is the list's own order (newest VM first, oldest
// waiting order first), never a piece of the query.
func TestStaffVMsAndOrdersSortByAWhitelistedColumn(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	p := e.openReady(false)
	staff := e.staff(p).WithAccounts(nil, p.VMs)
	admin := services.OperatorOnMachine()
	ana := e.customer("ana@example.com", 1_000_000)
	bob := e.customer("bob@example.com", 1_000_000)
	for _, n := range []string{"web", "api", "mail"} {
		_, err := p.Create(e.ctx, ana, vmOrder(n))
		must(t, err)
	}
	vname := func(v services.StaffVM) string { return v.Name }
	vms := func(f services.StaffVMFilter) []string {
		t.Helper()
		f.Limit = 10
		rows, _, err := staff.VMs(e.ctx, admin, f)
		must(t, err)
		return names(rows, vname)
	}
	wantOrder(t, "VMs by name", vms(services.StaffVMFilter{Sort: "name"}), []string{"api", "mail", "web"})
	wantOrder(t, "VMs by name, last first", vms(services.StaffVMFilter{Sort: "name", Desc: true}), []string{"web", "mail", "api"})
	wantOrder(t, "VMs by an unknown sort", vms(services.StaffVMFilter{Sort: "v.id; DROP TABLE vms"}), []string{"mail", "api", "web"})
	wantOrder(t, "VMs found by name", vms(services.StaffVMFilter{Q: "ap", Sort: "name"}), []string{"api"})

	// The three VMs' orders wait (no worker builds them), then bob's and
	// ana's with the only node in maintenance; in the same second, the
	// order's id breaks the tie.
	_, err := staff.SetNodeMaintenance(e.ctx, admin, e.node.ID, services.MaintenanceInput{On: true})
	must(t, err)
	for _, who := range []services.Principal{bob, ana} {
		if _, err := p.Create(e.ctx, who, vmOrder("waits")); errStatus(err) != 503 {
			t.Fatalf("the order did not wait: %v", err)
		}
	}
	owner := func(o services.StaffOrder) string { return o.OwnerEmail }
	orders := func(f services.StaffOrderFilter) []string {
		t.Helper()
		f.Limit = 10
		rows, _, err := staff.Orders(e.ctx, admin, f)
		must(t, err)
		return names(rows, owner)
	}
	const A, B = "ana@example.com", "bob@example.com"
	wantOrder(t, "orders by owner", orders(services.StaffOrderFilter{Sort: "owner"}), []string{A, A, A, A, B})
	wantOrder(t, "orders by owner, last first", orders(services.StaffOrderFilter{Sort: "owner", Desc: true}), []string{B, A, A, A, A})
	wantOrder(t, "orders by an unknown sort (oldest first)", orders(services.StaffOrderFilter{Sort: "1; DROP TABLE orders"}), []string{A, A, A, B, A})
	wantOrder(t, "orders by since, newest first", orders(services.StaffOrderFilter{Sort: "since", Desc: true}), []string{A, B, A, A, A})
	wantOrder(t, "orders found by owner", orders(services.StaffOrderFilter{Q: "bob"}), []string{B})
}
