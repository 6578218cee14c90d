package services

import (
	"context"

	"abrak/store"
)

// StaffPool is an address pool as the operator's Pools page shows it: its
// addresses live, resting in quarantine and free, and whether it is near full.
type StaffPool struct {
	store.PoolUsage
	// Free is how many addresses it may still hand out; -1 for an IPv6
	// prefix, which never runs out.
	Free     int64
	NearFull bool
}

// poolNearFull: an IPv4 pool with less than a tenth of its addresses (and
// fewer than 16) free, or none at all — the overview counts the same.
func poolNearFull(pl store.PoolUsage) bool {
	if pl.Size < 0 {
		return false
	}
	free := pl.Size - int64(pl.Live+pl.Quarantined)
	return free < 16 && free*10 < pl.Size || free <= 0
}

// Pools lists every address pool with its usage, by region and family.
func (s *Staff) Pools(ctx context.Context, p Principal) ([]StaffPool, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return nil, err
	}
	pools, err := s.db.Pools(ctx, s.quarantine)
	if err != nil {
		return nil, Internal(err)
	}
	out := make([]StaffPool, 0, len(pools))
	for _, pl := range pools {
		sp := StaffPool{PoolUsage: pl, Free: -1, NearFull: poolNearFull(pl)}
		if pl.Size >= 0 {
			sp.Free = max(0, pl.Size-int64(pl.Live+pl.Quarantined))
		}
		out = append(out, sp)
	}
	return out, nil
}
