package services

import (
	"context"
	"errors"
	"strings"

	"abrak/store"
)

// StaffRegion is a region as the operator's Regions page shows it: disabled
// ones too, with its nodes and the VMs (not destroyed) in it.
type StaffRegion struct {
	store.Region
	Nodes, VMs int
}

// RegionInput is a new region; a network (with its gateway) also becomes the
// region's first IPv4 pool, as `abrak admin` seeds one.
type RegionInput struct {
	Slug, NameFA, NameEN string
	Network, Gateway     string
}

// Regions lists every region for the operator.
func (s *Staff) Regions(ctx context.Context, p Principal) ([]StaffRegion, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return nil, err
	}
	regions, err := s.db.AllRegions(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	vms, err := s.db.RegionVMCounts(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	nodes, err := s.db.AllNodes(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	perRegion := map[string]int{}
	for _, n := range nodes {
		perRegion[n.Region]++
	}
	out := make([]StaffRegion, 0, len(regions))
	for _, r := range regions {
		out = append(out, StaffRegion{Region: r, Nodes: perRegion[r.Slug], VMs: vms[r.Slug]})
	}
	return out, nil
}

// CreateRegion adds a region, offered to new orders once a node serves it;
// only an admin may. Audited.
func (s *Staff) CreateRegion(ctx context.Context, p Principal, in RegionInput) (StaffRegion, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return StaffRegion{}, err
	}
	in.Slug, in.Network, in.Gateway = strings.TrimSpace(in.Slug), strings.TrimSpace(in.Network), strings.TrimSpace(in.Gateway)
	in.NameFA, in.NameEN = strings.TrimSpace(in.NameFA), strings.TrimSpace(in.NameEN)
	fields := map[string]string{}
	if !slugRe.MatchString(in.Slug) {
		fields["slug"] = "admin.catalog.slug_invalid"
	} else if _, err := s.db.Region(ctx, in.Slug); err == nil {
		fields["slug"] = "admin.catalog.slug_taken"
	} else if !errors.Is(err, store.ErrNotFound) {
		return StaffRegion{}, Internal(err)
	}
	if k := nameProblem(in.NameFA, 60, "admin.catalog.name_long"); k != "" {
		fields["name_fa"] = k
	}
	if k := nameProblem(in.NameEN, 60, "admin.catalog.name_long"); k != "" {
		fields["name_en"] = k
	}
	if in.Network != "" {
		c, err := store.CheckPool(store.Pool{Network: in.Network, Gateway: in.Gateway})
		switch {
		case err != nil:
			fields["network"] = "admin.regions.network_invalid"
		case c.Family != 4:
			fields["network"] = "admin.regions.network_v4"
		default:
			in.Network = c.Network
		}
	} else if in.Gateway != "" {
		fields["network"] = "admin.regions.network_invalid"
	}
	if len(fields) > 0 {
		return StaffRegion{}, Invalid(fields)
	}
	r := store.Region{Slug: in.Slug, NameFA: in.NameFA, NameEN: in.NameEN, IPNetwork: in.Network, Gateway: in.Gateway}
	if err := s.db.UpsertRegion(ctx, r); err != nil {
		return StaffRegion{}, Internal(err)
	}
	detail := in.NameEN
	if in.Network != "" {
		detail += ", " + in.Network
	}
	s.record(ctx, p, "admin.region_create", SeverityWarning, "region", r.Slug, detail)
	return StaffRegion{Region: r}, nil
}

// SetRegionDisabled stops offering a region to new orders (the VMs in it stay
// and keep working), or offers it again; only an admin may. Audited.
func (s *Staff) SetRegionDisabled(ctx context.Context, p Principal, slug string, disabled bool) (StaffRegion, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return StaffRegion{}, err
	}
	slug = strings.TrimSpace(slug)
	err := s.db.SetRegionDisabled(ctx, slug, disabled)
	if errors.Is(err, store.ErrNotFound) {
		return StaffRegion{}, NotFound()
	}
	if err != nil {
		return StaffRegion{}, Internal(err)
	}
	action := "admin.region_enable"
	if disabled {
		action = "admin.region_disable"
	}
	s.record(ctx, p, action, SeverityWarning, "region", slug, "")
	return s.Region(ctx, p, slug)
}

// RenameRegion changes a region's names, in Persian and English, as
// customers read them on the order form and their VMs; both are required.
// Only an admin may. Audited.
func (s *Staff) RenameRegion(ctx context.Context, p Principal, slug, nameFA, nameEN string) (StaffRegion, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return StaffRegion{}, err
	}
	slug, nameFA, nameEN = strings.TrimSpace(slug), strings.TrimSpace(nameFA), strings.TrimSpace(nameEN)
	fields := map[string]string{}
	if k := nameProblem(nameFA, 60, "admin.catalog.name_long"); k != "" {
		fields["name_fa"] = k
	}
	if k := nameProblem(nameEN, 60, "admin.catalog.name_long"); k != "" {
		fields["name_en"] = k
	}
	if len(fields) > 0 {
		if _, err := s.db.Region(ctx, slug); errors.Is(err, store.ErrNotFound) {
			return StaffRegion{}, NotFound()
		}
		return StaffRegion{}, Invalid(fields)
	}
	err := s.db.RenameRegion(ctx, slug, nameFA, nameEN)
	if errors.Is(err, store.ErrNotFound) {
		return StaffRegion{}, NotFound()
	}
	if err != nil {
		return StaffRegion{}, Internal(err)
	}
	s.record(ctx, p, "admin.region_rename", SeverityWarning, "region", slug, nameFA+" / "+nameEN)
	return s.Region(ctx, p, slug)
}

// Region reads one region for the operator.
func (s *Staff) Region(ctx context.Context, p Principal, slug string) (StaffRegion, error) {
	all, err := s.Regions(ctx, p)
	if err != nil {
		return StaffRegion{}, err
	}
	for _, r := range all {
		if r.Slug == slug {
			return r, nil
		}
	}
	return StaffRegion{}, NotFound()
}
