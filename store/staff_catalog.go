package store

import (
	"context"
	"database/sql"
	"strings"
)

// The operator's catalog pages (issue 29): every plan and region, disabled
// ones included, with how many VMs (not destroyed) use each.

// AllPlans lists every plan, disabled ones included, in the order customers see them.
func (db *DB) AllPlans(ctx context.Context) ([]Plan, error) {
	rows, err := db.read(ctx, `SELECT `+planColumns+` FROM plans ORDER BY sort, price_hourly_rials, slug`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PlanVMCounts is how many VMs that are not destroyed use each plan.
func (db *DB) PlanVMCounts(ctx context.Context) (map[string]int, error) {
	return db.slugCounts(ctx, `SELECT plan_slug, count(*) FROM vms WHERE status <> `+sqlDestroyed+` GROUP BY plan_slug`)
}

// RegionVMCounts is how many VMs that are not destroyed are in each region.
func (db *DB) RegionVMCounts(ctx context.Context) (map[string]int, error) {
	return db.slugCounts(ctx, `SELECT region, count(*) FROM vms WHERE status <> `+sqlDestroyed+` GROUP BY region`)
}

// TemplateVMCounts is how many VMs that are not destroyed were built from
// each template (or boot its ISO).
func (db *DB) TemplateVMCounts(ctx context.Context) (map[string]int, error) {
	return db.slugCounts(ctx, `SELECT os_template_slug, count(*) FROM vms WHERE status <> `+sqlDestroyed+` GROUP BY os_template_slug`)
}

func (db *DB) slugCounts(ctx context.Context, query string) (map[string]int, error) {
	rows, err := db.read(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var slug string
		var n int
		if err := rows.Scan(&slug, &n); err != nil {
			return nil, err
		}
		out[slug] = n
	}
	return out, rows.Err()
}

// InsertPlan stores a new plan; ErrConflict when its slug is taken.
func (db *DB) InsertPlan(ctx context.Context, p Plan) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO plans (`+planColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Slug, p.NameFA, p.NameEN, p.VCPUs, p.MemoryMB, p.DiskGB, p.PriceHourlyRials, p.Sort, p.Active, max(p.TrafficGB, 0))
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return ErrConflict
	}
	return err
}

// EditPlan renames and reprices a plan; the VMs on it pay the new price from their next hour.
func (db *DB) EditPlan(ctx context.Context, slug, nameFA, nameEN string, priceRials int64) error {
	return affected(db.W.ExecContext(ctx, `UPDATE plans SET name_fa = ?, name_en = ?, price_hourly_rials = ? WHERE slug = ?`,
		nameFA, nameEN, priceRials, slug))
}

// SetPlanActive offers a plan to new orders or stops; the VMs on it keep it.
func (db *DB) SetPlanActive(ctx context.Context, slug string, active bool) error {
	return affected(db.W.ExecContext(ctx, `UPDATE plans SET active = ? WHERE slug = ?`, active, slug))
}

// SetRegionDisabled stops offering a region to new orders, or offers it again.
func (db *DB) SetRegionDisabled(ctx context.Context, slug string, disabled bool) error {
	return affected(db.W.ExecContext(ctx, `UPDATE regions SET disabled = ? WHERE slug = ?`, disabled, slug))
}

// RenameRegion changes a region's names; ErrNotFound when there is no such region.
func (db *DB) RenameRegion(ctx context.Context, slug, nameFA, nameEN string) error {
	return affected(db.W.ExecContext(ctx, `UPDATE regions SET name_fa = ?, name_en = ? WHERE slug = ?`, nameFA, nameEN, slug))
}

// affected is ErrNotFound when an update changed no row.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
