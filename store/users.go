package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// User is one row of the users table.
type User struct {
	ID           int64
	Email        string
	Name         string
	PasswordHash string
	Locale       string
	IsAdmin      bool
	BalanceRials int64
	TOTPSecret   string
	TOTPEnabled  bool
	CreatedAt    time.Time
	// SessionsValidAfter ends every session that began before it (unix nanoseconds).
	SessionsValidAfter int64
	// BurnRials is what the wallet pays each hour for the VMs the user has now:
	// every billed VM not held for want of funds.
	BurnRials int64
	// EmailVerified: the address was confirmed from a link sent to it.
	EmailVerified bool
	// StaffRole is the person's role on the operator's side: StaffAdmin,
	// StaffSupport or "" (a customer).
	StaffRole string
	// Suspended: the operator suspended the account (migration 0041), for
	// SuspendReason: it signs in read-only and its tokens are refused.
	Suspended     bool
	SuspendReason string
}

// Roles on the operator's side (migration 0040).
const (
	StaffAdmin   = "admin"
	StaffSupport = "support"
)

// userColumns reads the burn rate with the row: every signed-in page shows
// it. Triggers keep it in vm_totals (vm_list_rows.go), so it costs a lookup,
// not a sum over the customer's VMs and their plans.
var userColumns = `id, email, name, password_hash, locale, is_admin, balance_rials, totp_secret, totp_enabled, created_at, sessions_valid_after, email_verified_at IS NOT NULL,
	coalesce((SELECT burn_rials FROM vm_totals WHERE user_id = users.id), 0), CASE WHEN is_admin THEN 'admin' ELSE staff_role END,
	account_suspended_at IS NOT NULL, account_suspended_reason`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (User, error) {
	var u User
	var created int64
	err := row.Scan(append([]any{&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Locale, &u.IsAdmin, &u.BalanceRials, &u.TOTPSecret, &u.TOTPEnabled, &created, &u.SessionsValidAfter, &u.EmailVerified, &u.BurnRials, &u.StaffRole, &u.Suspended, &u.SuspendReason}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrNotFound
	}
	u.CreatedAt = time.Unix(created, 0).UTC()
	return u, err
}

// isUnique reports whether err is SQLite refusing a duplicate key.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func isForeignKey(err error) bool {
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

// CreateUser inserts a user; ErrConflict when the email is taken.
func (db *DB) CreateUser(ctx context.Context, u User) (User, error) {
	now := time.Now().Unix()
	var verified any
	if u.EmailVerified {
		verified = now
	}
	// A person is the owner of their own account, their personal team, from
	// the start (migration 0034).
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO users (email, name, password_hash, locale, is_admin, created_at, updated_at, email_verified_at, staff_role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ?5 THEN 'admin' ELSE '' END)`,
			u.Email, u.Name, u.PasswordHash, u.Locale, u.IsAdmin, now, now, verified)
		if err != nil {
			return err
		}
		u.ID, _ = res.LastInsertId()
		_, err = tx.ExecContext(ctx, `INSERT INTO team_members (team_id, person_id, role, created_at) VALUES (?1, ?1, 'owner', ?2)`, u.ID, now)
		return err
	})
	if isUnique(err) {
		return User{}, ErrConflict
	}
	if err != nil {
		return User{}, err
	}
	u.CreatedAt = time.Unix(now, 0).UTC()
	return u, nil
}

// UserByID loads a user by id.
func (db *DB) UserByID(ctx context.Context, id int64) (User, error) {
	return scanUser(db.readRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// UserByEmail loads a user by email, case-insensitively.
func (db *DB) UserByEmail(ctx context.Context, email string) (User, error) {
	return scanUser(db.readRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
}

// SetPasswordHash replaces a user's password hash.
func (db *DB) SetPasswordHash(ctx context.Context, id int64, hash string) error {
	// Every session that began before the change ends with it.
	now := time.Now()
	return db.exec1(ctx, `UPDATE users SET password_hash = ?, sessions_valid_after = ?, updated_at = ? WHERE id = ?`, hash, now.UnixNano(), now.Unix(), id)
}

// SetLocale saves a user's language choice.
func (db *DB) SetLocale(ctx context.Context, id int64, locale string) error {
	return db.exec1(ctx, `UPDATE users SET locale = ?, updated_at = ? WHERE id = ?`, locale, time.Now().Unix(), id)
}

// SetTOTPSecret stores a pending (not yet enabled) TOTP secret.
func (db *DB) SetTOTPSecret(ctx context.Context, id int64, secret string) error {
	return db.exec1(ctx, `UPDATE users SET totp_secret = ?, totp_enabled = 0, updated_at = ? WHERE id = ?`, secret, time.Now().Unix(), id)
}

// EnableTOTP turns two-factor sign-in on and replaces the recovery codes, in one transaction.
func (db *DB) EnableTOTP(ctx context.Context, id int64, codeHashes []string) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_enabled = 1, updated_at = ? WHERE id = ?`, time.Now().Unix(), id); err != nil {
			return err
		}
		return replaceRecoveryCodes(ctx, tx, id, codeHashes)
	})
}

// DisableTOTP turns two-factor sign-in off and forgets the secret and codes.
func (db *DB) DisableTOTP(ctx context.Context, id int64) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_enabled = 0, totp_secret = '', updated_at = ? WHERE id = ?`, time.Now().Unix(), id); err != nil {
			return err
		}
		return replaceRecoveryCodes(ctx, tx, id, nil)
	})
}

func replaceRecoveryCodes(ctx context.Context, tx *sql.Tx, id int64, hashes []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, id); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, id, h); err != nil {
			return err
		}
	}
	return nil
}

// RecoveryCode is an unused recovery code's stored hash.
type RecoveryCode struct {
	ID   int64
	Hash string
}

// UnusedRecoveryCodes lists a user's recovery codes that are still valid.
func (db *DB) UnusedRecoveryCodes(ctx context.Context, userID int64) ([]RecoveryCode, error) {
	rows, err := db.read(ctx, `SELECT id, code_hash FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RecoveryCode
	for rows.Next() {
		var c RecoveryCode
		if err := rows.Scan(&c.ID, &c.Hash); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UseRecoveryCode marks a code used; ErrNotFound when it was used meanwhile.
func (db *DB) UseRecoveryCode(ctx context.Context, id int64) error {
	return db.exec1(ctx, `UPDATE recovery_codes SET used_at = ? WHERE id = ? AND used_at IS NULL`, time.Now().Unix(), id)
}

// exec1 runs a write that must touch exactly one row.
func (db *DB) exec1(ctx context.Context, q string, args ...any) error {
	res, err := db.W.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// UseTOTPStep records that the code of a time step was accepted; false when
// that step (or a later one) was already used, i.e. the code is a replay.
func (db *DB) UseTOTPStep(ctx context.Context, id, step int64) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, id, step)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetName changes a user's display name.
func (db *DB) SetName(ctx context.Context, id int64, name string) error {
	return db.exec1(ctx, `UPDATE users SET name = ?, updated_at = ? WHERE id = ?`, name, time.Now().Unix(), id)
}

// ErrAccountInUse: the account still has VMs (LiveVMs) or money (Balance).
type ErrAccountInUse struct {
	LiveVMs int
	Balance int64
}

func (e *ErrAccountInUse) Error() string { return "store: the account still has VMs or money" }

// CloseUser closes an account in one transaction, only if it has no VM that is
// not deleted and no balance: it can no longer sign in (its sessions end, its
// tokens are revoked, its keys and second factor are gone), and its address is
// free for a new account. The ledger, orders and activity stay.
//
// Its address becomes closed:<id> (migration 0028 gave the accounts closed
// before it the same): without an "@" no sign-up, past or future, can have
// taken it, so closing never meets an address in use.
func (db *DB) CloseUser(ctx context.Context, id int64, now time.Time) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		var live int
		var balance int64
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM vms WHERE user_id = ?1 AND status NOT IN ('destroyed', 'failed')),
			balance_rials FROM users WHERE id = ?1 AND closed_at IS NULL`, id).Scan(&live, &balance); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if live > 0 || balance != 0 {
			return &ErrAccountInUse{LiveVMs: live, Balance: balance}
		}
		// A team whose only owner leaves would have no one to pay or close it.
		var sole int
		if err := tx.QueryRowContext(ctx, `SELECT count(*)`+soleOwnerOf, id).Scan(&sole); err != nil {
			return err
		}
		if sole > 0 {
			return ErrLastOwner
		}
		for _, q := range []string{
			`UPDATE users SET email = 'closed:' || id, name = '', password_hash = '!', totp_secret = '', totp_enabled = 0,
				sessions_valid_after = ?2, closed_at = ?3, updated_at = ?3 WHERE id = ?1`,
			`UPDATE api_tokens SET revoked_at = ?3 WHERE (user_id = ?1 OR created_by = ?1) AND revoked_at IS NULL`,
			`DELETE FROM team_members WHERE person_id = ?1 AND team_id != ?1`,
			`DELETE FROM ssh_keys WHERE user_id = ?1`,
			`DELETE FROM recovery_codes WHERE user_id = ?1`,
			`DELETE FROM email_links WHERE user_id = ?1`,
		} {
			if _, err := tx.ExecContext(ctx, q, id, now.UnixNano(), now.Unix()); err != nil {
				return err
			}
		}
		return nil
	})
}

// EndSessionsBefore ends every browser session that began before t.
func (db *DB) EndSessionsBefore(ctx context.Context, id int64, t time.Time) error {
	return db.exec1(ctx, `UPDATE users SET sessions_valid_after = ? WHERE id = ?`, t.UnixNano(), id)
}

// SetStaffRole gives a person a role on the operator's side (StaffAdmin,
// StaffSupport, "" for none), keeping is_admin equal to the admin role.
func (db *DB) SetStaffRole(ctx context.Context, id int64, role string) error {
	return db.exec1(ctx, `UPDATE users SET staff_role = ?1, is_admin = (?1 = 'admin'), updated_at = ?2 WHERE id = ?3`, role, time.Now().Unix(), id)
}

// CountStaff counts the people with a staff role.
func (db *DB) CountStaff(ctx context.Context, role string) (int, error) {
	var n int
	err := db.readRow(ctx, `SELECT count(*) FROM users WHERE staff_role = ?1 OR (?1 = 'admin' AND is_admin)`, role).Scan(&n)
	return n, err
}

// SuspendAccount suspends an account for reason (reason "" lifts it).
func (db *DB) SuspendAccount(ctx context.Context, id int64, reason string, at time.Time) error {
	if reason == "" {
		return db.exec1(ctx, `UPDATE users SET account_suspended_at = NULL, account_suspended_reason = '', updated_at = ? WHERE id = ?`, at.Unix(), id)
	}
	return db.exec1(ctx, `UPDATE users SET account_suspended_at = ?1, account_suspended_reason = ?2, updated_at = ?1 WHERE id = ?3`, at.Unix(), reason, id)
}
