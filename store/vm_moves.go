package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"abrak/vmstatus"
)

// Move states.
const (
	MoveMoving    = "moving"
	MoveMoved     = "moved"
	MoveFailed    = "failed"
	MoveUnsettled = "unsettled"
)

// ErrLocked: another operation holds the VM.
var ErrLocked = errors.New("store: the vm is locked by another operation")

// Move is one move of a VM between nodes, or one that could not begin
// (ToNodeID 0).
type Move struct {
	ID, VMID, ActionID int64
	VMUUID, VMName     string
	UserID             int64
	VMStatus           vmstatus.Status
	FromNodeID         int64
	ToNodeID           int64
	// RestNodeID is a node still holding a copy the move could not remove.
	RestNodeID       int64
	FromNode, ToNode string
	Status           string
	WasRunning       bool
	Mode, ColdReason string
	Downtime, Took   time.Duration
	Error            string
	StartedAt        time.Time
	EndedAt          time.Time
}

const moveColumns = `m.id, m.vm_id, coalesce(m.action_id, 0), v.uuid, v.display_name, v.user_id, v.status, m.from_node_id,
	coalesce(m.to_node_id, 0), coalesce(m.rest_node_id, 0), f.name, coalesce(t.name, ''), m.status, m.was_running, m.mode,
	m.cold_reason, m.downtime_ms, m.took_ms, m.error, m.started_at, coalesce(m.ended_at, 0)`

const moveFrom = ` FROM vm_moves m JOIN vms v ON v.id = m.vm_id JOIN nodes f ON f.id = m.from_node_id LEFT JOIN nodes t ON t.id = m.to_node_id`

func scanMove(row interface{ Scan(...any) error }) (Move, error) {
	var m Move
	var downtime, took, started, ended int64
	err := row.Scan(&m.ID, &m.VMID, &m.ActionID, &m.VMUUID, &m.VMName, &m.UserID, &m.VMStatus, &m.FromNodeID, &m.ToNodeID, &m.RestNodeID,
		&m.FromNode, &m.ToNode, &m.Status, &m.WasRunning, &m.Mode, &m.ColdReason, &downtime, &took, &m.Error, &started, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	m.Downtime, m.Took = time.Duration(downtime)*time.Millisecond, time.Duration(took)*time.Millisecond
	m.StartedAt = time.Unix(started, 0).UTC()
	if ended > 0 {
		m.EndedAt = time.Unix(ended, 0).UTC()
	}
	return m, err
}

func (db *DB) moves(ctx context.Context, where string, args ...any) ([]Move, error) {
	rows, err := db.read(ctx, `SELECT `+moveColumns+moveFrom+` WHERE `+where+` ORDER BY m.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Move
	for rows.Next() {
		m, err := scanMove(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// StartMove locks the VM, records the customer's migrate action (under the
// VM's owner, whose action list shows it) and the move, in one transaction;
// ErrLocked when another operation holds the VM.
func (db *DB) StartMove(ctx context.Context, vm VM, toNodeID int64) (Move, error) {
	m := Move{VMID: vm.ID, VMUUID: vm.UUID, VMName: vm.DisplayName, UserID: vm.UserID, VMStatus: vm.Status, FromNodeID: vm.NodeID,
		ToNodeID: toNodeID, Status: MoveMoving, WasRunning: vm.Status.Active()}
	now := time.Now()
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE vms SET locked = 1, updated_at = ? WHERE id = ? AND locked = 0 AND node_id = ?`, now.Unix(), vm.ID, vm.NodeID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrLocked
		}
		if m.ActionID, err = StartActionTx(ctx, tx, vm.UserID, vm.ID, "migrate"); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO vm_moves (vm_id, action_id, from_node_id, to_node_id, status, was_running, started_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, vm.ID, m.ActionID, vm.NodeID, toNodeID, MoveMoving, m.WasRunning, now.Unix()).Scan(&m.ID)
	})
	m.StartedAt = now.UTC().Truncate(time.Second)
	return m, err
}

// MoveNotBegun records a VM a drain could not move at all (no node to take
// it, another operation holding it), so the operator reads why.
func (db *DB) MoveNotBegun(ctx context.Context, vm VM, why string) error {
	now := time.Now().Unix()
	_, err := db.W.ExecContext(ctx, `INSERT INTO vm_moves (vm_id, from_node_id, status, was_running, error, started_at, ended_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, vm.ID, vm.NodeID, MoveFailed, vm.Status.Active(), why, now, now)
	return err
}

// MoveEnd is how a move ended.
type MoveEnd struct {
	Mode, ColdReason string
	Downtime, Took   time.Duration
	// Error is the operator's words for a failure; ActionError the customer's
	// (a message key).
	Error, ActionError string
	// RestNodeID is a node left holding a copy of the VM (0: none).
	RestNodeID int64
}

// MoveDone records a VM on the node it moved to, with the status it has
// there, unlocks it and ends its action and the move, in one transaction. The
// status count moves even when the status is the same: what the reconciler
// or an event read of the VM before is stale now that it lives elsewhere.
func (db *DB) MoveDone(ctx context.Context, m Move, status vmstatus.Status, end MoveEnd) error {
	now := time.Now().Unix()
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE vms SET node_id = ?1, status = ?2, status_seq = status_seq + 1, locked = 0, node_unavailable = 0,
			updated_at = ?3 WHERE id = ?4 AND status <> `+sqlDestroyed, m.ToNodeID, status, now, m.VMID); err != nil {
			return err
		}
		if err := endActionTx(ctx, tx, m.ActionID, ""); err != nil {
			return err
		}
		return endMoveTx(ctx, tx, m.ID, MoveMoved, end)
	})
}

// MoveFailed records a move that left the VM where it was: unlocked, its
// action errored.
func (db *DB) MoveFailed(ctx context.Context, m Move, end MoveEnd) error {
	now := time.Now().Unix()
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE vms SET locked = 0, updated_at = ? WHERE id = ?`, now, m.VMID); err != nil {
			return err
		}
		if err := endActionTx(ctx, tx, m.ActionID, end.ActionError); err != nil {
			return err
		}
		return endMoveTx(ctx, tx, m.ID, MoveFailed, end)
	})
}

// MoveUnsettled records a move whose end no node could tell: the VM stays
// locked and its action open until both nodes answer (UnsettledMoves).
func (db *DB) MoveUnsettled(ctx context.Context, id int64, why string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE vm_moves SET status = ?, error = ? WHERE id = ?`, MoveUnsettled, why, id)
	return err
}

// UnsettleMovesInFlight turns the moves a stopped panel left under way into
// unsettled ones, at start: which node holds each VM is asked of the nodes.
func (db *DB) UnsettleMovesInFlight(ctx context.Context) error {
	_, err := db.W.ExecContext(ctx, `UPDATE vm_moves SET status = ?, error = 'the panel stopped during the move' WHERE status = ?`,
		MoveUnsettled, MoveMoving)
	return err
}

// UnsettledMoves lists the moves waiting for both nodes to say where the VM is.
func (db *DB) UnsettledMoves(ctx context.Context) ([]Move, error) {
	return db.moves(ctx, `m.status = ?`, MoveUnsettled)
}

// MoveRests lists the moves that left a copy of their VM on a node.
func (db *DB) MoveRests(ctx context.Context) ([]Move, error) {
	return db.moves(ctx, `m.rest_node_id IS NOT NULL`)
}

// ClearMoveRest records that the copy a move left is gone.
func (db *DB) ClearMoveRest(ctx context.Context, id int64) error {
	_, err := db.W.ExecContext(ctx, `UPDATE vm_moves SET rest_node_id = NULL WHERE id = ?`, id)
	return err
}

// MovesFrom lists the moves away from a node after the move afterID, oldest first.
func (db *DB) MovesFrom(ctx context.Context, nodeID, afterID int64) ([]Move, error) {
	return db.moves(ctx, `m.from_node_id = ? AND m.id > ?`, nodeID, afterID)
}

// MoveByID loads one move.
func (db *DB) MoveByID(ctx context.Context, id int64) (Move, error) {
	return scanMove(db.readRow(ctx, `SELECT `+moveColumns+moveFrom+` WHERE m.id = ?`, id))
}

// VMsOnNode lists the VMs recorded on a node that are not destroyed, oldest first.
func (db *DB) VMsOnNode(ctx context.Context, nodeID int64) ([]VM, error) {
	return db.vmsWhere(ctx, `v.node_id = ? AND v.status <> `+sqlDestroyed+` ORDER BY v.id`, nodeID)
}

func endMoveTx(ctx context.Context, tx *sql.Tx, id int64, status string, end MoveEnd) error {
	var rest any
	if end.RestNodeID != 0 {
		rest = end.RestNodeID
	}
	_, err := tx.ExecContext(ctx, `UPDATE vm_moves SET status = ?, mode = ?, cold_reason = ?, downtime_ms = ?, took_ms = ?, error = ?,
		rest_node_id = ?, ended_at = ? WHERE id = ?`, status, end.Mode, end.ColdReason, end.Downtime.Milliseconds(), end.Took.Milliseconds(),
		end.Error, rest, time.Now().Unix(), id)
	return err
}

func endActionTx(ctx context.Context, tx *sql.Tx, id int64, errMsg string) error {
	status := ActionCompleted
	if errMsg != "" {
		status = ActionErrored
	}
	_, err := tx.ExecContext(ctx, `UPDATE actions SET status = ?, error = ?, completed_at = ?, progress = CASE WHEN ?1 = 'completed' THEN 100 ELSE progress END
		WHERE id = ? AND status = ?`, status, errMsg, time.Now().Unix(), id, ActionInProgress)
	return err
}
