package services

import "context"

// The catalog pages' lists: searched, sorted by a whitelisted column and
// paged (list_page.go).

// PlanSorts are the columns the Plans page sorts by.
var PlanSorts = listSorts[StaffPlan]{
	"slug":   byFold(func(p StaffPlan) string { return p.Slug }),
	"vcpus":  by(func(p StaffPlan) int { return p.VCPUs }),
	"memory": by(func(p StaffPlan) int { return p.MemoryMB }),
	"disk":   by(func(p StaffPlan) int { return p.DiskGB }),
	"price":  by(func(p StaffPlan) int64 { return p.PriceHourlyRials }),
	"vms":    by(func(p StaffPlan) int { return p.VMs }),
}

// FindPlans is one page of plans: by slug or name.
func (s *Staff) FindPlans(ctx context.Context, p Principal, q ListQuery) ([]StaffPlan, int, error) {
	all, err := s.Plans(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	rows, total := listPage(all, q, PlanSorts, func(p StaffPlan) []string { return []string{p.Slug, p.NameFA, p.NameEN} })
	return rows, total, nil
}

// RegionSorts are the columns the Regions page sorts by.
var RegionSorts = listSorts[StaffRegion]{
	"slug":  byFold(func(r StaffRegion) string { return r.Slug }),
	"nodes": by(func(r StaffRegion) int { return r.Nodes }),
	"vms":   by(func(r StaffRegion) int { return r.VMs }),
}

// FindRegions is one page of regions: by slug, name or network.
func (s *Staff) FindRegions(ctx context.Context, p Principal, q ListQuery) ([]StaffRegion, int, error) {
	all, err := s.Regions(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	rows, total := listPage(all, q, RegionSorts, func(r StaffRegion) []string { return []string{r.Slug, r.NameFA, r.NameEN, r.IPNetwork} })
	return rows, total, nil
}

// TemplateSorts are the columns the Templates page sorts by.
var TemplateSorts = listSorts[StaffTemplate]{
	"slug": byFold(func(t StaffTemplate) string { return t.Slug }),
	"name": byFold(func(t StaffTemplate) string { return t.Name }),
	"vms":  by(func(t StaffTemplate) int { return t.VMs }),
}

// FindTemplates is one page of OS templates and ISOs: by slug or name.
func (s *Staff) FindTemplates(ctx context.Context, p Principal, q ListQuery) ([]StaffTemplate, int, error) {
	all, err := s.Templates(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	rows, total := listPage(all, q, TemplateSorts, func(t StaffTemplate) []string { return []string{t.Slug, t.Name} })
	return rows, total, nil
}

// PoolSorts are the columns the Pools page sorts by.
var PoolSorts = listSorts[StaffPool]{
	"region":  byFold(func(p StaffPool) string { return p.Region }),
	"network": byFold(func(p StaffPool) string { return p.Network }),
	"live":    by(func(p StaffPool) int { return p.Live }),
	"free":    by(func(p StaffPool) int64 { return p.Free }),
}

// FindPools is one page of address pools: by region, network (CIDR) or gateway.
func (s *Staff) FindPools(ctx context.Context, p Principal, q ListQuery) ([]StaffPool, int, error) {
	all, err := s.Pools(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	rows, total := listPage(all, q, PoolSorts, func(p StaffPool) []string { return []string{p.Region, p.Network, p.Gateway} })
	return rows, total, nil
}
