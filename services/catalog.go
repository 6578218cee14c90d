package services

import "context"

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
