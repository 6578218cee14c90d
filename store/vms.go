package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"abrak/vmstatus"
)

// VM is one customer VM with its plan and template as lists show them.
type VM struct {
	ID             int64
	UUID           string
	UserID         int64
	DisplayName    string
	Hostname       string
	Status         vmstatus.Status
	PlanSlug       string
	PlanNameFA     string
	PlanNameEN     string
	OSTemplateSlug string
	OSTemplateName string
	Region         string
	RegionNameFA   string
	RegionNameEN   string
	PublicIPv6     string
	MAC            string
	// The pools of its live addresses: each one's network, gateway and resolvers.
	Network4, Gateway4 string
	Network6, Gateway6 string
	Resolvers          []string
	// Received and Sent are this calendar month's traffic (UTC, TrafficMonth).
	Received, Sent int64
	// BootISO is the ISO it boots from ("" for its disk); RescueCrypt, when set,
	// is the hash of the rescue system's one-time root password: it is in rescue.
	BootISO, RescueCrypt string
	NodeID               int64 // 0 until placed
	PublicIP             string
	VCPUs                int
	MemoryMB             int
	DiskGB               int
	PriceHourly          int64
	VNCPassword          string
	RootCrypt            string
	SSHKeys              []string
	Locked               bool
	NodeDown             bool
	StatusSeq            int64     // counts status changes; see ReconcileVMStatus
	OpenActions          int       // actions on it still in progress
	PaidUntil            time.Time // when the paid time of a live VM runs out
	// UnpaidSince is when the wallet could not pay a due hour; zero while in good
	// standing. A held VM is off, not billed, and starts only by paying (ResumeBilling).
	UnpaidSince time.Time
	// SuspendedAt is when a VM held past the grace period was suspended; zero when it is not.
	SuspendedAt time.Time
	// BackupsEnabled: its disk is backed up daily, for BackupPriceHourly rials
	// an hour beside its plan's price (the price shown when they were turned on).
	BackupsEnabled    bool
	BackupPriceHourly int64
	// BackupIDs are its usable backups, oldest first.
	BackupIDs []int64
	// DeletedAt is when it went into the recycle bin (status deleted); zero otherwise.
	DeletedAt time.Time
	// AdminLockReason, when set, is why the operator locked the VM: its
	// customer changes nothing of it (not Locked, the operation lock).
	AdminLockReason string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// Order is the state of the order that pays for it.
	OrderStatus vmstatus.Order
	OrderError  string
	Attempts    int
}

const vmColumns = `v.id, v.uuid, v.user_id, v.display_name, v.hostname, v.status, v.plan_slug, p.name_fa, p.name_en, v.os_template_slug, t.name, v.region, r.name_fa, r.name_en,
	coalesce(v.node_id, 0), coalesce(v.public_ip, ''), coalesce(v.public_ipv6, ''), v.mac,
	coalesce(p4.network, ''), coalesce(p4.gateway, ''), coalesce(p6.network, ''), coalesce(p6.gateway, ''),
	trim(coalesce(p4.resolvers, '') || ',' || coalesce(p6.resolvers, ''), ','), v.vcpus, v.memory_mb, v.disk_gb, p.price_hourly_rials, v.vnc_password,
	v.root_password_crypt, v.ssh_keys, v.locked, v.node_unavailable, v.created_at, v.updated_at, v.paid_until,
	coalesce(o.status, ''), coalesce(o.last_error, ''), coalesce(o.attempts, 0), v.status_seq, coalesce(v.unpaid_since, 0),
	(SELECT count(*) FROM actions a WHERE a.vm_id = v.id AND a.status = '` + ActionInProgress + `'),
	coalesce(tr.rx_bytes, 0), coalesce(tr.tx_bytes, 0), v.boot_iso, v.rescue_crypt, coalesce(v.suspended_at, 0),
	v.backups_enabled, v.backup_price_rials, coalesce(v.deleted_at, 0), ` + backupIDsExpr + `, v.admin_lock_reason`

const vmFrom = ` FROM vms v JOIN plans p ON p.slug = v.plan_slug JOIN os_templates t ON t.slug = v.os_template_slug
	JOIN regions r ON r.slug = v.region LEFT JOIN orders o ON o.vm_id = v.id
	LEFT JOIN addresses a4 ON a4.vm_id = v.id AND a4.family = 4 AND a4.released_at IS NULL LEFT JOIN address_pools p4 ON p4.id = a4.pool_id
	LEFT JOIN addresses a6 ON a6.vm_id = v.id AND a6.family = 6 AND a6.released_at IS NULL LEFT JOIN address_pools p6 ON p6.id = a6.pool_id
	LEFT JOIN traffic tr ON tr.vm_id = v.id AND tr.month = (SELECT strftime('%Y-%m', 'now'))`

func scanVM(row interface{ Scan(...any) error }) (VM, error) {
	var v VM
	var keys, resolvers string
	var created, updated, paid, unpaid, suspended, deleted int64
	var backupIDs string
	err := row.Scan(&v.ID, &v.UUID, &v.UserID, &v.DisplayName, &v.Hostname, &v.Status, &v.PlanSlug, &v.PlanNameFA, &v.PlanNameEN, &v.OSTemplateSlug, &v.OSTemplateName, &v.Region, &v.RegionNameFA, &v.RegionNameEN,
		&v.NodeID, &v.PublicIP, &v.PublicIPv6, &v.MAC, &v.Network4, &v.Gateway4, &v.Network6, &v.Gateway6, &resolvers, &v.VCPUs, &v.MemoryMB, &v.DiskGB, &v.PriceHourly, &v.VNCPassword,
		&v.RootCrypt, &keys, &v.Locked, &v.NodeDown, &created, &updated, &paid, &v.OrderStatus, &v.OrderError, &v.Attempts, &v.StatusSeq, &unpaid, &v.OpenActions,
		&v.Received, &v.Sent, &v.BootISO, &v.RescueCrypt, &suspended, &v.BackupsEnabled, &v.BackupPriceHourly, &deleted, &backupIDs, &v.AdminLockReason)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	if keys != "" {
		v.SSHKeys = strings.Split(keys, "\n")
	}
	if resolvers != "" {
		v.Resolvers = strings.Split(resolvers, ",")
	}
	v.CreatedAt = time.Unix(created, 0).UTC()
	v.UpdatedAt = time.Unix(updated, 0).UTC()
	v.PaidUntil = time.Unix(paid, 0).UTC()
	if unpaid > 0 {
		v.UnpaidSince = time.Unix(unpaid, 0).UTC()
	}
	if suspended > 0 {
		v.SuspendedAt = time.Unix(suspended, 0).UTC()
	}
	if deleted > 0 {
		v.DeletedAt = time.Unix(deleted, 0).UTC()
	}
	if err == nil {
		v.BackupIDs, err = parseIDs(backupIDs)
	}
	return v, err
}

// HourlyBackups is what the VM's backups add to each of its hours.
func (v VM) HourlyBackups() int64 {
	if !v.BackupsEnabled {
		return 0
	}
	return v.BackupPriceHourly
}

// HourlyCost is what each of the VM's hours costs: its plan and its backups.
func (v VM) HourlyCost() int64 { return v.PriceHourly + v.HourlyBackups() }

// VMFilter selects one customer's VMs.
type VMFilter struct {
	UserID        int64
	Status        vmstatus.Status
	Q             string
	Region        string
	Limit, Offset int
}

// ListVMs returns one page of a customer's VMs, newest first, and the total;
// each VM holds what lists show of it (listFields), not its secrets.
func (db *DB) ListVMs(ctx context.Context, f VMFilter) ([]VM, int, error) {
	where := ` WHERE v.user_id = ?`
	args := []any{f.UserID}
	// Deleted VMs (in the recycle bin, or destroyed) only when asked for by
	// status (the API's status=deleted or destroyed).
	if f.Status != "" {
		where += ` AND v.status = ?`
		args = append(args, f.Status)
	} else {
		where += ` AND v.status NOT IN (` + sqlGone + `)`
	}
	if f.Q != "" {
		// LIKE is case-insensitive for ASCII; lower() covers the rest of what SQLite folds.
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(f.Q)) + "%"
		where += ` AND (v.uuid LIKE ? ESCAPE '\' OR coalesce(v.public_ip, '') LIKE ? ESCAPE '\' OR coalesce(v.public_ipv6, '') LIKE ? ESCAPE '\'
			OR lower(v.display_name) LIKE ? ESCAPE '\')`
		args = append(args, like, like, like, like)
	}
	if f.Region != "" {
		where += ` AND v.region = ?`
		args = append(args, f.Region)
	}
	cat, err := db.listCatalog(ctx)
	if err != nil {
		return nil, 0, err
	}
	open, err := db.openActions(ctx, f.UserID)
	if err != nil {
		return nil, 0, err
	}
	// The packed rows are kept by triggers (vm_list_rows.go) and come back
	// joined into one value: each row read through the driver costs its step
	// and its mutexes, and one value for the page costs them once.
	const keptRows = `SELECT v.id, r.packed FROM vms v LEFT JOIN vm_list_rows r ON r.vm_id = v.id`
	page := keptRows + where + ` ORDER BY v.id DESC LIMIT ? OFFSET ?`
	if f.Offset > 0 {
		// Deep in the list, the page's ids first, from the index alone, then
		// their rows: skipped rows cost an index step each.
		page = keptRows + ` WHERE v.id IN (SELECT v.id FROM vms v` + where + ` ORDER BY v.id DESC LIMIT ? OFFSET ?) ORDER BY v.id DESC`
	}
	// A VM without a row (which the triggers leave none) is an empty value
	// among the others, which parseListRow refuses aloud. group_concat keeps
	// the order the page's rows come in, though SQLite does not promise it
	// (its ORDER BY inside the aggregate sorts again, measured slower): the
	// page is put in order below if ever it is not.
	//
	// The total of the unfiltered list comes with the page, from vm_totals;
	// a filtered one is counted below when the page does not tell it.
	unfiltered := f.Status == "" && f.Q == "" && f.Region == ""
	kept, pageArgs := `NULL`, append(slices.Clip(args), f.Limit, f.Offset)
	if unfiltered {
		kept, pageArgs = `(SELECT live FROM vm_totals WHERE user_id = ?)`, append([]any{f.UserID}, pageArgs...)
	}
	q := `SELECT coalesce(group_concat(coalesce(packed, ''), char(30)), ''), count(*), ` + kept + ` FROM (` + page + `)`
	var joined string
	var n int
	var counted sql.NullInt64
	if err := db.readRow(ctx, q, pageArgs...).Scan(&joined, &n, &counted); err != nil {
		return nil, 0, err
	}
	month := time.Now().UTC().Format("2006-01")
	out := make([]VM, 0, n)
	var v listRow
	for i, rest := 0, joined; i < n; i++ {
		packed, more, _ := strings.Cut(rest, listRowSep)
		rest = more
		if err := parseListRow(packed, &v); err != nil {
			return nil, 0, err
		}
		if !cat.knows(v.VM, v.pool4, v.pool6) {
			// Added to the catalog after it was read: read it again.
			if cat, err = db.listCatalog(ctx); err != nil {
				return nil, 0, err
			}
		}
		if v.trafficMonth != "" && v.trafficMonth != month {
			v.Received, v.Sent = 0, 0 // no traffic yet this month
		}
		cat.fill(&v.VM, v.pool4, v.pool6)
		v.OpenActions = open[v.ID]
		out = append(out, v.VM)
	}
	newestFirst := func(a, b VM) int { return cmp.Compare(b.ID, a.ID) }
	if !slices.IsSortedFunc(out, newestFirst) {
		slices.SortFunc(out, newestFirst)
	}
	if unfiltered {
		return out, int(counted.Int64), nil // a customer with no VM yet has no row
	}
	// A page that is not full ends the list, so it tells the total itself;
	// only a full page (or one past the end) needs the count.
	if n := len(out); n < f.Limit && (f.Offset == 0 || n > 0) {
		return out, f.Offset + n, nil
	}
	var total int
	if err := db.readRow(ctx, `SELECT count(*) FROM vms v`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// openActions counts a customer's actions in progress by VM: one look at the
// index of open actions (actions_open) instead of a count for every row listed.
func (db *DB) openActions(ctx context.Context, userID int64) (map[int64]int, error) {
	open := map[int64]int{}
	err := scanInto(db, ctx, `SELECT vm_id, count(*) FROM actions WHERE user_id = ? AND status = '`+ActionInProgress+`' AND vm_id IS NOT NULL GROUP BY vm_id`,
		func(scan func(...any) error) error {
			var id int64
			var n int
			err := scan(&id, &n)
			open[id] = n
			return err
		}, userID)
	return open, err
}

// VMForUser loads a customer's VM by UUID; another customer's VM is ErrNotFound.
func (db *DB) VMForUser(ctx context.Context, userID int64, uuid string) (VM, error) {
	return scanVM(db.readRow(ctx, `SELECT `+vmColumns+vmFrom+` WHERE v.uuid = ? AND v.user_id = ?`, uuid, userID))
}

// VMByUUID loads any VM (for workers).
func (db *DB) VMByUUID(ctx context.Context, uuid string) (VM, error) {
	return scanVM(db.readRow(ctx, `SELECT `+vmColumns+vmFrom+` WHERE v.uuid = ?`, uuid))
}

// VMByID loads any VM by its row id (for workers).
func (db *DB) VMByID(ctx context.Context, id int64) (VM, error) {
	return scanVM(db.readRow(ctx, `SELECT `+vmColumns+vmFrom+` WHERE v.id = ?`, id))
}

// VMsOnNodes lists the live VMs placed on nodes, for the reconciler.
func (db *DB) VMsOnNodes(ctx context.Context) ([]VM, error) {
	return db.vmsWhere(ctx, `v.node_id IS NOT NULL AND v.status <> `+sqlDestroyed)
}

// vmsWhere lists the VMs, read whole, that where selects.
func (db *DB) vmsWhere(ctx context.Context, where string, args ...any) ([]VM, error) {
	rows, err := db.read(ctx, `SELECT `+vmColumns+vmFrom+` WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VM
	for rows.Next() {
		v, err := scanVM(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SetVMStatus records a VM's state. A destroyed VM stays destroyed.
func (db *DB) SetVMStatus(ctx context.Context, id int64, status vmstatus.Status) error {
	_, err := db.W.ExecContext(ctx, `UPDATE vms SET `+statusSet+` WHERE id = ?3 AND status <> `+sqlDestroyed,
		status, time.Now().Unix(), id)
	return err
}

// VMStatusSeq is the count of a VM's status changes (see ReconcileVMStatus).
func (db *DB) VMStatusSeq(ctx context.Context, uuid string) (int64, error) {
	var seq int64
	err := db.readRow(ctx, `SELECT status_seq FROM vms WHERE uuid = ?`, uuid).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return seq, err
}

// VMSeqAndNode is VMStatusSeq with the node the VM is recorded on (0: none
// yet): a node's event about a VM that lives elsewhere is not the VM's.
func (db *DB) VMSeqAndNode(ctx context.Context, uuid string) (seq, nodeID int64, err error) {
	err = db.readRow(ctx, `SELECT status_seq, coalesce(node_id, 0) FROM vms WHERE uuid = ?`, uuid).Scan(&seq, &nodeID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, ErrNotFound
	}
	return seq, nodeID, err
}

// SetVMStatusByUUID records a state reported by a node, unless the status
// changed since seq was read (VMStatusSeq): writes share one connection and
// need not land in the order they were made, and an operation's newer status
// must not be overwritten by an event about an older one. It reports whether a
// row changed. A node's "undefined" event usually beats the panel's own
// SetVMStatus after a delete, so this is where most VMs get their destroyed_at.
// A VM in the recycle bin hears only that its domain is gone: its domain is
// off by the panel's doing, and only a restore brings it out.
func (db *DB) SetVMStatusByUUID(ctx context.Context, uuid string, status vmstatus.Status, seq int64) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE vms SET `+statusSet+`, node_unavailable = 0
		WHERE uuid = ?3 AND status_seq = ?4 AND status <> ?1 AND status NOT IN (`+sqlDestroyed+`, `+sqlCreating+`)
		AND NOT (status = `+sqlDeleted+` AND ?1 <> `+sqlDestroyed+`)
		AND NOT (status = `+sqlFailed+` AND ?1 = `+sqlDestroyed+` AND id IN (SELECT vm_id FROM orders WHERE status = '`+string(vmstatus.OrderRefunded)+`'))`,
		status, time.Now().Unix(), uuid, seq)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// ReconcileVMStatus records the state the reconciler found, unless the status
// changed since it read vm (its StatusSeq moved): that newer status came from a
// lifecycle event and is fresher than the pass's observation. A VM in the
// recycle bin is only ever found gone (as SetVMStatusByUUID).
func (db *DB) ReconcileVMStatus(ctx context.Context, vm VM, status vmstatus.Status) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE vms SET `+statusSet+` WHERE id = ?3 AND status_seq = ?4 AND status <> `+sqlDestroyed+`
		AND NOT (status = `+sqlDeleted+` AND ?1 <> `+sqlDestroyed+`)`,
		status, time.Now().Unix(), vm.ID, vm.StatusSeq)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// SetNodeUnavailable flags every live VM of a node as unreachable, or clears the flag.
func (db *DB) SetNodeUnavailable(ctx context.Context, nodeID int64, down bool) error {
	_, err := db.W.ExecContext(ctx, `UPDATE vms SET node_unavailable = ?1 WHERE node_id = ?2 AND status <> `+sqlDestroyed+` AND node_unavailable <> ?1`, down, nodeID)
	return err
}

// RenameVM changes the display name.
func (db *DB) RenameVM(ctx context.Context, id int64, name string) error {
	return db.exec1(ctx, `UPDATE vms SET display_name = ?, updated_at = ? WHERE id = ?`, name, time.Now().Unix(), id)
}

// SetVMHostname changes the hostname.
func (db *DB) SetVMHostname(ctx context.Context, id int64, hostname string) error {
	return db.exec1(ctx, `UPDATE vms SET hostname = ?, updated_at = ? WHERE id = ?`, hostname, time.Now().Unix(), id)
}

// SetVMRootCrypt replaces the stored root password hash used by future seeds (rebuilds).
func (db *DB) SetVMRootCrypt(ctx context.Context, id int64, crypt string) error {
	return db.exec1(ctx, `UPDATE vms SET root_password_crypt = ?, updated_at = ? WHERE id = ?`, crypt, time.Now().Unix(), id)
}

// SetVMNode records where a VM was placed.
func (db *DB) SetVMNode(ctx context.Context, id, nodeID int64) error {
	return db.exec1(ctx, `UPDATE vms SET node_id = ?, updated_at = ? WHERE id = ?`, nodeID, time.Now().Unix(), id)
}

// SetVMSize records a new plan and size after a resize.
func (db *DB) SetVMSize(ctx context.Context, id int64, plan string, vcpus, memoryMB, diskGB int) error {
	return db.exec1(ctx, `UPDATE vms SET plan_slug = ?, vcpus = ?, memory_mb = ?, disk_gb = ?, updated_at = ? WHERE id = ?`,
		plan, vcpus, memoryMB, diskGB, time.Now().Unix(), id)
}

// TryLockVM locks a VM for one operation; false when another holds it.
func (db *DB) TryLockVM(ctx context.Context, id int64) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE vms SET locked = 1, updated_at = ? WHERE id = ? AND locked = 0`, time.Now().Unix(), id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetVMLocked locks a VM against customer actions while an operation runs.
func (db *DB) SetVMLocked(ctx context.Context, id int64, locked bool) error {
	_, err := db.W.ExecContext(ctx, `UPDATE vms SET locked = ?, updated_at = ? WHERE id = ?`, locked, time.Now().Unix(), id)
	return err
}

// Held reports a VM held for want of funds (see UnpaidSince).
func (v VM) Held() bool { return !v.UnpaidSince.IsZero() }

// Suspended reports a VM suspended for non-payment.
func (v VM) Suspended() bool { return !v.SuspendedAt.IsZero() }

// UserIDString is the owner as recorded in the domain's metadata.
func (v VM) UserIDString() string { return strconv.FormatInt(v.UserID, 10) }

// SetVMBoot records what a VM boots from: its disk (both empty), an ISO, or the
// rescue system (rescueCrypt, the one-time password's hash).
func (db *DB) SetVMBoot(ctx context.Context, id int64, iso, rescueCrypt string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE vms SET boot_iso = ?, rescue_crypt = ?, updated_at = ? WHERE id = ?`, iso, rescueCrypt, time.Now().Unix(), id)
	return err
}
