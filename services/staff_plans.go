package services

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"abrak/store"
)

// StaffPlan is a plan as the operator's Plans page shows it: disabled ones
// too, with how many VMs (not destroyed) are on it.
type StaffPlan struct {
	store.Plan
	VMs int
}

// PlanInput is a new plan, or a plan's new names and price (Slug and sizes
// are fixed once VMs use it: resizing a plan would not resize them).
type PlanInput struct {
	Slug, NameFA, NameEN    string
	VCPUs, MemoryMB, DiskGB int
	PriceHourlyRials        int64
	TrafficGB               int
}

// Plans lists every plan for the operator.
func (s *Staff) Plans(ctx context.Context, p Principal) ([]StaffPlan, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return nil, err
	}
	plans, err := s.db.AllPlans(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	counts, err := s.db.PlanVMCounts(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	out := make([]StaffPlan, 0, len(plans))
	for _, pl := range plans {
		out = append(out, StaffPlan{Plan: pl, VMs: counts[pl.Slug]})
	}
	return out, nil
}

// CreatePlan adds a plan, offered to new orders at once; only an admin may. Audited.
func (s *Staff) CreatePlan(ctx context.Context, p Principal, in PlanInput) (StaffPlan, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return StaffPlan{}, err
	}
	in.Slug = strings.TrimSpace(in.Slug)
	fields := planNameProblems(&in)
	if !slugRe.MatchString(in.Slug) {
		fields["slug"] = "admin.catalog.slug_invalid"
	}
	if in.VCPUs < 1 || in.VCPUs > 512 {
		fields["vcpus"] = "admin.plans.vcpus_invalid"
	}
	if in.MemoryMB < 128 || in.MemoryMB > 4<<20 {
		fields["memory_mb"] = "admin.plans.memory_invalid"
	}
	if in.DiskGB < 1 || in.DiskGB > 100_000 {
		fields["disk_gb"] = "admin.plans.disk_invalid"
	}
	if in.TrafficGB < 0 {
		fields["traffic_gb"] = "admin.plans.traffic_invalid"
	}
	if len(fields) > 0 {
		return StaffPlan{}, Invalid(fields)
	}
	pl := store.Plan{Slug: in.Slug, NameFA: in.NameFA, NameEN: in.NameEN, VCPUs: in.VCPUs, MemoryMB: in.MemoryMB, DiskGB: in.DiskGB,
		PriceHourlyRials: in.PriceHourlyRials, Active: true, TrafficGB: in.TrafficGB}
	err := s.db.InsertPlan(ctx, pl)
	if errors.Is(err, store.ErrConflict) {
		return StaffPlan{}, Invalid(map[string]string{"slug": "admin.catalog.slug_taken"})
	}
	if err != nil {
		return StaffPlan{}, Internal(err)
	}
	s.record(ctx, p, "admin.plan_create", SeverityWarning, "plan", pl.Slug,
		fmt.Sprintf("%d vCPU, %d MB, %d GB, %d rials/hour", pl.VCPUs, pl.MemoryMB, pl.DiskGB, pl.PriceHourlyRials))
	return StaffPlan{Plan: pl}, nil
}

// EditPlan renames and reprices a plan; only an admin may. The VMs on it pay
// the new price from their next hour. Audited with the old and new price.
func (s *Staff) EditPlan(ctx context.Context, p Principal, slug string, in PlanInput) (StaffPlan, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return StaffPlan{}, err
	}
	old, err := s.plan(ctx, slug)
	if err != nil {
		return StaffPlan{}, err
	}
	if fields := planNameProblems(&in); len(fields) > 0 {
		return StaffPlan{}, Invalid(fields)
	}
	if err := s.db.EditPlan(ctx, old.Slug, in.NameFA, in.NameEN, in.PriceHourlyRials); err != nil {
		return StaffPlan{}, Internal(err)
	}
	s.record(ctx, p, "admin.plan_edit", SeverityWarning, "plan", old.Slug,
		fmt.Sprintf("%s / %s, %d → %d rials/hour", in.NameFA, in.NameEN, old.PriceHourlyRials, in.PriceHourlyRials))
	return s.staffPlan(ctx, old.Slug)
}

// SetPlanActive offers a plan to new orders again, or stops (disabled): the
// VMs on it keep it, and keep paying its price; only an admin may. Audited.
func (s *Staff) SetPlanActive(ctx context.Context, p Principal, slug string, active bool) (StaffPlan, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return StaffPlan{}, err
	}
	pl, err := s.plan(ctx, slug)
	if err != nil {
		return StaffPlan{}, err
	}
	if err := s.db.SetPlanActive(ctx, pl.Slug, active); err != nil {
		return StaffPlan{}, Internal(err)
	}
	action := "admin.plan_disable"
	if active {
		action = "admin.plan_enable"
	}
	s.record(ctx, p, action, SeverityWarning, "plan", pl.Slug, "")
	return s.staffPlan(ctx, pl.Slug)
}

func (s *Staff) plan(ctx context.Context, slug string) (store.Plan, error) {
	pl, err := s.db.Plan(ctx, strings.TrimSpace(slug))
	if errors.Is(err, store.ErrNotFound) {
		return pl, NotFound()
	}
	if err != nil {
		return pl, Internal(err)
	}
	return pl, nil
}

func (s *Staff) staffPlan(ctx context.Context, slug string) (StaffPlan, error) {
	pl, err := s.plan(ctx, slug)
	if err != nil {
		return StaffPlan{}, err
	}
	counts, err := s.db.PlanVMCounts(ctx)
	if err != nil {
		return StaffPlan{}, Internal(err)
	}
	return StaffPlan{Plan: pl, VMs: counts[pl.Slug]}, nil
}

// planNameProblems checks (and trims) a plan's names and price.
func planNameProblems(in *PlanInput) map[string]string {
	fields := map[string]string{}
	in.NameFA, in.NameEN = strings.TrimSpace(in.NameFA), strings.TrimSpace(in.NameEN)
	if k := nameProblem(in.NameFA, 60, "admin.catalog.name_long"); k != "" {
		fields["name_fa"] = k
	}
	if k := nameProblem(in.NameEN, 60, "admin.catalog.name_long"); k != "" {
		fields["name_en"] = k
	}
	// A price is whole toman: what the pages show and customers pay.
	if in.PriceHourlyRials < 0 || in.PriceHourlyRials%10 != 0 || in.PriceHourlyRials > 1_000_000_000 {
		fields["price_hourly_rials"] = "admin.plans.price_invalid"
	}
	return fields
}

// Plan reads one plan for the operator.
func (s *Staff) Plan(ctx context.Context, p Principal, slug string) (StaffPlan, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return StaffPlan{}, err
	}
	return s.staffPlan(ctx, slug)
}
