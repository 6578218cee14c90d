package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"strings"
	"time"
)

// Pool is a range of public addresses of a region: IPv4 from First to Last of
// Network, or an IPv6 prefix.
type Pool struct {
	ID          int64
	Region      string
	Family      int // 4 or 6
	Network     string
	Gateway     string
	First, Last string // IPv4 only
	Resolvers   []string
	CreatedAt   time.Time
}

// Prefix is the length of the pool's network, what a guest's address is configured with.
func (p Pool) Prefix() int {
	n, err := netip.ParsePrefix(p.Network)
	if err != nil {
		return 0
	}
	return n.Bits()
}

// PoolUsage is a pool with how many of its addresses are live and how many rest in quarantine.
type PoolUsage struct {
	Pool
	Live, Quarantined int
	// Size is how many addresses the pool hands out (IPv6: -1, more than will ever be used).
	Size int64
}

// CheckPool completes and checks a pool before it is stored: an IPv4 pool
// without a range hands out its network but for the network and broadcast
// addresses and the gateway.
func CheckPool(p Pool) (Pool, error) {
	n, err := netip.ParsePrefix(strings.TrimSpace(p.Network))
	if err != nil {
		return p, fmt.Errorf("network %q: %w", p.Network, err)
	}
	n = n.Masked()
	p.Network = n.String()
	p.Family = 4
	if n.Addr().Is6() {
		p.Family = 6
		p.First, p.Last = "", ""
	}
	if p.Gateway != "" {
		g, err := netip.ParseAddr(p.Gateway)
		if err != nil || !n.Contains(g) {
			return p, fmt.Errorf("gateway %q is not in %s", p.Gateway, p.Network)
		}
	}
	for _, r := range p.Resolvers {
		if _, err := netip.ParseAddr(r); err != nil {
			return p, fmt.Errorf("resolver %q: %w", r, err)
		}
	}
	if p.Family == 4 {
		if p.First == "" {
			p.First = n.Addr().Next().String()
		}
		if p.Last == "" {
			p.Last = lastHost(n).String()
		}
		first, err1 := netip.ParseAddr(p.First)
		last, err2 := netip.ParseAddr(p.Last)
		if err1 != nil || err2 != nil || !n.Contains(first) || !n.Contains(last) || last.Less(first) {
			return p, fmt.Errorf("range %s–%s is not inside %s", p.First, p.Last, p.Network)
		}
	}
	return p, nil
}

// lastHost is the address before an IPv4 network's broadcast address.
func lastHost(n netip.Prefix) netip.Addr {
	b := n.Addr().As4()
	host := uint32(1)<<(32-n.Bits()) - 1
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v |= host
	if n.Bits() < 31 {
		v--
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// AddPool stores a pool (checked by CheckPool), or updates the region's pool of the same network.
func (db *DB) AddPool(ctx context.Context, p Pool) (Pool, error) {
	p, err := CheckPool(p)
	if err != nil {
		return p, err
	}
	err = db.W.QueryRowContext(ctx, `INSERT INTO address_pools (region, family, network, gateway, first_addr, last_addr, resolvers, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (region, network) DO UPDATE SET gateway = excluded.gateway,
		first_addr = excluded.first_addr, last_addr = excluded.last_addr, resolvers = excluded.resolvers RETURNING id`,
		p.Region, p.Family, p.Network, p.Gateway, p.First, p.Last, strings.Join(p.Resolvers, ","), time.Now().Unix()).Scan(&p.ID)
	if isForeignKey(err) {
		return p, ErrNotFound
	}
	return p, err
}

const poolColumns = `id, region, family, network, gateway, first_addr, last_addr, resolvers, created_at`

func scanPool(row interface{ Scan(...any) error }) (Pool, error) {
	var p Pool
	var resolvers string
	var created int64
	err := row.Scan(&p.ID, &p.Region, &p.Family, &p.Network, &p.Gateway, &p.First, &p.Last, &resolvers, &created)
	if resolvers != "" {
		p.Resolvers = strings.Split(resolvers, ",")
	}
	p.CreatedAt = time.Unix(created, 0).UTC()
	return completed(p), err
}

// completed fills in the range of an IPv4 pool stored without one (a region's
// network turned into a pool by migration 0015) as CheckPool would.
func completed(p Pool) Pool {
	if p.Family == 4 && (p.First == "" || p.Last == "") {
		if c, err := CheckPool(p); err == nil {
			p.First, p.Last = c.First, c.Last
		}
	}
	return p
}

// Pools lists every pool with its usage, by region and family; quarantine is how
// long a released address rests.
func (db *DB) Pools(ctx context.Context, quarantine time.Duration) ([]PoolUsage, error) {
	rows, err := db.read(ctx, `SELECT `+poolColumns+`,
		(SELECT count(*) FROM addresses a WHERE a.pool_id = address_pools.id AND a.released_at IS NULL),
		(SELECT count(*) FROM addresses a WHERE a.pool_id = address_pools.id AND a.released_at > ?)
		FROM address_pools ORDER BY region, family, id`, time.Now().Add(-quarantine).Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PoolUsage
	for rows.Next() {
		var u PoolUsage
		var resolvers string
		var created int64
		if err := rows.Scan(&u.ID, &u.Region, &u.Family, &u.Network, &u.Gateway, &u.First, &u.Last, &resolvers, &created, &u.Live, &u.Quarantined); err != nil {
			return nil, err
		}
		if resolvers != "" {
			u.Resolvers = strings.Split(resolvers, ",")
		}
		u.CreatedAt = time.Unix(created, 0).UTC()
		u.Pool = completed(u.Pool)
		u.Size = -1
		if f, l := u.First, u.Last; u.Family == 4 && f != "" && l != "" {
			first, err1 := netip.ParseAddr(f)
			last, err2 := netip.ParseAddr(l)
			if err1 == nil && err2 == nil {
				u.Size = int64(v4(last)) - int64(v4(first)) + 1
			}
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func v4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// allocate gives vm one address of each family its region has pools of and it
// lacks, inside tx. An IPv4 address that is live, or was released less than
// quarantine ago, is not handed out; IPv6 addresses are never reused (a /64 has
// room for more than will ever be ordered). ErrNoAddress when a family's pools
// are full (full); the VM keeps what it got, and is tried again later.
func allocate(ctx context.Context, tx *sql.Tx, vmID int64, region string, now time.Time, quarantine time.Duration) (full bool, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+poolColumns+` FROM address_pools WHERE region = ? ORDER BY family, id`, region)
	if err != nil {
		return false, err
	}
	var pools []Pool
	for rows.Next() {
		p, err := scanPool(rows)
		if err != nil {
			rows.Close()
			return false, err
		}
		pools = append(pools, p)
	}
	rows.Close()
	var v4, v6 string
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(public_ip, ''), coalesce(public_ipv6, '') FROM vms WHERE id = ?`, vmID).Scan(&v4, &v6); err != nil {
		return false, err
	}
	for _, family := range []int{4, 6} {
		if family == 4 && v4 != "" || family == 6 && v6 != "" {
			continue
		}
		got, wanted := "", false
		for _, p := range pools {
			if p.Family != family {
				continue
			}
			wanted = true
			if got, err = freeIn(ctx, tx, p, now, quarantine); err != nil {
				return false, err
			}
			if got == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO addresses (pool_id, family, address, vm_id, assigned_at) VALUES (?, ?, ?, ?, ?)`,
				p.ID, family, got, vmID, now.Unix()); err != nil {
				return false, err
			}
			column := "public_ip"
			if family == 6 {
				column = "public_ipv6"
			}
			if _, err := tx.ExecContext(ctx, `UPDATE vms SET `+column+` = ? WHERE id = ?`, got, vmID); err != nil {
				return false, err
			}
			break
		}
		if wanted && got == "" {
			full = true
		}
	}
	return full, nil
}

// freeIn finds an address of p to hand out, or "".
func freeIn(ctx context.Context, tx *sql.Tx, p Pool, now time.Time, quarantine time.Duration) (string, error) {
	n, err := netip.ParsePrefix(p.Network)
	if err != nil {
		return "", fmt.Errorf("store: pool %d network %q: %w", p.ID, p.Network, err)
	}
	if p.Family == 6 {
		// The next host number after every address the pool ever gave, from ::100.
		var given int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM addresses WHERE pool_id = ?`, p.ID).Scan(&given); err != nil {
			return "", err
		}
		base := new(big.Int).SetBytes(n.Addr().AsSlice())
		a := new(big.Int).Add(base, big.NewInt(0x100+given))
		var b [16]byte
		a.FillBytes(b[:])
		addr := netip.AddrFrom16(b)
		if !n.Contains(addr) {
			return "", nil
		}
		return addr.String(), nil
	}
	taken := map[string]bool{p.Gateway: true}
	for _, r := range p.Resolvers {
		taken[r] = true
	}
	rows, err := tx.QueryContext(ctx, `SELECT address FROM addresses WHERE pool_id = ? AND (released_at IS NULL OR released_at > ?)`,
		p.ID, now.Add(-quarantine).Unix())
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			rows.Close()
			return "", err
		}
		taken[a] = true
	}
	rows.Close()
	first, _ := netip.ParseAddr(p.First)
	last, _ := netip.ParseAddr(p.Last)
	for a := first; a.IsValid() && !last.Less(a); a = a.Next() {
		if !taken[a.String()] {
			return a.String(), nil
		}
	}
	return "", nil
}

// AllocateAddresses gives a VM that lacks them the addresses its region's pools
// can spare now (an order placed while a pool was full). ErrNoAddress while a
// family's pools are still full.
func (db *DB) AllocateAddresses(ctx context.Context, vmID int64, quarantine time.Duration) error {
	full := false
	err := db.Tx(ctx, func(tx *sql.Tx) (err error) {
		var region string
		if err := tx.QueryRowContext(ctx, `SELECT region FROM vms WHERE id = ?`, vmID).Scan(&region); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		full, err = allocate(ctx, tx, vmID, region, time.Now(), quarantine)
		return err
	})
	if err == nil && full {
		err = ErrNoAddress
	}
	return err
}

// SetVMMAC gives a VM made before MACs were recorded the one it keeps from now on.
func (db *DB) SetVMMAC(ctx context.Context, vmID int64, mac string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE vms SET mac = ? WHERE id = ? AND mac = ''`, mac, vmID)
	if isUnique(err) {
		return ErrMACTaken
	}
	return err
}

// PrunePools removes a region's pools whose network is not in keep and that no
// address was ever handed out from (a demo region whose network changed);
// pools with a history stay, and are returned.
func (db *DB) PrunePools(ctx context.Context, region string, keep []string) (kept []string, err error) {
	pools, err := db.Pools(ctx, 0)
	if err != nil {
		return nil, err
	}
	wanted := map[string]bool{}
	for _, k := range keep {
		if c, err := CheckPool(Pool{Network: k}); err == nil {
			wanted[c.Network] = true
		}
	}
	for _, p := range pools {
		if p.Region != region || wanted[p.Network] {
			continue
		}
		res, err := db.W.ExecContext(ctx, `DELETE FROM address_pools WHERE id = ? AND NOT EXISTS (SELECT 1 FROM addresses WHERE pool_id = ?)`, p.ID, p.ID)
		if err != nil {
			return kept, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			kept = append(kept, p.Network)
		}
	}
	return kept, nil
}
