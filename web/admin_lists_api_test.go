package web_test

import (
	"encoding/json"
	"slices"
	"testing"

	"abrak/store"
	"abrak/testkit"
)

// The catalog's JSON twins take the pages' q, sort, desc, limit and offset
// and answer how many match: plans by price either way, one page of them,
// found by part of a name; regions found by network. A sort the list does
// not know is a 422 naming sort, as the customers' list answers; every
// answer is the documented one.
func TestTheAdminDoorSortsSearchesAndPagesTheCatalog(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	if err := a.DB.UpsertPlan(t.Context(), store.Plan{Slug: "mini", NameFA: "کوچولو", NameEN: "Mini", VCPUs: 1, MemoryMB: 512, DiskGB: 10, PriceHourlyRials: 1_000, Sort: 3, Active: true}); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.UpsertRegion(t.Context(), store.Region{Slug: "mhd", NameFA: "مشهد", NameEN: "Mashhad", IPNetwork: "203.0.113.0/24", Gateway: "203.0.113.1"}); err != nil {
		t.Fatal(err)
	}
	admin, _, _ := adminTokens(t, a)
	runAdminAPI(t, a, []adminAPIRow{
		{"GET", "/api/v1/admin/plans?sort=price&desc=true&limit=2", "", admin, "", 200},
		{"GET", "/api/v1/admin/plans?sort=price_hourly_rials", "", admin, "", 422},
		{"GET", "/api/v1/admin/regions?q=203.0.113", "", admin, "", 200},
		{"GET", "/api/v1/admin/regions?sort=nope", "", admin, "", 422},
		{"GET", "/api/v1/admin/templates?q=deb&sort=name", "", admin, "", 200},
		{"GET", "/api/v1/admin/pools?sort=free&desc=1", "", admin, "", 200},
		{"GET", "/api/v1/admin/vms?sort=owner", "", admin, "", 200},
		{"GET", "/api/v1/admin/vms?sort=v.id", "", admin, "", 422},
		{"GET", "/api/v1/admin/orders?sort=since&desc=true", "", admin, "", 200},
		{"GET", "/api/v1/admin/orders?sort=o.id", "", admin, "", 422},
	})
	type list struct {
		Plans   []struct{ Slug string }
		Regions []struct{ Slug string }
		Meta    struct{ Total, Limit, Offset int }
	}
	read := func(path string) list {
		t.Helper()
		r := a.APICall(t, "GET", path, admin, "")
		var l list
		if err := json.Unmarshal([]byte(r.Body), &l); err != nil {
			t.Fatalf("%s: %v %s", path, err, r.Body)
		}
		return l
	}
	slugs := func(l list) []string {
		var out []string
		for _, p := range l.Plans {
			out = append(out, p.Slug)
		}
		for _, r := range l.Regions {
			out = append(out, r.Slug)
		}
		return out
	}
	if l := read("/api/v1/admin/plans?sort=price&desc=true"); !slices.Equal(slugs(l), []string{"pro", "starter", "mini"}) || l.Meta.Total != 3 {
		t.Errorf("plans by price, highest first: %q of %d", slugs(l), l.Meta.Total)
	}
	if l := read("/api/v1/admin/plans?sort=price&limit=1&offset=1"); !slices.Equal(slugs(l), []string{"starter"}) || l.Meta.Total != 3 || l.Meta.Offset != 1 {
		t.Errorf("the second page of one plan by price: %q, %+v", slugs(l), l.Meta)
	}
	if l := read("/api/v1/admin/plans?q=MINI"); !slices.Equal(slugs(l), []string{"mini"}) || l.Meta.Total != 1 {
		t.Errorf("plans found by name: %q of %d", slugs(l), l.Meta.Total)
	}
	if l := read("/api/v1/admin/regions?q=203.0.113"); !slices.Equal(slugs(l), []string{"mhd"}) || l.Meta.Total != 1 {
		t.Errorf("regions found by network: %q of %d", slugs(l), l.Meta.Total)
	}
}
