package services

import (
	"context"

	"abrak/store"
)

// Version is what a customer's VM lists and pages were built from: equal
// Versions give equal answers, so a GET can answer 304 or reuse an encoding
// by comparing them instead of reading and encoding the VMs again.
type Version struct {
	Customer, Catalog int64
}

// Version is the principal's Version: as read when the request was
// authenticated, or else by one small query.
func (s *VMs) Version(ctx context.Context, p Principal) (Version, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return Version{}, err
	}
	if p.seenOK {
		return p.seen, nil
	}
	c, err := s.db.ChangesOf(ctx, p.UserID)
	if err != nil {
		return Version{}, Internal(err)
	}
	return versionOf(c), nil
}

func versionOf(c store.Changes) Version { return Version{Customer: c.Customer, Catalog: c.Catalog} }
