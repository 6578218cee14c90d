package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// UserSession is one signed-in browser.
type UserSession struct {
	ID                  int64
	UserID              int64
	PublicID            string
	IP, UserAgent       string
	CreatedAt, LastSeen time.Time
	Ended               bool
}

// CreateUserSession records a sign-in.
func (db *DB) CreateUserSession(ctx context.Context, userID int64, publicID, ip, ua string, now time.Time) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO user_sessions (user_id, public_id, ip, user_agent, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)`,
		userID, publicID, ip, ua, now.Unix(), now.Unix())
	return err
}

// TouchUserSession records a session's latest request and address.
func (db *DB) TouchUserSession(ctx context.Context, publicID, ip string, now time.Time) error {
	_, err := db.W.ExecContext(ctx, `UPDATE user_sessions SET last_seen_at = ?, ip = ? WHERE public_id = ? AND ended_at IS NULL`, now.Unix(), ip, publicID)
	return err
}

// ActiveUserSessions lists a user's sessions that can still be used: not
// ended, begun after the last password change, seen within idle, newest first.
func (db *DB) ActiveUserSessions(ctx context.Context, userID int64, idle time.Duration, now time.Time) ([]UserSession, error) {
	rows, err := db.read(ctx, `SELECT s.id, s.user_id, s.public_id, s.ip, s.user_agent, s.created_at, s.last_seen_at
		FROM user_sessions s JOIN users u ON u.id = s.user_id
		WHERE s.user_id = ? AND s.ended_at IS NULL AND s.last_seen_at >= ? AND s.created_at * 1000000000 >= u.sessions_valid_after - 999999999
		ORDER BY s.last_seen_at DESC, s.id DESC LIMIT 50`, userID, now.Add(-idle).Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []UserSession
	for rows.Next() {
		var s UserSession
		var created, seen int64
		if err := rows.Scan(&s.ID, &s.UserID, &s.PublicID, &s.IP, &s.UserAgent, &created, &seen); err != nil {
			return nil, err
		}
		s.CreatedAt, s.LastSeen = time.Unix(created, 0).UTC(), time.Unix(seen, 0).UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}

// EndUserSession ends one of a user's sessions and returns its public id;
// ErrNotFound when it is not theirs or already ended.
func (db *DB) EndUserSession(ctx context.Context, userID, id int64, now time.Time) (string, error) {
	var publicID string
	err := db.W.QueryRowContext(ctx, `UPDATE user_sessions SET ended_at = ? WHERE id = ? AND user_id = ? AND ended_at IS NULL RETURNING public_id`,
		now.Unix(), id, userID).Scan(&publicID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return publicID, err
}

// EndUserSessionByPublicID ends the session a browser signs out of; one already ended is left as it is.
func (db *DB) EndUserSessionByPublicID(ctx context.Context, userID int64, publicID string, now time.Time) error {
	_, err := db.W.ExecContext(ctx, `UPDATE user_sessions SET ended_at = ? WHERE public_id = ? AND user_id = ? AND ended_at IS NULL`, now.Unix(), publicID, userID)
	return err
}

// EndOtherUserSessions ends every session of a user but keep ("" keeps none); it returns how many.
func (db *DB) EndOtherUserSessions(ctx context.Context, userID int64, keep string, now time.Time) (int, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE user_sessions SET ended_at = ? WHERE user_id = ? AND public_id <> ? AND ended_at IS NULL`, now.Unix(), userID, keep)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
