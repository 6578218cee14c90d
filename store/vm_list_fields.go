package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"abrak/vmstatus"
)

// A list page reads each VM as one packed text column instead of forty. The
// driver opens every connection in SQLite's serialized mode (modernc sets
// SQLITE_OPEN_FULLMUTEX, with no option to change it), so each value read
// takes and releases the connection's mutex twice: measured here at ~140 ns a
// value, 50 rows of 48 columns were 0.35 ms of a 0.55 ms page, whatever the
// query did. Joined inside SQLite (concat_ws) the same values cost one read a
// row. listFields names each value once, for the query and for its parse.
// The catalog's names, prices and networks come from memory (listCatalog),
// the actions in progress from one look at their index (openActions).

// listSep separates the packed values: the unit separator, which no slug,
// address, number or hash holds; the free texts (a name, a hostname, an
// order's error) have it replaced in the query, so a value never splits in two.
const listSep = "\x1f"

// listRowSep separates the rows of a page (the record separator), which the
// free texts have replaced as well.
const listRowSep = "\x1e"

type listField struct {
	expr string
	set  func(v *listRow, s string) error
}

// listRow is a listed VM with the ids of its addresses' pools, which the
// catalog in memory turns into networks and gateways.
type listRow struct {
	VM
	pool4, pool6 int64
	// trafficMonth is the month (YYYY-MM) of Received and Sent, the VM's last
	// with traffic: a list shows this month's, and a kept row (vm_list_rows)
	// cannot know when the month turns.
	trafficMonth string
}

// listText is a value that cannot hold the separator (a slug, an address, a hash).
func listText(expr string, f func(*VM) *string) listField {
	return listField{`coalesce(` + expr + `, '')`, func(v *listRow, s string) error { *f(&v.VM) = s; return nil }}
}

// listFreeText is a text anybody may have written, with the separators replaced.
func listFreeText(expr string, f func(*VM) *string) listField {
	return listField{`replace(replace(coalesce(` + expr + `, ''), char(31), ' '), char(30), ' ')`, func(v *listRow, s string) error { *f(&v.VM) = s; return nil }}
}

func listInt64(expr string, f func(*VM) *int64) listField {
	return listField{`coalesce(` + expr + `, 0)`, func(v *listRow, s string) (err error) { *f(&v.VM), err = strconv.ParseInt(s, 10, 64); return }}
}

func listInt(expr string, f func(*VM) *int) listField {
	return listField{`coalesce(` + expr + `, 0)`, func(v *listRow, s string) (err error) { *f(&v.VM), err = strconv.Atoi(s); return }}
}

func listBool(expr string, f func(*VM) *bool) listField {
	return listField{`coalesce(` + expr + `, 0) <> 0`, func(v *listRow, s string) error { *f(&v.VM) = s == "1"; return nil }}
}

// listTime reads unix seconds; 0 (or NULL) is the zero time when zero is set.
func listTime(expr string, zero bool, f func(*VM) *time.Time) listField {
	return listField{`coalesce(` + expr + `, 0)`, func(v *listRow, s string) error {
		n, err := strconv.ParseInt(s, 10, 64)
		if n != 0 || !zero {
			*f(&v.VM) = time.Unix(n, 0).UTC()
		}
		return err
	}}
}

// listFields are what lists show of a VM (services.VM as lists fill it), but
// the catalog's part (listCatalog); a VM's own page reads it whole (vmColumns).
var listFields = []listField{
	listInt64("v.id", func(v *VM) *int64 { return &v.ID }),
	listText("v.uuid", func(v *VM) *string { return &v.UUID }),
	listInt64("v.user_id", func(v *VM) *int64 { return &v.UserID }),
	listFreeText("v.display_name", func(v *VM) *string { return &v.DisplayName }),
	listFreeText("v.hostname", func(v *VM) *string { return &v.Hostname }),
	{`v.status`, func(v *listRow, s string) error { v.Status = vmstatus.Status(s); return nil }},
	listText("v.plan_slug", func(v *VM) *string { return &v.PlanSlug }),
	listText("v.os_template_slug", func(v *VM) *string { return &v.OSTemplateSlug }),
	listText("v.region", func(v *VM) *string { return &v.Region }),
	listText("v.public_ip", func(v *VM) *string { return &v.PublicIP }),
	listText("v.public_ipv6", func(v *VM) *string { return &v.PublicIPv6 }),
	listText("v.mac", func(v *VM) *string { return &v.MAC }),
	{`coalesce(a4.pool_id, 0)`, func(v *listRow, s string) (err error) { v.pool4, err = strconv.ParseInt(s, 10, 64); return }},
	{`coalesce(a6.pool_id, 0)`, func(v *listRow, s string) (err error) { v.pool6, err = strconv.ParseInt(s, 10, 64); return }},
	listInt("v.vcpus", func(v *VM) *int { return &v.VCPUs }),
	listInt("v.memory_mb", func(v *VM) *int { return &v.MemoryMB }),
	listInt("v.disk_gb", func(v *VM) *int { return &v.DiskGB }),
	listBool("v.locked", func(v *VM) *bool { return &v.Locked }),
	listBool("v.node_unavailable", func(v *VM) *bool { return &v.NodeDown }),
	listTime("v.created_at", false, func(v *VM) *time.Time { return &v.CreatedAt }),
	listTime("v.updated_at", false, func(v *VM) *time.Time { return &v.UpdatedAt }),
	listTime("v.unpaid_since", true, func(v *VM) *time.Time { return &v.UnpaidSince }),
	listTime("v.suspended_at", true, func(v *VM) *time.Time { return &v.SuspendedAt }),
	{`coalesce(o.status, '')`, func(v *listRow, s string) error { v.OrderStatus = vmstatus.Order(s); return nil }},
	listFreeText("o.last_error", func(v *VM) *string { return &v.OrderError }),
	listInt("o.attempts", func(v *VM) *int { return &v.Attempts }),
	listInt64("tr.rx_bytes", func(v *VM) *int64 { return &v.Received }),
	listInt64("tr.tx_bytes", func(v *VM) *int64 { return &v.Sent }),
	{`coalesce(tr.month, '')`, func(v *listRow, s string) error { v.trafficMonth = s; return nil }},
	listText("v.boot_iso", func(v *VM) *string { return &v.BootISO }),
	listText("v.rescue_crypt", func(v *VM) *string { return &v.RescueCrypt }),
	listBool("v.backups_enabled", func(v *VM) *bool { return &v.BackupsEnabled }),
	listInt64("v.backup_price_rials", func(v *VM) *int64 { return &v.BackupPriceHourly }),
	listTime("v.deleted_at", true, func(v *VM) *time.Time { return &v.DeletedAt }),
	{backupIDsExpr, func(v *listRow, s string) (err error) { v.BackupIDs, err = parseIDs(s); return }},
}

// backupIDsExpr lists a VM's usable backups, oldest first, as "1,2,3".
const backupIDsExpr = `coalesce((SELECT group_concat(id) FROM (SELECT b.id FROM backups b WHERE b.vm_id = v.id AND b.status = '` + BackupCompleted + `' ORDER BY b.id)), '')`

// parseIDs reads backupIDsExpr's list.
func parseIDs(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]int64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// vmListRow is the packed column of listFields.
var vmListRow = func() string {
	exprs := make([]string, len(listFields))
	for i, f := range listFields {
		exprs[i] = f.expr
	}
	return `concat_ws(char(31), ` + strings.Join(exprs, ", ") + `)`
}()

// vmListFrom joins what a listed VM needs beside its row, the catalog apart.
const vmListFrom = ` FROM vms v LEFT JOIN orders o ON o.vm_id = v.id
	LEFT JOIN addresses a4 ON a4.vm_id = v.id AND a4.family = 4 AND a4.released_at IS NULL
	LEFT JOIN addresses a6 ON a6.vm_id = v.id AND a6.family = 6 AND a6.released_at IS NULL
	LEFT JOIN traffic tr ON tr.vm_id = v.id AND tr.month = (SELECT max(t.month) FROM traffic t WHERE t.vm_id = v.id)`

// parseListRow reads a VM from its packed column into v, which it resets
// first: the caller reuses one listRow for a whole page, since the setters
// would move a fresh one to the heap for every row.
func parseListRow(row string, v *listRow) error {
	*v = listRow{}
	rest := row
	for i, f := range listFields {
		val, more, found := strings.Cut(rest, listSep)
		if found != (i < len(listFields)-1) {
			return fmt.Errorf("store: a VM list row does not have %d values: %q", len(listFields), row)
		}
		if err := f.set(v, val); err != nil {
			return fmt.Errorf("store: VM list value %d (%s): %w", i, f.expr, err)
		}
		rest = more
	}
	return nil
}
