package store

import (
	"context"
	"sync"
)

// listCatalog is what list pages show of the catalog (names, prices, the
// pools' networks), held in memory at a catalog change count. Looked up in
// SQLite, those five joins were half of a 50-row page; the catalog is a few
// rows that change when an operator edits it, and the count (migration 0026)
// says when.
type listCatalog struct {
	seq     int64
	plans   map[string]Plan
	images  map[string]string // slug → name
	regions map[string]Region
	pools   map[int64][2]string // id → network, gateway
}

type catalogCache struct {
	mu   sync.Mutex
	snap *listCatalog
}

// listCatalog returns the catalog as it is now: the one held while the
// catalog's count has not moved, else read again.
func (db *DB) listCatalog(ctx context.Context) (*listCatalog, error) {
	var seq int64
	if err := db.pointRead(ctx, `SELECT coalesce((SELECT seq FROM changes WHERE user_id = 0), 0)`).Scan(&seq); err != nil {
		return nil, err
	}
	db.catalog.mu.Lock()
	snap := db.catalog.snap
	db.catalog.mu.Unlock()
	if snap != nil && snap.seq == seq {
		return snap, nil
	}
	// Read after the count: a change landing between the two is read now and
	// counted next time, which only reads the catalog once more.
	snap = &listCatalog{seq: seq, plans: map[string]Plan{}, images: map[string]string{}, regions: map[string]Region{}, pools: map[int64][2]string{}}
	if err := scanInto(db, ctx, `SELECT slug, name_fa, name_en, price_hourly_rials FROM plans`, func(scan func(...any) error) error {
		var p Plan
		err := scan(&p.Slug, &p.NameFA, &p.NameEN, &p.PriceHourlyRials)
		snap.plans[p.Slug] = p
		return err
	}); err != nil {
		return nil, err
	}
	if err := scanInto(db, ctx, `SELECT slug, name FROM os_templates`, func(scan func(...any) error) error {
		var slug, name string
		err := scan(&slug, &name)
		snap.images[slug] = name
		return err
	}); err != nil {
		return nil, err
	}
	if err := scanInto(db, ctx, `SELECT slug, name_fa, name_en FROM regions`, func(scan func(...any) error) error {
		var r Region
		err := scan(&r.Slug, &r.NameFA, &r.NameEN)
		snap.regions[r.Slug] = r
		return err
	}); err != nil {
		return nil, err
	}
	if err := scanInto(db, ctx, `SELECT id, network, gateway FROM address_pools`, func(scan func(...any) error) error {
		var id int64
		var nw [2]string
		err := scan(&id, &nw[0], &nw[1])
		snap.pools[id] = nw
		return err
	}); err != nil {
		return nil, err
	}
	db.catalog.mu.Lock()
	db.catalog.snap = snap
	db.catalog.mu.Unlock()
	return snap, nil
}

// fill gives a listed VM its catalog names, prices and networks.
func (c *listCatalog) fill(v *VM, pool4, pool6 int64) {
	p := c.plans[v.PlanSlug]
	v.PlanNameFA, v.PlanNameEN, v.PriceHourly = p.NameFA, p.NameEN, p.PriceHourlyRials
	v.OSTemplateName = c.images[v.OSTemplateSlug]
	r := c.regions[v.Region]
	v.RegionNameFA, v.RegionNameEN = r.NameFA, r.NameEN
	if pool4 != 0 {
		nw := c.pools[pool4]
		v.Network4, v.Gateway4 = nw[0], nw[1]
	}
	if pool6 != 0 {
		nw := c.pools[pool6]
		v.Network6, v.Gateway6 = nw[0], nw[1]
	}
}

// knows reports whether the catalog holds everything v refers to.
func (c *listCatalog) knows(v VM, pool4, pool6 int64) bool {
	_, p := c.plans[v.PlanSlug]
	_, t := c.images[v.OSTemplateSlug]
	_, r := c.regions[v.Region]
	_, p4 := c.pools[pool4]
	_, p6 := c.pools[pool6]
	return p && t && r && (pool4 == 0 || p4) && (pool6 == 0 || p6)
}
