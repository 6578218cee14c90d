package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Maintenance is a node's planned maintenance as the operator set it.
type Maintenance struct {
	On     bool
	Until  time.Time // zero: no end announced
	Reason string
}

// SetNodeMaintenance turns a node's maintenance on (with its end and reason)
// or off; ErrNotFound for an unknown id.
func (db *DB) SetNodeMaintenance(ctx context.Context, id int64, m Maintenance) error {
	until := int64(0)
	if m.On && !m.Until.IsZero() {
		until = m.Until.Unix()
	}
	if !m.On {
		m.Reason = ""
	}
	return db.exec1(ctx, `UPDATE nodes SET maintenance = ?, maintenance_until = ?, maintenance_reason = ? WHERE id = ?`,
		m.On, until, m.Reason, id)
}

// NodesMaintenance is every node's maintenance, by node id.
func (db *DB) NodesMaintenance(ctx context.Context) (map[int64]Maintenance, error) {
	rows, err := db.read(ctx, `SELECT id, maintenance, maintenance_until, maintenance_reason FROM nodes`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]Maintenance{}
	for rows.Next() {
		var id, until int64
		var m Maintenance
		if err := rows.Scan(&id, &m.On, &until, &m.Reason); err != nil {
			return nil, err
		}
		m.Until = unixOrZero(until)
		out[id] = m
	}
	return out, rows.Err()
}

// VMNodeMaintenance is the maintenance of the node the VM with uuid is on
// (Maintenance{} when none, or when it is on no node).
func (db *DB) VMNodeMaintenance(ctx context.Context, uuid string) (Maintenance, error) {
	var m Maintenance
	var until int64
	err := db.readRow(ctx, `SELECT n.maintenance, n.maintenance_until, n.maintenance_reason FROM vms v JOIN nodes n ON n.id = v.node_id
		WHERE v.uuid = ? AND n.maintenance = 1`, uuid).Scan(&m.On, &until, &m.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return Maintenance{}, nil
	}
	m.Until = unixOrZero(until)
	return m, err
}

// NodeVMCounts counts the VMs recorded on each node, by node id.
func (db *DB) NodeVMCounts(ctx context.Context) (map[int64]int, error) {
	rows, err := db.read(ctx, `SELECT node_id, count(*) FROM vms WHERE node_id IS NOT NULL AND status <> `+sqlDestroyed+` GROUP BY node_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// VMInMaintenance is one of a customer's VMs on a node in maintenance.
type VMInMaintenance struct {
	UUID, Name string
	Maintenance
}

// UserVMsInMaintenance lists the account's live VMs whose node is in
// maintenance, by name.
func (db *DB) UserVMsInMaintenance(ctx context.Context, userID int64) ([]VMInMaintenance, error) {
	rows, err := db.read(ctx, `SELECT v.uuid, v.display_name, n.maintenance_until, n.maintenance_reason FROM vms v JOIN nodes n ON n.id = v.node_id
		WHERE v.user_id = ? AND n.maintenance = 1 AND v.status <> `+sqlDestroyed+` ORDER BY v.display_name, v.id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VMInMaintenance
	for rows.Next() {
		var v VMInMaintenance
		var until int64
		if err := rows.Scan(&v.UUID, &v.Name, &until, &v.Reason); err != nil {
			return nil, err
		}
		v.On, v.Until = true, unixOrZero(until)
		out = append(out, v)
	}
	return out, rows.Err()
}
