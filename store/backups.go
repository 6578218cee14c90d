package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Backup is one backup of a VM's disk, kept in a backup store.
type Backup struct {
	ID          int64
	VMID        int64
	VMUUID      string
	UserID      int64
	StoreID     int64
	Kind        string
	Status      string
	Consistency string
	// File is the backup's name in its store.
	File     string
	Size     int64
	Capacity int64
	SHA256   string
	ActionID int64
	Error    string
	// CreatedAt is the backup's instant, as near as the panel knows it: when it began.
	CreatedAt   time.Time
	CompletedAt time.Time
}

// The kinds of backup: taken by the daily schedule, asked for by the
// customer, or the last copy of a VM deleted for non-payment.
const (
	BackupScheduled = "scheduled"
	BackupManual    = "manual"
	BackupFinal     = "final"
)

// Backup states. Only a completed backup is usable; a deleted one's file is gone.
const (
	BackupInProgress = "in-progress"
	BackupCompleted  = "completed"
	BackupErrored    = "errored"
	BackupDeleted    = "deleted"
)

const backupColumns = `b.id, b.vm_id, v.uuid, v.user_id, b.store_id, b.kind, b.status, b.consistency, b.file, b.size, b.capacity, b.sha256,
	coalesce(b.action_id, 0), b.error, b.created_at, coalesce(b.completed_at, 0)`
const backupFrom = ` FROM backups b JOIN vms v ON v.id = b.vm_id`

func scanBackup(scan func(...any) error) (Backup, error) {
	var b Backup
	var created, completed int64
	err := scan(&b.ID, &b.VMID, &b.VMUUID, &b.UserID, &b.StoreID, &b.Kind, &b.Status, &b.Consistency, &b.File, &b.Size, &b.Capacity,
		&b.SHA256, &b.ActionID, &b.Error, &created, &completed)
	b.CreatedAt = time.Unix(created, 0)
	if completed != 0 {
		b.CompletedAt = time.Unix(completed, 0)
	}
	return b, err
}

func (db *DB) backups(ctx context.Context, where string, args ...any) ([]Backup, error) {
	var out []Backup
	err := scanInto(db, ctx, `SELECT `+backupColumns+backupFrom+` WHERE `+where, func(scan func(...any) error) error {
		b, err := scanBackup(scan)
		out = append(out, b)
		return err
	}, args...)
	return out, err
}

// StartBackup records a backup that begins at b.CreatedAt (now when zero), in
// progress, with its action.
func (db *DB) StartBackup(ctx context.Context, b Backup) (Backup, error) {
	if b.CreatedAt.IsZero() {
		b.CreatedAt = time.Now()
	}
	var action any
	if b.ActionID != 0 {
		action = b.ActionID
	}
	var id int64
	err := db.W.QueryRowContext(ctx, `INSERT INTO backups (vm_id, store_id, kind, status, file, action_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, b.VMID, b.StoreID, b.Kind, BackupInProgress, b.File, action, b.CreatedAt.Unix()).Scan(&id)
	if err != nil {
		return b, err
	}
	return db.BackupByID(ctx, id)
}

// SetBackupFile names the file an in-progress backup is written to.
func (db *DB) SetBackupFile(ctx context.Context, id int64, file string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE backups SET file = ? WHERE id = ?`, file, id)
	return err
}

// CompleteBackup records what a finished backup wrote; only an in-progress
// backup completes.
func (db *DB) CompleteBackup(ctx context.Context, id int64, consistency string, size, capacity int64, sha256 string) error {
	return db.exec1(ctx, `UPDATE backups SET status = ?, consistency = ?, size = ?, capacity = ?, sha256 = ?, completed_at = ?
		WHERE id = ? AND status = ?`, BackupCompleted, consistency, size, capacity, sha256, time.Now().Unix(), id, BackupInProgress)
}

// FailBackup records why a backup did not complete; it is never listed as usable.
func (db *DB) FailBackup(ctx context.Context, id int64, msg string) error {
	return db.exec1(ctx, `UPDATE backups SET status = ?, error = ?, completed_at = ? WHERE id = ? AND status = ?`,
		BackupErrored, msg, time.Now().Unix(), id, BackupInProgress)
}

// MarkBackupDeleted records that a backup's file is gone.
func (db *DB) MarkBackupDeleted(ctx context.Context, id int64) error {
	_, err := db.W.ExecContext(ctx, `UPDATE backups SET status = ? WHERE id = ?`, BackupDeleted, id)
	return err
}

// BackupByID loads one backup.
func (db *DB) BackupByID(ctx context.Context, id int64) (Backup, error) {
	b, err := scanBackup(db.W.QueryRowContext(ctx, `SELECT `+backupColumns+backupFrom+` WHERE b.id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return b, ErrNotFound
	}
	return b, err
}

// BackupsOfVM lists a VM's backups that are usable or under way, newest first.
func (db *DB) BackupsOfVM(ctx context.Context, vmID int64) ([]Backup, error) {
	return db.backups(ctx, `b.vm_id = ? AND b.status IN (?, ?) ORDER BY b.id DESC`, vmID, BackupCompleted, BackupInProgress)
}

// BackupsInProgress lists backups that were under way, oldest first: at start
// they are those a stopped panel cut short.
func (db *DB) BackupsInProgress(ctx context.Context) ([]Backup, error) {
	return db.backups(ctx, `b.status = ? ORDER BY b.id`, BackupInProgress)
}

// BackupTries counts a VM's backups of a kind begun since t, whatever became
// of them, and says when the latest began.
func (db *DB) BackupTries(ctx context.Context, vmID int64, kind string, t time.Time) (int, time.Time, error) {
	var n, last int64
	err := db.readRow(ctx, `SELECT count(*), coalesce(max(created_at), 0) FROM backups WHERE vm_id = ? AND kind = ? AND created_at >= ?`,
		vmID, kind, t.Unix()).Scan(&n, &last)
	return int(n), time.Unix(last, 0), err
}

// DueBackup is a VM whose daily backup may be due.
type DueBackup struct {
	VMID     int64
	UUID     string
	UserID   int64
	Region   string
	NodeID   int64
	Status   string
	LastDone time.Time // its newest completed scheduled backup; zero for none
	Failures int       // scheduled backups errored since that one
}

// BackupCandidates lists the live VMs with backups turned on, with when their
// newest scheduled backup completed and how many have failed since.
func (db *DB) BackupCandidates(ctx context.Context) ([]DueBackup, error) {
	var out []DueBackup
	err := scanInto(db, ctx, `SELECT v.id, v.uuid, v.user_id, v.region, coalesce(v.node_id, 0), v.status,
			coalesce((SELECT max(b.created_at) FROM backups b WHERE b.vm_id = v.id AND b.kind = ?1 AND b.status IN (?2, ?3)), 0) AS last,
			(SELECT count(*) FROM backups b WHERE b.vm_id = v.id AND b.kind = ?1 AND b.status = ?4
				AND b.created_at > coalesce((SELECT max(c.created_at) FROM backups c WHERE c.vm_id = v.id AND c.kind = ?1 AND c.status IN (?2, ?3)), 0))
		FROM vms v WHERE v.backups_enabled = 1 AND v.status IN (`+sqlBilled+`) ORDER BY v.id`,
		func(scan func(...any) error) error {
			var d DueBackup
			var last int64
			if err := scan(&d.VMID, &d.UUID, &d.UserID, &d.Region, &d.NodeID, &d.Status, &last, &d.Failures); err != nil {
				return err
			}
			if last != 0 {
				d.LastDone = time.Unix(last, 0)
			}
			out = append(out, d)
			return nil
		}, BackupScheduled, BackupCompleted, BackupDeleted, BackupErrored)
	return out, err
}

// CompletedBackups lists every completed backup, each VM's newest first, for
// the retention worker.
func (db *DB) CompletedBackups(ctx context.Context) ([]Backup, error) {
	return db.backups(ctx, `b.status = ? ORDER BY b.vm_id, b.id DESC`, BackupCompleted)
}

// VMsDestroyedAt returns when each of the VMs was destroyed (zero while it is not).
func (db *DB) VMsDestroyedAt(ctx context.Context, ids []int64) (map[int64]time.Time, error) {
	out := make(map[int64]time.Time, len(ids))
	for _, id := range ids {
		var at int64
		err := db.readRow(ctx, `SELECT coalesce(destroyed_at, 0) FROM vms WHERE id = ?`, id).Scan(&at)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if at != 0 {
			out[id] = time.Unix(at, 0)
		}
	}
	return out, nil
}

// SetBackups turns a VM's backups on at an hourly price, or off.
func (db *DB) SetBackups(ctx context.Context, vmID int64, on bool, priceRials int64) error {
	if !on {
		priceRials = 0
	}
	_, err := db.W.ExecContext(ctx, `UPDATE vms SET backups_enabled = ?, backup_price_rials = ?, updated_at = ? WHERE id = ?`,
		on, priceRials, time.Now().Unix(), vmID)
	return err
}
