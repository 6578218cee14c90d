package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"abrak/vmstatus"
)

// Order pays for one VM.
type Order struct {
	ID, UserID, VMID int64
	Status           vmstatus.Order
	AmountRials      int64
	Attempts         int
	Failures         int // attempts that failed other than for an unavailable node
	NextAttemptAt    time.Time
	LastError        string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// FromBackupID is the backup the VM is built from; 0 for its template.
	FromBackupID int64
}

// NewVMOrder is everything recorded when a customer orders a VM.
type NewVMOrder struct {
	VM          VM
	AmountRials int64
	// BackupRials is the first hour of its backups, when the order turns them
	// on (VM.BackupsEnabled, VM.BackupPriceHourly): charged as a row of its own
	// beside the plan's first hour, and refunded with it.
	BackupRials int64
	// FromBackupID, when set, is the backup whose disk the VM is built from.
	FromBackupID   int64
	IdempotencyKey string
	RequestHash    string
	// Quarantine is how long a released address rests before it is handed out again.
	Quarantine time.Duration
	// UserData is the customer's, kept until the first build is done (migration 0017).
	UserData string
}

// ErrIdempotencyMismatch is a repeated Idempotency-Key with a different request.
var ErrIdempotencyMismatch = errors.New("store: idempotency key reused with another request")

// ErrMACTaken is a MAC another live VM has; the caller draws another.
var ErrMACTaken = errors.New("store: MAC address taken")

// ErrNoAddress is a region whose network has no free address left.
var ErrNoAddress = errors.New("store: no free address in region")

// CreateVMOrder records the VM, its addresses (one of each family its region has
// pools of), the order and the first debit in one transaction: either the
// customer is charged and the order exists, or neither. A region whose pools are
// full does not refuse the order: it is kept without an address (noAddress) and
// given one when an address frees (AllocateAddresses). With an idempotency key
// already used for the same request it returns the VM of the first call and
// replay=true, charging nothing.
func (db *DB) CreateVMOrder(ctx context.Context, in NewVMOrder) (vm VM, replay, noAddress bool, err error) {
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		if in.IdempotencyKey != "" {
			var hash, uuid string
			e := tx.QueryRowContext(ctx, `SELECT request_hash, location FROM idempotency_keys WHERE user_id = ? AND key = ?`,
				in.VM.UserID, in.IdempotencyKey).Scan(&hash, &uuid)
			if e == nil {
				if hash != in.RequestHash {
					return ErrIdempotencyMismatch
				}
				vm.UUID, replay = uuid, true
				return nil
			}
			if !errors.Is(e, sql.ErrNoRows) {
				return e
			}
		}
		now := time.Now().Unix()
		v := in.VM
		keys := ""
		for i, k := range v.SSHKeys {
			if i > 0 {
				keys += "\n"
			}
			keys += k
		}
		e := tx.QueryRowContext(ctx, `INSERT INTO vms (uuid, user_id, display_name, hostname, status, plan_slug, os_template_slug, region, mac,
			vcpus, memory_mb, disk_gb, vnc_password, root_password_crypt, ssh_keys, created_at, updated_at, paid_until, backups_enabled, backup_price_rials)
			VALUES (?, ?, ?, ?, `+sqlCreating+`, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			v.UUID, v.UserID, v.DisplayName, v.Hostname, v.PlanSlug, v.OSTemplateSlug, v.Region, v.MAC,
			v.VCPUs, v.MemoryMB, v.DiskGB, v.VNCPassword, v.RootCrypt, keys, now, now, 0, // paid from its first boot: FinishOrder
			v.BackupsEnabled, v.HourlyBackups()).Scan(&v.ID)
		if isUnique(e) && strings.Contains(e.Error(), "vms.mac") {
			return ErrMACTaken
		}
		if e != nil {
			return e
		}
		if noAddress, e = allocate(ctx, tx, v.ID, v.Region, time.Unix(now, 0), in.Quarantine); e != nil {
			return e
		}
		if in.UserData != "" {
			if _, e := tx.ExecContext(ctx, `INSERT INTO order_user_data (vm_id, data) VALUES (?, ?)`, v.ID, in.UserData); e != nil {
				return e
			}
		}
		if e := chargeHourTx(ctx, tx, v.UserID, v.UUID, "vm_order", in.AmountRials, in.BackupRials); e != nil {
			return e
		}
		var from any
		if in.FromBackupID != 0 {
			from = in.FromBackupID
		}
		if _, e := tx.ExecContext(ctx, `INSERT INTO orders (user_id, vm_id, status, amount_rials, next_attempt_at, created_at, updated_at, from_backup_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, v.UserID, v.ID, vmstatus.OrderPending, in.AmountRials+in.BackupRials, now, now, now, from); e != nil {
			return e
		}
		if in.IdempotencyKey != "" {
			if _, e := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, request_hash, status, location, body, created_at) VALUES (?, ?, ?, 202, ?, '', ?)`,
				v.UserID, in.IdempotencyKey, in.RequestHash, v.UUID, now); e != nil {
				return e
			}
		}
		vm = v
		return nil
	})
	if err != nil {
		return VM{}, false, false, err
	}
	vm, err = db.VMByUUID(ctx, vm.UUID)
	return vm, replay, noAddress, err
}

// DueOrders lists orders the provisioner should work on now: pending ones whose
// time has come, and ones left "provisioning" by a crash (stale for over a minute).
func (db *DB) DueOrders(ctx context.Context, now time.Time, limit int) ([]Order, error) {
	rows, err := db.read(ctx, `SELECT id, user_id, vm_id, status, amount_rials, attempts, failures, next_attempt_at, last_error, created_at, updated_at,
		coalesce(from_backup_id, 0) FROM orders WHERE (status = ? AND next_attempt_at <= ?) OR (status = ? AND updated_at <= ?) ORDER BY next_attempt_at, id LIMIT ?`,
		vmstatus.OrderPending, now.Unix(), vmstatus.OrderProvisioning, now.Add(-time.Minute).Unix(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Order
	for rows.Next() {
		var o Order
		var next, created, updated int64
		if err := rows.Scan(&o.ID, &o.UserID, &o.VMID, &o.Status, &o.AmountRials, &o.Attempts, &o.Failures, &next, &o.LastError, &created, &updated, &o.FromBackupID); err != nil {
			return nil, err
		}
		o.NextAttemptAt, o.CreatedAt, o.UpdatedAt = time.Unix(next, 0), time.Unix(created, 0), time.Unix(updated, 0)
		out = append(out, o)
	}
	return out, rows.Err()
}

// ClaimOrder moves an order to provisioning if it is still in the state the
// worker saw; false means another worker (or a retry) got there first.
func (db *DB) ClaimOrder(ctx context.Context, id int64, from vmstatus.Order, updatedAt time.Time) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE orders SET status = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = ? AND updated_at = ?`,
		vmstatus.OrderProvisioning, time.Now().Unix(), id, from, updatedAt.Unix())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RetryOrder puts an order back in the queue with the error that stopped it;
// failed counts the attempt among the bounded failures.
func (db *DB) RetryOrder(ctx context.Context, id int64, next time.Time, lastErr string, failed bool) error {
	_, err := db.W.ExecContext(ctx, `UPDATE orders SET status = ?, next_attempt_at = ?, last_error = ?, failures = failures + ?, updated_at = ? WHERE id = ? AND status IN (?, ?)`,
		vmstatus.OrderPending, next.Unix(), lastErr, failed, time.Now().Unix(), id, vmstatus.OrderPending, vmstatus.OrderProvisioning)
	return err
}

// DeferOrder records a placement attempt that found no node, and when to try again.
func (db *DB) DeferOrder(ctx context.Context, id int64, next time.Time, lastErr string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE orders SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ? AND status = ?`,
		next.Unix(), lastErr, time.Now().Unix(), id, vmstatus.OrderPending)
	return err
}

// FinishOrder marks an order provisioned, its VM running and its create action
// completed, in one transaction. The first hour, which the order paid, begins now.
func (db *DB) FinishOrder(ctx context.Context, id int64, at time.Time) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		var vmID int64
		err := tx.QueryRowContext(ctx, `UPDATE orders SET status = ?, last_error = '', updated_at = ? WHERE id = ? AND status IN (?, ?) RETURNING vm_id`,
			vmstatus.OrderProvisioned, time.Now().Unix(), id, vmstatus.OrderPending, vmstatus.OrderProvisioning).Scan(&vmID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // already finished or refunded: nothing to do twice
		}
		if err != nil {
			return err
		}
		// The paid first hour starts when the VM runs, not when it was ordered:
		// time spent waiting for a hypervisor is not billed.
		now := at.Unix()
		_, err = tx.ExecContext(ctx, `UPDATE vms SET status = `+sqlRunning+`, node_unavailable = 0, updated_at = ?, paid_until = max(paid_until, ?)
			WHERE id = ? AND status = `+sqlCreating, now, now+3600, vmID)
		if err != nil {
			return err
		}
		return endCreateAction(ctx, tx, vmID, "")
	})
}

// FailOrder gives up on an order: the VM is marked failed, the amount goes
// back to the wallet and the create action ends with lastErr, in one
// transaction guarded by the order's state, so a refund happens at most once.
func (db *DB) FailOrder(ctx context.Context, id int64, lastErr string) (refunded bool, err error) {
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		var vmID, userID, amount int64
		var uuid string
		e := tx.QueryRowContext(ctx, `UPDATE orders SET status = ?, last_error = ?, updated_at = ? WHERE id = ? AND status IN (?, ?)
			RETURNING vm_id, user_id, amount_rials`, vmstatus.OrderRefunded, lastErr, time.Now().Unix(), id, vmstatus.OrderPending, vmstatus.OrderProvisioning).Scan(&vmID, &userID, &amount)
		if errors.Is(e, sql.ErrNoRows) {
			return nil
		}
		if e != nil {
			return e
		}
		if e := tx.QueryRowContext(ctx, `UPDATE vms SET status = `+sqlFailed+`, updated_at = ? WHERE id = ? RETURNING uuid`, time.Now().Unix(), vmID).Scan(&uuid); e != nil {
			return e
		}
		if _, e := AddToBalance(ctx, tx, userID, amount, "refund", uuid); e != nil {
			return e
		}
		if e := endCreateAction(ctx, tx, vmID, ActionBuildFailed); e != nil {
			return e
		}
		refunded = true
		return nil
	})
	return refunded, err
}

// CancelOrder withdraws an order that is still waiting: the VM becomes
// destroyed (its address freed), the amount is refunded and the create action
// ends as cancelled, once, in one transaction. False when the order was no longer waiting.
func (db *DB) CancelOrder(ctx context.Context, id int64) (cancelled bool, err error) {
	return db.CancelOrderFor(ctx, id, "cancelled by the customer")
}

// CancelOrderFor is CancelOrder recording why (the operator's cancel says so).
func (db *DB) CancelOrderFor(ctx context.Context, id int64, why string) (cancelled bool, err error) {
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		var vmID, userID, amount int64
		e := tx.QueryRowContext(ctx, `UPDATE orders SET status = ?, last_error = ?, updated_at = ? WHERE id = ? AND status = ?
			RETURNING vm_id, user_id, amount_rials`, vmstatus.OrderRefunded, why, time.Now().Unix(), id, vmstatus.OrderPending).Scan(&vmID, &userID, &amount)
		if errors.Is(e, sql.ErrNoRows) {
			return nil
		}
		if e != nil {
			return e
		}
		var uuid string
		now := time.Now().Unix()
		if e := tx.QueryRowContext(ctx, `UPDATE vms SET `+statusSet+` WHERE id = ?3 RETURNING uuid`, vmstatus.Destroyed, now, vmID).Scan(&uuid); e != nil {
			return e
		}
		if _, e := AddToBalance(ctx, tx, userID, amount, "refund", uuid); e != nil {
			return e
		}
		if e := endCreateAction(ctx, tx, vmID, ActionCancelled); e != nil {
			return e
		}
		cancelled = true
		return nil
	})
	return cancelled, err
}

// OrderForVM loads the order of a VM.
func (db *DB) OrderForVM(ctx context.Context, vmID int64) (Order, error) {
	var o Order
	var next, created, updated int64
	err := db.readRow(ctx, `SELECT id, user_id, vm_id, status, amount_rials, attempts, failures, next_attempt_at, last_error, created_at, updated_at, coalesce(from_backup_id, 0) FROM orders WHERE vm_id = ?`, vmID).
		Scan(&o.ID, &o.UserID, &o.VMID, &o.Status, &o.AmountRials, &o.Attempts, &o.Failures, &next, &o.LastError, &created, &updated, &o.FromBackupID)
	if errors.Is(err, sql.ErrNoRows) {
		return o, ErrNotFound
	}
	o.NextAttemptAt, o.CreatedAt, o.UpdatedAt = time.Unix(next, 0), time.Unix(created, 0), time.Unix(updated, 0)
	return o, err
}

// TouchOrder marks an order in provisioning as still being worked on, so
// DueOrders does not take it for one a crash left behind.
func (db *DB) TouchOrder(ctx context.Context, id int64) error {
	_, err := db.W.ExecContext(ctx, `UPDATE orders SET updated_at = ? WHERE id = ? AND status = ?`, time.Now().Unix(), id, vmstatus.OrderProvisioning)
	return err
}

// OrderUserData is the customer's user_data of a VM whose first build is not done
// yet; "" once it is (or when there was none).
func (db *DB) OrderUserData(ctx context.Context, vmID int64) (string, error) {
	var data string
	err := db.readRow(ctx, `SELECT data FROM order_user_data WHERE vm_id = ?`, vmID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return data, err
}
