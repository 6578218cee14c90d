package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// BackupStore is where a region's backups are kept, off their VMs' nodes: a
// directory on the panel's host (Kind "dir", Path) or another node's storage
// pool (Kind "pool", NodeID).
type BackupStore struct {
	ID        int64
	Name      string
	Region    string
	Kind      string
	Path      string
	NodeID    int64
	NodeName  string
	Enabled   bool
	CreatedAt time.Time
}

// The kinds of backup store.
const (
	BackupStoreDir  = "dir"
	BackupStorePool = "pool"
)

const backupStoreColumns = `s.id, s.name, s.region, s.kind, s.path, coalesce(s.node_id, 0), coalesce(n.name, ''), s.enabled, s.created_at`
const backupStoreFrom = ` FROM backup_stores s LEFT JOIN nodes n ON n.id = s.node_id`

func scanBackupStore(scan func(...any) error) (BackupStore, error) {
	var b BackupStore
	var created int64
	err := scan(&b.ID, &b.Name, &b.Region, &b.Kind, &b.Path, &b.NodeID, &b.NodeName, &b.Enabled, &created)
	b.CreatedAt = time.Unix(created, 0)
	return b, err
}

// AddBackupStore declares a store; a name already taken is ErrConflict, a
// region (or node) that does not exist ErrNotFound.
func (db *DB) AddBackupStore(ctx context.Context, b BackupStore) (BackupStore, error) {
	var node any
	if b.NodeID != 0 {
		node = b.NodeID
	}
	err := db.W.QueryRowContext(ctx, `INSERT INTO backup_stores (name, region, kind, path, node_id, enabled, created_at)
		VALUES (?, ?, ?, ?, ?, 1, ?) RETURNING id`, b.Name, b.Region, b.Kind, b.Path, node, time.Now().Unix()).Scan(&b.ID)
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return b, ErrConflict
	}
	if isForeignKey(err) {
		return b, ErrNotFound
	}
	if err != nil {
		return b, err
	}
	return db.BackupStoreByID(ctx, b.ID)
}

// BackupStoreByID returns a store, enabled or not.
func (db *DB) BackupStoreByID(ctx context.Context, id int64) (BackupStore, error) {
	b, err := scanBackupStore(db.readRow(ctx, `SELECT `+backupStoreColumns+backupStoreFrom+` WHERE s.id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return b, ErrNotFound
	}
	return b, err
}

// BackupStores lists every store, by region then name.
func (db *DB) BackupStores(ctx context.Context) ([]BackupStore, error) {
	var out []BackupStore
	err := scanInto(db, ctx, `SELECT `+backupStoreColumns+backupStoreFrom+` ORDER BY s.region, s.name`, func(scan func(...any) error) error {
		b, err := scanBackupStore(scan)
		out = append(out, b)
		return err
	})
	return out, err
}

// SetBackupStoreEnabled turns a store on or off for new backups; the backups
// it holds stay listed and restorable.
func (db *DB) SetBackupStoreEnabled(ctx context.Context, name string, enabled bool) error {
	res, err := db.W.ExecContext(ctx, `UPDATE backup_stores SET enabled = ? WHERE name = ?`, enabled, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// BackupStoreUsage is what a store holds: its usable backups and their bytes.
type BackupStoreUsage struct {
	Backups int
	Bytes   int64
}

// BackupStoreUsages counts each store's completed backups and their bytes, by store id.
func (db *DB) BackupStoreUsages(ctx context.Context) (map[int64]BackupStoreUsage, error) {
	out := map[int64]BackupStoreUsage{}
	err := scanInto(db, ctx, `SELECT store_id, count(*), coalesce(sum(size), 0) FROM backups WHERE status = ? GROUP BY store_id`,
		func(scan func(...any) error) error {
			var id int64
			var u BackupStoreUsage
			err := scan(&id, &u.Backups, &u.Bytes)
			out[id] = u
			return err
		}, BackupCompleted)
	return out, err
}
