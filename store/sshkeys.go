package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// SSHKey is one row of ssh_keys: a customer's public key, installed into the
// VMs they create with it.
type SSHKey struct {
	ID          int64
	UserID      int64
	Name        string
	PublicKey   string // one authorized_keys line, normalised
	Fingerprint string // SHA256:…
	CreatedAt   time.Time
}

const sshKeyColumns = `id, user_id, name, public_key, fingerprint, created_at`

func scanSSHKey(row interface{ Scan(...any) error }) (SSHKey, error) {
	var k SSHKey
	var created int64
	err := row.Scan(&k.ID, &k.UserID, &k.Name, &k.PublicKey, &k.Fingerprint, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return k, ErrNotFound
	}
	k.CreatedAt = time.Unix(created, 0).UTC()
	return k, err
}

// AddSSHKey inserts a key; ErrConflict when the user already has its fingerprint.
func (db *DB) AddSSHKey(ctx context.Context, k SSHKey) (SSHKey, error) {
	now := time.Now().Unix()
	res, err := db.W.ExecContext(ctx,
		`INSERT INTO ssh_keys (user_id, name, public_key, fingerprint, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.UserID, k.Name, k.PublicKey, k.Fingerprint, now)
	if isUnique(err) {
		return SSHKey{}, ErrConflict
	}
	if err != nil {
		return SSHKey{}, err
	}
	k.ID, _ = res.LastInsertId()
	k.CreatedAt = time.Unix(now, 0).UTC()
	return k, nil
}

// SSHKeys lists a user's keys, newest first.
func (db *DB) SSHKeys(ctx context.Context, userID int64) ([]SSHKey, error) {
	return db.querySSHKeys(ctx, `SELECT `+sshKeyColumns+` FROM ssh_keys WHERE user_id = ? ORDER BY id DESC`, userID)
}

// SSHKeysByID loads those of ids that belong to the user, in id order;
// the caller compares lengths to find ids that are not theirs.
func (db *DB) SSHKeysByID(ctx context.Context, userID int64, ids []int64) ([]SSHKey, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, userID)
	for _, id := range ids {
		args = append(args, id)
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	// Not through the statement cache: its text varies with the number of ids.
	rows, err := db.R.QueryContext(ctx, `SELECT `+sshKeyColumns+` FROM ssh_keys WHERE user_id = ? AND id IN (`+marks+`) ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	return scanSSHKeys(rows)
}

// CountSSHKeys counts a user's keys.
func (db *DB) CountSSHKeys(ctx context.Context, userID int64) (int, error) {
	var n int
	err := db.readRow(ctx, `SELECT count(*) FROM ssh_keys WHERE user_id = ?`, userID).Scan(&n)
	return n, err
}

// DeleteSSHKey removes a user's key; ErrNotFound when the user has no such key.
func (db *DB) DeleteSSHKey(ctx context.Context, userID, id int64) (SSHKey, error) {
	return scanSSHKey(db.W.QueryRowContext(ctx,
		`DELETE FROM ssh_keys WHERE id = ? AND user_id = ? RETURNING `+sshKeyColumns, id, userID))
}

func (db *DB) querySSHKeys(ctx context.Context, q string, args ...any) ([]SSHKey, error) {
	rows, err := db.read(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanSSHKeys(rows)
}

func scanSSHKeys(rows *sql.Rows) ([]SSHKey, error) {
	defer rows.Close()
	var out []SSHKey
	for rows.Next() {
		k, err := scanSSHKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
