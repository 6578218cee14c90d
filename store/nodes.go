package store

import (
	"context"
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
	CreatedAt            time.Time
	// What the panel last saw of the node (RecordNodeHealth): the accelerator it
	// chose and why, and whether the connection was up ("up", or why not).
	VirtChosen, VirtReason string
	ConnState              string
	SeenAt                 time.Time
}

const nodeColumns = `id, name, region, uri, vnc_host, vcpus, memory_mb, disk_gb, enabled, virt_type, created_at,
	virt_chosen, virt_reason, conn_state, seen_at, bridge, vnc_socket_dir`

func scanNode(row interface{ Scan(...any) error }) (Node, error) {
	var n Node
	var created, seen int64
	err := row.Scan(&n.ID, &n.Name, &n.Region, &n.URI, &n.VNCHost, &n.VCPUs, &n.MemoryMB, &n.DiskGB, &n.Enabled, &n.VirtType, &created,
		&n.VirtChosen, &n.VirtReason, &n.ConnState, &seen, &n.Bridge, &n.VNCSocketDir)
	n.CreatedAt = time.Unix(created, 0).UTC()
	if seen > 0 {
		n.SeenAt = time.Unix(seen, 0).UTC()
	}
	return n, err
}

// UpsertNode adds a node or updates the one with the same name. An empty
// VirtType keeps the node's choice (auto for a new one).
func (db *DB) UpsertNode(ctx context.Context, n Node) (Node, error) {
	err := db.W.QueryRowContext(ctx, `INSERT INTO nodes (name, region, uri, vnc_host, vcpus, memory_mb, disk_gb, enabled, virt_type, created_at,
		bridge, vnc_socket_dir)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, coalesce(nullif(?9, ''), 'auto'), ?10, ?11, ?12)
		ON CONFLICT (name) DO UPDATE SET region = excluded.region, uri = excluded.uri, vnc_host = excluded.vnc_host, vcpus = excluded.vcpus,
		memory_mb = excluded.memory_mb, disk_gb = excluded.disk_gb, enabled = excluded.enabled,
		virt_type = coalesce(nullif(?9, ''), virt_type), bridge = excluded.bridge, vnc_socket_dir = excluded.vnc_socket_dir
		RETURNING id, virt_type`,
		n.Name, n.Region, n.URI, n.VNCHost, n.VCPUs, n.MemoryMB, n.DiskGB, n.Enabled, n.VirtType, time.Now().Unix(),
		n.Bridge, n.VNCSocketDir).Scan(&n.ID, &n.VirtType)
	return n, err
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
