package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Purposes of a link sent by e-mail.
const (
	LinkVerify = "verify"
	LinkReset  = "reset"
)

// EmailLink is a single-use link sent by e-mail, found by its token's hash.
type EmailLink struct {
	ID        int64
	UserID    int64
	Purpose   string
	Email     string
	ExpiresAt time.Time
	Used      bool
}

// CreateEmailLink records a link; earlier unused links of the same purpose stop
// working, so only the newest mail's link opens anything.
func (db *DB) CreateEmailLink(ctx context.Context, userID int64, purpose, email, tokenHash string, expires, now time.Time) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE email_links SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL`, now.Unix(), userID, purpose); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO email_links (user_id, purpose, token_hash, email, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			userID, purpose, tokenHash, email, expires.Unix(), now.Unix())
		return err
	})
}

// EmailLinkByHash finds a link whatever its state; ErrNotFound when there is none.
func (db *DB) EmailLinkByHash(ctx context.Context, purpose, tokenHash string) (EmailLink, error) {
	var l EmailLink
	var exp int64
	err := db.readRow(ctx, `SELECT id, user_id, purpose, email, expires_at, used_at IS NOT NULL FROM email_links WHERE purpose = ? AND token_hash = ?`,
		purpose, tokenHash).Scan(&l.ID, &l.UserID, &l.Purpose, &l.Email, &exp, &l.Used)
	if errors.Is(err, sql.ErrNoRows) {
		return l, ErrNotFound
	}
	l.ExpiresAt = time.Unix(exp, 0)
	return l, err
}

// ResetPasswordByLink uses a reset link and sets the new password hash in one
// transaction: a link opens one change, every session that began before it
// ends, and every API token that still works is revoked; it returns those
// tokens. The link was read at the account's address, which is verified with
// it (if it is still the address the link went to). ErrNotFound when the link
// was used meanwhile or has expired.
func (db *DB) ResetPasswordByLink(ctx context.Context, l EmailLink, hash string, now time.Time) ([]APIToken, error) {
	var revoked []APIToken
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if err := useLink(ctx, tx, l.ID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, sessions_valid_after = ?, updated_at = ?,
			email_verified_at = coalesce(email_verified_at, CASE WHEN email = ? THEN ? END) WHERE id = ?`,
			hash, now.UnixNano(), now.Unix(), l.Email, now.Unix(), l.UserID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `UPDATE api_tokens SET revoked_at = ?1
			WHERE user_id = ?2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?1) RETURNING `+tokenColumns, now.Unix(), l.UserID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanToken(rows)
			if err != nil {
				return err
			}
			revoked = append(revoked, t)
		}
		return rows.Err()
	})
	return revoked, err
}

// VerifyEmailByLink uses a verification link and marks the address verified,
// only if it is still the account's address.
func (db *DB) VerifyEmailByLink(ctx context.Context, l EmailLink, now time.Time) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if err := useLink(ctx, tx, l.ID, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET email_verified_at = coalesce(email_verified_at, ?) WHERE id = ? AND email = ?`, now.Unix(), l.UserID, l.Email)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

func useLink(ctx context.Context, tx *sql.Tx, id int64, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE email_links SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?`, now.Unix(), id, now.Unix())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
