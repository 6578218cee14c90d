package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ConsoleTicket is one row of console_tickets, with the UUID of its VM. The
// secret itself is never stored: Hash is its SHA-256.
type ConsoleTicket struct {
	ID     int64
	Hash   string
	UserID int64
	VMID   int64
	VMUUID string
	Via    string
	// TokenID is the API token that minted it (0 for a browser session), and
	// Session the minting browser's session token; see ClaimConsoleTicket.
	TokenID int64
	Session string
	// SessionID is the minting browser's record (user_sessions.public_id): the
	// console the ticket opens belongs to it and closes when it ends.
	SessionID string
	// PersonID is the person it was opened for (the account itself when 0):
	// taking them out of the team ends it.
	PersonID  int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until a websocket claimed it
}

const ticketColumns = `t.id, t.hash, t.user_id, t.vm_id, v.uuid, t.via, coalesce(t.token_id, 0), t.sid, t.created_at, t.expires_at, coalesce(t.used_at, 0), coalesce(t.person_id, t.user_id)`

func scanTicket(row interface{ Scan(...any) error }) (ConsoleTicket, error) {
	var t ConsoleTicket
	var created, expires, used int64
	err := row.Scan(&t.ID, &t.Hash, &t.UserID, &t.VMID, &t.VMUUID, &t.Via, &t.TokenID, &t.SessionID, &created, &expires, &used, &t.PersonID)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	t.CreatedAt = time.UnixMilli(created).UTC()
	t.ExpiresAt = time.UnixMilli(expires).UTC()
	if used != 0 {
		t.UsedAt = time.UnixMilli(used).UTC()
	}
	return t, err
}

// CreateConsoleTicket records a ticket; ErrConflict if its hash already exists.
// Tickets that expired more than an hour ago are swept in the same transaction,
// so the table stays as small as the last hour's consoles.
func (db *DB) CreateConsoleTicket(ctx context.Context, t ConsoleTicket) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM console_tickets WHERE expires_at < ?`,
			t.CreatedAt.Add(-time.Hour).UnixMilli()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO console_tickets (hash, user_id, vm_id, via, token_id, session, sid, created_at, expires_at, person_id)
			VALUES (?, ?, ?, ?, nullif(?, 0), ?, ?, ?, ?, coalesce(nullif(?, 0), ?2))`, t.Hash, t.UserID, t.VMID, t.Via, t.TokenID, t.Session, t.SessionID, t.CreatedAt.UnixMilli(), t.ExpiresAt.UnixMilli(), t.PersonID)
		if isUnique(err) {
			return ErrConflict
		}
		return err
	})
}

// ClaimConsoleTicket marks an unused, unexpired ticket as used at now and returns
// it, if what minted it still holds: its API token is neither revoked nor
// expired, or its browser session still exists, was not ended from another
// browser, and began after the account's last password change. The single
// UPDATE is the whole check: of two connections
// racing with one ticket exactly one gets it. ErrNotFound for any other ticket.
func (db *DB) ClaimConsoleTicket(ctx context.Context, hash string, now time.Time) (ConsoleTicket, error) {
	var id int64
	err := db.W.QueryRowContext(ctx, `UPDATE console_tickets SET used_at = ?1, session = ''
		WHERE hash = ?2 AND used_at IS NULL AND expires_at > ?1
		AND (token_id IS NULL OR EXISTS (SELECT 1 FROM api_tokens k WHERE k.id = console_tickets.token_id
			AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?1 / 1000)))
		AND (token_id IS NOT NULL OR EXISTS (SELECT 1 FROM sessions s WHERE s.token = console_tickets.session
			AND s.expiry > julianday(?1 / 1000.0, 'unixepoch')))
		AND (sid = '' OR EXISTS (SELECT 1 FROM user_sessions r WHERE r.public_id = console_tickets.sid AND r.ended_at IS NULL))
		AND created_at * 1000000 >= (SELECT sessions_valid_after FROM users u WHERE u.id = coalesce(console_tickets.person_id, console_tickets.user_id))
		AND (person_id IS NULL OR EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = console_tickets.user_id AND m.person_id = console_tickets.person_id))
		RETURNING id`,
		now.UnixMilli(), hash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return ConsoleTicket{}, ErrNotFound
	}
	if err != nil {
		return ConsoleTicket{}, err
	}
	// The writer reads its own write; a reader connection might not see it yet.
	return scanTicket(db.W.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM console_tickets t
		JOIN vms v ON v.id = t.vm_id WHERE t.id = ?`, id))
}

// ConsoleTicketByHash returns a ticket that can still be claimed at now (unused,
// unexpired) without claiming it; ErrNotFound otherwise.
func (db *DB) ConsoleTicketByHash(ctx context.Context, hash string, now time.Time) (ConsoleTicket, error) {
	return scanTicket(db.readRow(ctx, `SELECT `+ticketColumns+` FROM console_tickets t
		JOIN vms v ON v.id = t.vm_id WHERE t.hash = ? AND t.used_at IS NULL AND t.expires_at > ?`, hash, now.UnixMilli()))
}
