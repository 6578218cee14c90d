package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Node is a libvirt host.
type Node struct {
	ID                      int64
	Name, Region, URI       string
	VNCHost                 string
	VCPUs, MemoryMB, DiskGB int
	Enabled                 bool
	// VirtType is the operator's choice of accelerator: auto, kvm or qemu.
	VirtType string
	// Bridge is the bridge its guests join (empty: user-mode networking);
	// VNCSocketDir, for a local node, where their VNC sockets are (empty: TCP).
	Bridge, VNCSocketDir string
	// MigrationAddress is where it takes live migrations in (empty: only cold
	// moves reach it); PeerURI is how another node's libvirtd dials it (empty:
	// URI).
	MigrationAddress, PeerURI string
	// Draining: it takes no new VM, and a panel moves its VMs away while
	// DrainAsked (the operator's requests) is ahead of DrainDone.
	Draining              bool
	DrainAsked, DrainDone int64
	CreatedAt             time.Time
	// What the panel last saw of the node (RecordNodeHealth): the accelerator it
	// chose and why, and whether the connection was up ("up", or why not).
	VirtChosen, VirtReason string
	ConnState              string
	SeenAt                 time.Time
}

const nodeColumns = `id, name, region, uri, vnc_host, vcpus, memory_mb, disk_gb, enabled, virt_type, created_at,
	virt_chosen, virt_reason, conn_state, seen_at, bridge, vnc_socket_dir, migration_address, peer_uri, draining, drain_asked, drain_done`

func scanNode(row interface{ Scan(...any) error }) (Node, error) {
	var n Node
	var created, seen int64
	err := row.Scan(&n.ID, &n.Name, &n.Region, &n.URI, &n.VNCHost, &n.VCPUs, &n.MemoryMB, &n.DiskGB, &n.Enabled, &n.VirtType, &created,
		&n.VirtChosen, &n.VirtReason, &n.ConnState, &seen, &n.Bridge, &n.VNCSocketDir, &n.MigrationAddress, &n.PeerURI,
		&n.Draining, &n.DrainAsked, &n.DrainDone)
	n.CreatedAt = time.Unix(created, 0).UTC()
	if seen > 0 {
		n.SeenAt = time.Unix(seen, 0).UTC()
	}
	return n, err
}

// UpsertNode adds a node or updates the one with the same name. An empty
// VirtType keeps the node's choice (auto for a new one); whether it drains is
// left as it is.
func (db *DB) UpsertNode(ctx context.Context, n Node) (Node, error) {
	err := db.W.QueryRowContext(ctx, `INSERT INTO nodes (name, region, uri, vnc_host, vcpus, memory_mb, disk_gb, enabled, virt_type, created_at,
		bridge, vnc_socket_dir, migration_address, peer_uri)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, coalesce(nullif(?9, ''), 'auto'), ?10, ?11, ?12, ?13, ?14)
		ON CONFLICT (name) DO UPDATE SET region = excluded.region, uri = excluded.uri, vnc_host = excluded.vnc_host, vcpus = excluded.vcpus,
		memory_mb = excluded.memory_mb, disk_gb = excluded.disk_gb, enabled = excluded.enabled,
		virt_type = coalesce(nullif(?9, ''), virt_type), bridge = excluded.bridge, vnc_socket_dir = excluded.vnc_socket_dir,
		migration_address = excluded.migration_address, peer_uri = excluded.peer_uri
		RETURNING id, virt_type, draining`,
		n.Name, n.Region, n.URI, n.VNCHost, n.VCPUs, n.MemoryMB, n.DiskGB, n.Enabled, n.VirtType, time.Now().Unix(),
		n.Bridge, n.VNCSocketDir, n.MigrationAddress, n.PeerURI).Scan(&n.ID, &n.VirtType, &n.Draining)
	return n, err
}

// SetNodeMigration changes where an existing node takes live migrations in
// and how other nodes dial it; ErrNotFound for an unknown name.
func (db *DB) SetNodeMigration(ctx context.Context, name, address, peerURI string) error {
	return db.exec1(ctx, `UPDATE nodes SET migration_address = ?, peer_uri = ? WHERE name = ?`, address, peerURI, name)
}

// NodeByName loads one node, disabled or not.
func (db *DB) NodeByName(ctx context.Context, name string) (Node, error) {
	n, err := scanNode(db.readRow(ctx, `SELECT `+nodeColumns+` FROM nodes WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return n, ErrNotFound
	}
	return n, err
}

// AskDrain marks a node draining and counts a request to empty it, which the
// running panel takes up; it returns the node with the request's number
// (DrainAsked) and the last move recorded so far, after which the moves this
// request makes come.
func (db *DB) AskDrain(ctx context.Context, name string) (n Node, lastMove int64, err error) {
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM vm_moves`).Scan(&lastMove); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `UPDATE nodes SET draining = 1, drain_asked = drain_asked + 1 WHERE name = ? RETURNING id`, name).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		n, err = scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM nodes WHERE id = ?`, id))
		return err
	})
	return n, lastMove, err
}

// Undrain lets a node take new VMs again; a drain under way stops before its
// next VM. ErrNotFound for an unknown name.
func (db *DB) Undrain(ctx context.Context, name string) error {
	return db.exec1(ctx, `UPDATE nodes SET draining = 0, drain_done = drain_asked WHERE name = ?`, name)
}

// DrainsAsked lists the draining nodes with a request no panel has gone through.
func (db *DB) DrainsAsked(ctx context.Context) ([]Node, error) {
	return db.nodes(ctx, `WHERE draining = 1 AND drain_asked > drain_done`)
}

// DrainDone records that a panel went through the node's requests up to asked.
func (db *DB) DrainDone(ctx context.Context, id, asked int64) error {
	_, err := db.W.ExecContext(ctx, `UPDATE nodes SET drain_done = max(drain_done, ?) WHERE id = ?`, asked, id)
	return err
}

// DrainingNodes are the ids of the nodes that take no new VM: draining, or
// in maintenance (node_maintenance.go).
func (db *DB) DrainingNodes(ctx context.Context) (map[int64]bool, error) {
	return db.readIDSet(ctx, `SELECT id FROM nodes WHERE draining = 1 OR maintenance = 1`)
}

// SetNodeVirtType changes an existing node's accelerator choice; ErrNotFound for an unknown name.
func (db *DB) SetNodeVirtType(ctx context.Context, name, virtType string) error {
	return db.exec1(ctx, `UPDATE nodes SET virt_type = ? WHERE name = ?`, virtType, name)
}

// Nodes lists every enabled node.
func (db *DB) Nodes(ctx context.Context) ([]Node, error) {
	return db.nodes(ctx, `WHERE enabled = 1`)
}

// AllNodes lists every node, disabled ones included, for the operator.
func (db *DB) AllNodes(ctx context.Context) ([]Node, error) {
	return db.nodes(ctx, ``)
}

func (db *DB) nodes(ctx context.Context, where string) ([]Node, error) {
	rows, err := db.read(ctx, `SELECT `+nodeColumns+` FROM nodes `+where+` ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Node
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// RecordNodeHealth keeps what the panel saw of a node, for `abrak admin nodes`;
// it writes only when something other than the time changed, or the last
// record is over a minute old.
func (db *DB) RecordNodeHealth(ctx context.Context, id int64, chosen, reason, state string, at time.Time) error {
	_, err := db.W.ExecContext(ctx, `UPDATE nodes SET virt_chosen = ?1, virt_reason = ?2, conn_state = ?3, seen_at = ?4
		WHERE id = ?5 AND (virt_chosen <> ?1 OR virt_reason <> ?2 OR conn_state <> ?3 OR seen_at < ?4 - 60)`,
		chosen, reason, state, at.Unix(), id)
	return err
}

// NodeUsage sums the resources of the live VMs placed on each node.
func (db *DB) NodeUsage(ctx context.Context) (map[int64][3]int, error) {
	rows, err := db.read(ctx, `SELECT node_id, sum(vcpus), sum(memory_mb), sum(disk_gb) FROM vms WHERE node_id IS NOT NULL AND status <> `+sqlDestroyed+` GROUP BY node_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][3]int{}
	for rows.Next() {
		var id int64
		var r [3]int
		if err := rows.Scan(&id, &r[0], &r[1], &r[2]); err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, rows.Err()
}
