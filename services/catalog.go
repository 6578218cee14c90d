package services

import (
	"context"
	"errors"

	"abrak/store"
)

// Plans, OSTemplates and Regions are the catalog customers order from.
func (s *VMs) Plans(ctx context.Context) ([]Plan, error) {
	ps, err := s.db.Plans(ctx)
	return convert(ps, planOf), internal(err)
}

func (s *VMs) OSTemplates(ctx context.Context) ([]OSTemplate, error) {
	ts, err := s.db.OSTemplates(ctx)
	return convert(ts, templateOf), internal(err)
}

// ISOs are the images a VM may boot from.
func (s *VMs) ISOs(ctx context.Context) ([]OSTemplate, error) {
	ts, err := s.db.ISOs(ctx)
	return convert(ts, templateOf), internal(err)
}

func (s *VMs) Regions(ctx context.Context) ([]Region, error) {
	rs, err := s.db.Regions(ctx)
	return convert(rs, regionOf), internal(err)
}

// activePlan reads the plan a customer chose by its slug; ok is false for one
// that is unknown or no longer offered (which is returned as read).
func (s *VMs) activePlan(ctx context.Context, slug string) (plan store.Plan, ok bool, err error) {
	plan, err = s.db.Plan(ctx, slug)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && !plan.Active:
		return plan, false, nil
	case err != nil:
		return plan, false, Internal(err)
	}
	return plan, true, nil
}

// activeTemplate is activePlan for an OS template.
func (s *VMs) activeTemplate(ctx context.Context, slug string) (tmpl store.OSTemplate, ok bool, err error) {
	tmpl, err = s.db.OSTemplate(ctx, slug)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && !tmpl.Active:
		return tmpl, false, nil
	case err != nil:
		return tmpl, false, Internal(err)
	}
	return tmpl, true, nil
}
