package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Action states.
const (
	ActionInProgress = "in-progress"
	ActionCompleted  = "completed"
	ActionErrored    = "errored"
)

// The errors the store itself gives a create action (message keys, like the
// services' ActionErr*): the order was refunded, or cancelled by the customer.
const (
	ActionBuildFailed = "action.error.build_failed"
	ActionCancelled   = "action.error.cancelled"
)

// Action is the record of one operation on a VM.
type Action struct {
	ID     int64
	UserID int64
	VMID   int64
	VMUUID string
	// Region is the VM's region (seed 003's action names where it happened).
	Region      string
	Type        string
	Status      string
	Error       string
	StartedAt   time.Time
	CompletedAt *time.Time
	// Progress is how far a long action got, in percent (0 for the short ones).
	Progress int
	// Result is how it ended when there was more than one way (ActionResult*), or "".
	Result string
}

// How a shutdown ended (seed 002's wait_for): the guest stopped when asked
// (ACPI), or it had not within the wait and was powered off.
const (
	ActionResultACPI   = "acpi"
	ActionResultForced = "forced"
)

// SetActionResult records how an action ended (ActionResult*).
func (db *DB) SetActionResult(ctx context.Context, id int64, result string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE actions SET result = ? WHERE id = ?`, result, id)
	return err
}

// StartAction records an operation that has begun.
func (db *DB) StartAction(ctx context.Context, userID, vmID int64, typ string) (Action, error) {
	now := time.Now()
	a := Action{UserID: userID, VMID: vmID, Type: typ, Status: ActionInProgress, StartedAt: now.UTC().Truncate(time.Second)}
	err := db.W.QueryRowContext(ctx, `INSERT INTO actions (user_id, vm_id, type, status, started_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		userID, vmID, typ, ActionInProgress, now.Unix()).Scan(&a.ID)
	return a, err
}

// StartActionTx records an operation inside a larger transaction.
func StartActionTx(ctx context.Context, tx *sql.Tx, userID, vmID int64, typ string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO actions (user_id, vm_id, type, status, started_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		userID, vmID, typ, ActionInProgress, time.Now().Unix()).Scan(&id)
	return id, err
}

// CompletedAction records an operation that finished at once (a no-op or a database-only change).
func (db *DB) CompletedAction(ctx context.Context, userID, vmID int64, typ string) (Action, error) {
	a, err := db.StartAction(ctx, userID, vmID, typ)
	if err != nil {
		return a, err
	}
	return db.EndAction(ctx, a.ID, "")
}

// SetActionProgress records how far an action in progress got, in percent.
func (db *DB) SetActionProgress(ctx context.Context, id int64, percent int) error {
	_, err := db.W.ExecContext(ctx, `UPDATE actions SET progress = ? WHERE id = ? AND status = ? AND progress <> ?`,
		min(max(percent, 0), 100), id, ActionInProgress, percent)
	return err
}

// EndAction completes an action, or marks it errored when errMsg is not empty.
func (db *DB) EndAction(ctx context.Context, id int64, errMsg string) (Action, error) {
	status := ActionCompleted
	if errMsg != "" {
		status = ActionErrored
	}
	if _, err := db.W.ExecContext(ctx, `UPDATE actions SET status = ?, error = ?, completed_at = ?, progress = CASE WHEN ?1 = 'completed' THEN 100 ELSE progress END WHERE id = ? AND status = ?`,
		status, errMsg, time.Now().Unix(), id, ActionInProgress); err != nil {
		return Action{}, err
	}
	return db.ActionByID(ctx, id)
}

// endCreateAction finishes a VM's open create action inside the transaction
// that ends its order, so the order and its action are never seen disagreeing.
func endCreateAction(ctx context.Context, tx *sql.Tx, vmID int64, errMsg string) error {
	status := ActionCompleted
	if errMsg != "" {
		status = ActionErrored
	}
	_, err := tx.ExecContext(ctx, `UPDATE actions SET status = ?, error = ?, completed_at = ?, progress = 100 WHERE vm_id = ? AND type = 'create' AND status = ?`,
		status, errMsg, time.Now().Unix(), vmID, ActionInProgress)
	return err
}

const actionColumns = `a.id, a.user_id, coalesce(a.vm_id, 0), coalesce(v.uuid, ''), coalesce(v.region, ''), a.type, a.status, a.error, a.started_at, a.completed_at, a.progress, a.result`

func scanAction(row interface{ Scan(...any) error }) (Action, error) {
	var a Action
	var started int64
	var completed sql.NullInt64
	err := row.Scan(&a.ID, &a.UserID, &a.VMID, &a.VMUUID, &a.Region, &a.Type, &a.Status, &a.Error, &started, &completed, &a.Progress, &a.Result)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	a.StartedAt = time.Unix(started, 0).UTC()
	if completed.Valid {
		t := time.Unix(completed.Int64, 0).UTC()
		a.CompletedAt = &t
	}
	return a, err
}

// ActionByID loads one action.
func (db *DB) ActionByID(ctx context.Context, id int64) (Action, error) {
	return scanAction(db.W.QueryRowContext(ctx, `SELECT `+actionColumns+` FROM actions a LEFT JOIN vms v ON v.id = a.vm_id WHERE a.id = ?`, id))
}

// ActionForUser loads a customer's action; another customer's is ErrNotFound.
func (db *DB) ActionForUser(ctx context.Context, userID, id int64) (Action, error) {
	return scanAction(db.readRow(ctx, `SELECT `+actionColumns+` FROM actions a LEFT JOIN vms v ON v.id = a.vm_id WHERE a.id = ? AND a.user_id = ?`, id, userID))
}

// ActionsForVM lists a VM's actions, newest first, and the total.
func (db *DB) ActionsForVM(ctx context.Context, vmID int64, limit, offset int) ([]Action, int, error) {
	var total int
	if err := db.readRow(ctx, `SELECT count(*) FROM actions WHERE vm_id = ?`, vmID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.read(ctx, `SELECT `+actionColumns+` FROM actions a LEFT JOIN vms v ON v.id = a.vm_id WHERE a.vm_id = ? ORDER BY a.id DESC LIMIT ? OFFSET ?`, vmID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Action
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// ActionInProgress is the VM's action of type typ still in progress, or ErrNotFound.
func (db *DB) ActionInProgress(ctx context.Context, vmID int64, typ string) (Action, error) {
	return scanAction(db.W.QueryRowContext(ctx, `SELECT `+actionColumns+` FROM actions a LEFT JOIN vms v ON v.id = a.vm_id
		WHERE a.vm_id = ? AND a.type = ? AND a.status = ? ORDER BY a.id DESC LIMIT 1`, vmID, typ, ActionInProgress))
}

// OpenActions lists actions still in progress (left by a crash) for the worker to settle at start.
func (db *DB) OpenActions(ctx context.Context) ([]Action, error) {
	rows, err := db.read(ctx, `SELECT `+actionColumns+` FROM actions a LEFT JOIN vms v ON v.id = a.vm_id WHERE a.status = ?`, ActionInProgress)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Action
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// VMsWithOpenActions returns the ids of a user's VMs that have an action in progress.
func (db *DB) VMsWithOpenActions(ctx context.Context, userID int64) (map[int64]bool, error) {
	return db.readIDSet(ctx, `SELECT DISTINCT vm_id FROM actions WHERE user_id = ? AND status = ? AND vm_id IS NOT NULL`, userID, ActionInProgress)
}

// ActionFilter narrows a customer's actions: by status and by type ("" is any).
type ActionFilter struct {
	UserID        int64
	Status, Type  string
	Limit, Offset int
}

// ActionsForUser lists a customer's actions across their VMs, newest first, and the total.
func (db *DB) ActionsForUser(ctx context.Context, f ActionFilter) ([]Action, int, error) {
	count, list, args := actionsForUserQueries(f)
	var total int
	if err := db.readRow(ctx, count, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.read(ctx, list, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Action{}
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// actionsForUserQueries are ActionsForUser's count and page queries (the page
// takes LIMIT and OFFSET after args). Each reads an index of migration 0046
// (the user's actions, by type or status, newest first), never the whole table.
func actionsForUserQueries(f ActionFilter) (count, list string, args []any) {
	where := `a.user_id = ?`
	args = []any{f.UserID}
	if f.Status != "" {
		where += ` AND a.status = ?`
		args = append(args, f.Status)
	}
	if f.Type != "" {
		where += ` AND a.type = ?`
		args = append(args, f.Type)
	}
	return `SELECT count(*) FROM actions a WHERE ` + where,
		`SELECT ` + actionColumns + ` FROM actions a LEFT JOIN vms v ON v.id = a.vm_id WHERE ` + where + ` ORDER BY a.id DESC LIMIT ? OFFSET ?`,
		args
}
