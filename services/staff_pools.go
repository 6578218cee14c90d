package services

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"

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

// PoolInput is a new address pool: an IPv4 range or an IPv6 prefix of a
// region, as `abrak admin add-pool` takes it.
type PoolInput struct {
	Region, Network, Gateway, First, Last string
	Resolvers                             []string
}

// CreatePool adds an address pool to a region; only an admin may. Unlike the
// command line (which updates the region's pool of the same network), the
// page refuses a network that overlaps any pool already stored: two pools
// handing out one address would give it to two VMs. Audited.
func (s *Staff) CreatePool(ctx context.Context, p Principal, in PoolInput) (StaffPool, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return StaffPool{}, err
	}
	fields := map[string]string{}
	in.Region = strings.TrimSpace(in.Region)
	if _, err := s.db.Region(ctx, in.Region); errors.Is(err, store.ErrNotFound) {
		fields["region"] = "admin.pools.region_unknown"
	} else if err != nil {
		return StaffPool{}, Internal(err)
	}
	pl := store.Pool{Region: in.Region, Network: strings.TrimSpace(in.Network), Gateway: strings.TrimSpace(in.Gateway),
		First: strings.TrimSpace(in.First), Last: strings.TrimSpace(in.Last)}
	for _, r := range in.Resolvers {
		if r = strings.TrimSpace(r); r != "" {
			pl.Resolvers = append(pl.Resolvers, r)
		}
	}
	n, err := netip.ParsePrefix(pl.Network)
	if err != nil {
		fields["network"] = "admin.pools.network_invalid"
		return StaffPool{}, Invalid(fields)
	}
	n = n.Masked()
	if g, err := netip.ParseAddr(pl.Gateway); pl.Gateway != "" && (err != nil || !n.Contains(g)) {
		fields["gateway"] = "admin.pools.gateway_invalid"
	}
	for _, k := range []string{"first", "last"} {
		v := map[string]string{"first": pl.First, "last": pl.Last}[k]
		if a, err := netip.ParseAddr(v); v != "" && (n.Addr().Is6() || err != nil || !n.Contains(a)) {
			fields[k] = "admin.pools.range_invalid"
		}
	}
	for _, r := range pl.Resolvers {
		if _, err := netip.ParseAddr(r); err != nil {
			fields["resolvers"] = "admin.pools.resolvers_invalid"
		}
	}
	if len(fields) == 0 {
		if pl, err = store.CheckPool(pl); err != nil {
			fields["last"] = "admin.pools.range_invalid"
		}
	}
	if len(fields) > 0 {
		return StaffPool{}, Invalid(fields)
	}
	existing, err := s.db.Pools(ctx, s.quarantine)
	if err != nil {
		return StaffPool{}, Internal(err)
	}
	for _, e := range existing {
		if o, err := netip.ParsePrefix(e.Network); err == nil && o.Overlaps(n) {
			return StaffPool{}, Invalid(map[string]string{"network": "admin.pools.network_overlaps"})
		}
	}
	pl, err = s.db.AddPool(ctx, pl)
	if err != nil {
		return StaffPool{}, Internal(err)
	}
	s.record(ctx, p, "admin.pool_create", SeverityWarning, "pool", strconv.FormatInt(pl.ID, 10), pl.Region+", "+pl.Network)
	pools, err := s.Pools(ctx, p)
	if err != nil {
		return StaffPool{}, err
	}
	for _, sp := range pools {
		if sp.ID == pl.ID {
			return sp, nil
		}
	}
	return StaffPool{}, NotFound()
}
