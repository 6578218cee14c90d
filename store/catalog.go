package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
)

// Region is a location customers pick; its nodes serve its VMs.
type Region struct {
	Slug, NameFA, NameEN string
	IPNetwork, Gateway   string
	// Disabled: offered to no new order (the operator's Regions page).
	Disabled bool
}

// Plan is a size customers order, priced per hour in rials.
type Plan struct {
	Slug, NameFA, NameEN string
	VCPUs, MemoryMB      int
	DiskGB               int
	PriceHourlyRials     int64
	Sort                 int
	Active               bool
	// TrafficGB is the monthly traffic allowance; 0 is unlimited.
	TrafficGB int
}

// OSTemplate is an image VMs are built from.
type OSTemplate struct {
	Slug, Name              string
	Volume                  string
	Kernel, Initrd, Cmdline string
	MinDiskGB, Sort         int
	Active                  bool
	// An imported template's image: its checksum, format ("qcow2" or "raw"), size and
	// the panel's copy of it (File); empty for one whose volume every node has.
	SHA256, Format, File string
	SizeBytes            int64
	// Features is what its guest applies from the seed: password, ssh_key, user_data.
	Features []string
	// Kind is "disk" (a template VMs are built from) or "iso" (a CD to boot from).
	Kind string
}

// Template kinds.
const (
	KindDisk = "disk"
	KindISO  = "iso"
)

// Imported reports a template with an image of its own, which nodes must hold
// (TemplateVolumes) before a VM is built from it.
func (t OSTemplate) Imported() bool { return t.File != "" }

// Has reports whether the template's guest applies feature from the seed.
func (t OSTemplate) Has(feature string) bool { return slices.Contains(t.Features, feature) }

// UpsertRegion creates or updates a region. A region given an IPNetwork also gets
// (or keeps) an IPv4 pool of that network with that gateway: the short way to a
// region with addresses; `abrak admin add-pool` adds ranges and IPv6 prefixes.
func (db *DB) UpsertRegion(ctx context.Context, r Region) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO regions (slug, name_fa, name_en, ip_network, gateway) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (slug) DO UPDATE SET name_fa = excluded.name_fa, name_en = excluded.name_en, ip_network = excluded.ip_network, gateway = excluded.gateway`,
		r.Slug, r.NameFA, r.NameEN, r.IPNetwork, r.Gateway)
	if err != nil || r.IPNetwork == "" {
		return err
	}
	_, err = db.AddPool(ctx, Pool{Region: r.Slug, Network: r.IPNetwork, Gateway: r.Gateway})
	return err
}

// Regions lists the regions offered to new orders.
func (db *DB) Regions(ctx context.Context) ([]Region, error) {
	return db.regions(ctx, `SELECT `+regionColumns+` FROM regions WHERE disabled = 0 ORDER BY slug`)
}

// AllRegions lists every region, disabled ones included, for the operator.
func (db *DB) AllRegions(ctx context.Context) ([]Region, error) {
	return db.regions(ctx, `SELECT `+regionColumns+` FROM regions ORDER BY slug`)
}

const regionColumns = `slug, name_fa, name_en, ip_network, gateway, disabled`

func (db *DB) regions(ctx context.Context, query string) ([]Region, error) {
	rows, err := db.read(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Region
	for rows.Next() {
		var r Region
		if err := rows.Scan(&r.Slug, &r.NameFA, &r.NameEN, &r.IPNetwork, &r.Gateway, &r.Disabled); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Region loads one region (disabled or not: its VMs keep it).
func (db *DB) Region(ctx context.Context, slug string) (Region, error) {
	var r Region
	err := db.readRow(ctx, `SELECT `+regionColumns+` FROM regions WHERE slug = ?`, slug).
		Scan(&r.Slug, &r.NameFA, &r.NameEN, &r.IPNetwork, &r.Gateway, &r.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// UpsertPlan creates or updates a plan.
func (db *DB) UpsertPlan(ctx context.Context, p Plan) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO plans (slug, name_fa, name_en, vcpus, memory_mb, disk_gb, price_hourly_rials, sort, active, traffic_gb) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (slug) DO UPDATE SET name_fa = excluded.name_fa, name_en = excluded.name_en, vcpus = excluded.vcpus, memory_mb = excluded.memory_mb,
		disk_gb = excluded.disk_gb, price_hourly_rials = excluded.price_hourly_rials, sort = excluded.sort, active = excluded.active, traffic_gb = excluded.traffic_gb`,
		p.Slug, p.NameFA, p.NameEN, p.VCPUs, p.MemoryMB, p.DiskGB, p.PriceHourlyRials, p.Sort, p.Active, max(p.TrafficGB, 0))
	return err
}

const planColumns = `slug, name_fa, name_en, vcpus, memory_mb, disk_gb, price_hourly_rials, sort, active, traffic_gb`

func scanPlan(row interface{ Scan(...any) error }) (Plan, error) {
	var p Plan
	err := row.Scan(&p.Slug, &p.NameFA, &p.NameEN, &p.VCPUs, &p.MemoryMB, &p.DiskGB, &p.PriceHourlyRials, &p.Sort, &p.Active, &p.TrafficGB)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	return p, err
}

// Plans lists the active plans, cheapest first.
func (db *DB) Plans(ctx context.Context) ([]Plan, error) {
	rows, err := db.read(ctx, `SELECT `+planColumns+` FROM plans WHERE active = 1 ORDER BY sort, price_hourly_rials`)
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

// Plan loads one plan (active or not: existing VMs keep theirs).
func (db *DB) Plan(ctx context.Context, slug string) (Plan, error) {
	return scanPlan(db.readRow(ctx, `SELECT `+planColumns+` FROM plans WHERE slug = ?`, slug))
}

// UpsertOSTemplate creates or updates an OS template.
func (db *DB) UpsertOSTemplate(ctx context.Context, t OSTemplate) error {
	if t.Format == "" {
		t.Format = "qcow2"
	}
	if t.Features == nil {
		t.Features = []string{"password", "ssh_key"}
	}
	if t.Kind == "" {
		t.Kind = KindDisk
	}
	_, err := db.W.ExecContext(ctx, `INSERT INTO os_templates (slug, name, volume, kernel, initrd, cmdline, min_disk_gb, sort, active,
		sha256, format, size_bytes, file, features, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (slug) DO UPDATE SET name = excluded.name, volume = excluded.volume, kernel = excluded.kernel, initrd = excluded.initrd,
		cmdline = excluded.cmdline, min_disk_gb = excluded.min_disk_gb, sort = excluded.sort, active = excluded.active,
		sha256 = excluded.sha256, format = excluded.format, size_bytes = excluded.size_bytes, file = excluded.file, features = excluded.features,
		kind = excluded.kind`,
		t.Slug, t.Name, t.Volume, t.Kernel, t.Initrd, t.Cmdline, t.MinDiskGB, t.Sort, t.Active,
		t.SHA256, t.Format, t.SizeBytes, t.File, strings.Join(t.Features, ","), t.Kind)
	return err
}

// SetTemplateActive shows a template to new orders or hides it; existing VMs keep theirs.
func (db *DB) SetTemplateActive(ctx context.Context, slug string, active bool) error {
	res, err := db.W.ExecContext(ctx, `UPDATE os_templates SET active = ? WHERE slug = ?`, active, slug)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AllOSTemplates lists every template, disabled ones included, for the operator.
func (db *DB) AllOSTemplates(ctx context.Context) ([]OSTemplate, error) {
	return db.templates(ctx, `SELECT `+templateColumns+` FROM os_templates ORDER BY sort, slug`)
}

const templateColumns = `slug, name, volume, kernel, initrd, cmdline, min_disk_gb, sort, active, sha256, format, size_bytes, file, features, kind`

func scanTemplate(row interface{ Scan(...any) error }) (OSTemplate, error) {
	var t OSTemplate
	var features string
	err := row.Scan(&t.Slug, &t.Name, &t.Volume, &t.Kernel, &t.Initrd, &t.Cmdline, &t.MinDiskGB, &t.Sort, &t.Active,
		&t.SHA256, &t.Format, &t.SizeBytes, &t.File, &features, &t.Kind)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	if features != "" {
		t.Features = strings.Split(features, ",")
	}
	return t, err
}

// OSTemplates lists the active templates.
func (db *DB) OSTemplates(ctx context.Context) ([]OSTemplate, error) {
	return db.templates(ctx, `SELECT `+templateColumns+` FROM os_templates WHERE active = 1 AND kind = '`+KindDisk+`' ORDER BY sort, slug`)
}

// ISOs lists the active ISO images customers may boot from.
func (db *DB) ISOs(ctx context.Context) ([]OSTemplate, error) {
	return db.templates(ctx, `SELECT `+templateColumns+` FROM os_templates WHERE active = 1 AND kind = '`+KindISO+`' ORDER BY sort, slug`)
}

func (db *DB) templates(ctx context.Context, query string) ([]OSTemplate, error) {
	rows, err := db.read(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OSTemplate
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// OSTemplate loads one template.
func (db *DB) OSTemplate(ctx context.Context, slug string) (OSTemplate, error) {
	return scanTemplate(db.readRow(ctx, `SELECT `+templateColumns+` FROM os_templates WHERE slug = ?`, slug))
}
