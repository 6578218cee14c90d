package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// APIToken is one row of api_tokens. The secret itself is never stored: Hash
// is its SHA-256, Prefix its first characters for telling tokens apart.
// Zero times mean "never" (no expiry, not used yet, not revoked).
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string
	Hash       string
	Scopes     []string
	ExpiresAt  time.Time
	LastUsedAt time.Time
	LastUsedIP string
	RevokedAt  time.Time
	CreatedAt  time.Time
	// CreatedBy is the person who made it (the account itself when 0): a
	// team's token stops when its maker leaves the team.
	CreatedBy int64
}

// TokenOwner is a token together with the account it acts for, as
// authentication needs both in one read.
type TokenOwner struct {
	Token   APIToken
	Email   string
	IsAdmin bool
	// StaffRole is the account's role on the operator's side now
	// (StaffAdmin, StaffSupport, "").
	StaffRole string
	// Suspended: the account is suspended by the operator.
	Suspended bool
	// Role is the token's maker's role in the account's team now; empty when
	// the maker is no longer a member (the token then acts for no one).
	Role string
	// Changes are the owner's counters in the same snapshot as the token.
	Changes Changes
}

const tokenColumns = `id, user_id, name, prefix, hash, scopes, expires_at, last_used_at, last_used_ip, revoked_at, created_at, coalesce(created_by, user_id)`

// tokenColumnsT is tokenColumns qualified for a join on alias t.
const tokenColumnsT = `t.id, t.user_id, t.name, t.prefix, t.hash, t.scopes, t.expires_at, t.last_used_at, t.last_used_ip, t.revoked_at, t.created_at, coalesce(t.created_by, t.user_id)`

func scanToken(row interface{ Scan(...any) error }, extra ...any) (APIToken, error) {
	var t APIToken
	var scopes string
	var expires, used, revoked sql.NullInt64
	var created int64
	dest := append([]any{&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.Hash, &scopes, &expires, &used, &t.LastUsedIP, &revoked, &created, &t.CreatedBy}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return t, ErrNotFound
		}
		return t, err
	}
	t.Scopes = strings.Fields(scopes)
	t.ExpiresAt = fromNullUnix(expires)
	t.LastUsedAt = fromNullUnix(used)
	t.RevokedAt = fromNullUnix(revoked)
	t.CreatedAt = time.Unix(created, 0).UTC()
	return t, nil
}

func fromNullUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}

func nullUnix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// CreateAPIToken inserts a token; ErrConflict if its hash already exists.
func (db *DB) CreateAPIToken(ctx context.Context, t APIToken) (APIToken, error) {
	now := time.Now()
	if t.CreatedBy == 0 {
		t.CreatedBy = t.UserID
	}
	res, err := db.W.ExecContext(ctx,
		`INSERT INTO api_tokens (user_id, name, prefix, hash, scopes, expires_at, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.UserID, t.Name, t.Prefix, t.Hash, strings.Join(t.Scopes, " "), nullUnix(t.ExpiresAt), now.Unix(), t.CreatedBy)
	if isUnique(err) {
		return APIToken{}, ErrConflict
	}
	if err != nil {
		return APIToken{}, err
	}
	t.ID, _ = res.LastInsertId()
	t.CreatedAt = time.Unix(now.Unix(), 0).UTC()
	return t, nil
}

// APITokens lists a user's tokens that are not revoked, newest first
// (expired ones included, so the customer sees why a script stopped working).
func (db *DB) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := db.read(ctx,
		`SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL ORDER BY id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CountActiveAPITokens counts a user's tokens that are neither revoked nor expired at now.
func (db *DB) CountActiveAPITokens(ctx context.Context, userID int64, now time.Time) (int, error) {
	var n int
	err := db.readRow(ctx,
		`SELECT count(*) FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
		userID, now.Unix()).Scan(&n)
	return n, err
}

// APITokenByHash loads a token, revoked or not, and its owner by the hash of its secret.
func (db *DB) APITokenByHash(ctx context.Context, hash string) (TokenOwner, error) {
	var o TokenOwner
	t, err := scanToken(db.pointRead(ctx,
		`SELECT `+tokenColumnsT+`, u.email, u.is_admin, u.account_suspended_at IS NOT NULL, `+changesOf("t.user_id")+`,
			coalesce((SELECT m.role FROM team_members m WHERE m.team_id = t.user_id AND m.person_id = coalesce(t.created_by, t.user_id)), ''),
			u.staff_role
			FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, hash),
		&o.Email, &o.IsAdmin, &o.Suspended, &o.Changes.Customer, &o.Changes.Catalog, &o.Role, &o.StaffRole)
	o.Token = t
	return o, err
}

// RevokeAPIToken marks a user's token revoked; ErrNotFound when the user has
// no such live token (another user's, or revoked already), or, when maker is
// not 0, when that person did not make it.
func (db *DB) RevokeAPIToken(ctx context.Context, userID, maker, id int64) (APIToken, error) {
	now := time.Now().Unix()
	t, err := scanToken(db.W.QueryRowContext(ctx,
		`UPDATE api_tokens SET revoked_at = ?1 WHERE id = ?2 AND user_id = ?3 AND revoked_at IS NULL
			AND (?4 = 0 OR coalesce(created_by, user_id) = ?4) RETURNING `+tokenColumns,
		now, id, userID, maker))
	return t, err
}

// TouchAPIToken records a token's latest use.
func (db *DB) TouchAPIToken(ctx context.Context, id int64, at time.Time, ip string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ?, last_used_ip = ? WHERE id = ?`, at.Unix(), ip, id)
	return err
}
