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
	ID        int64
	Hash      string
	UserID    int64
	VMID      int64
	VMUUID    string
	Via       string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until a websocket claimed it
}

const ticketColumns = `t.id, t.hash, t.user_id, t.vm_id, v.uuid, t.via, t.created_at, t.expires_at, coalesce(t.used_at, 0)`

func scanTicket(row interface{ Scan(...any) error }) (ConsoleTicket, error) {
	var t ConsoleTicket
	var created, expires, used int64
	err := row.Scan(&t.ID, &t.Hash, &t.UserID, &t.VMID, &t.VMUUID, &t.Via, &created, &expires, &used)
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
		_, err := tx.ExecContext(ctx, `INSERT INTO console_tickets (hash, user_id, vm_id, via, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, t.Hash, t.UserID, t.VMID, t.Via, t.CreatedAt.UnixMilli(), t.ExpiresAt.UnixMilli())
		if isUnique(err) {
			return ErrConflict
		}
		return err
	})
}

// ClaimConsoleTicket marks an unused, unexpired ticket as used at now and returns
// it. The single UPDATE is the whole check: of two connections racing with one
// ticket exactly one gets it. ErrNotFound for an unknown, used or expired ticket.
func (db *DB) ClaimConsoleTicket(ctx context.Context, hash string, now time.Time) (ConsoleTicket, error) {
	var id int64
	err := db.W.QueryRowContext(ctx, `UPDATE console_tickets SET used_at = ?
		WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING id`,
		now.UnixMilli(), hash, now.UnixMilli()).Scan(&id)
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
