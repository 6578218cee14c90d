package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

// ErrInsufficientFunds is returned when a debit would take a balance below zero.
var ErrInsufficientFunds = errors.New("store: insufficient funds")

// LedgerEntry is one change of a wallet balance.
type LedgerEntry struct {
	ID           int64
	UserID       int64
	AmountRials  int64
	BalanceAfter int64
	Kind         string
	Ref          string
	CreatedAt    time.Time
}

// AddToBalance changes a user's balance by amount (negative for a debit) and
// writes the ledger row, inside tx. The CHECK constraint and the guarded UPDATE
// make a negative balance impossible even under concurrent debits.
func AddToBalance(ctx context.Context, tx *sql.Tx, userID, amount int64, kind, ref string) (int64, error) {
	var after int64
	err := tx.QueryRowContext(ctx,
		`UPDATE users SET balance_rials = balance_rials + ?1 WHERE id = ?2 AND balance_rials + ?1 >= 0 RETURNING balance_rials`,
		amount, userID).Scan(&after)
	if errors.Is(err, sql.ErrNoRows) {
		var exists int
		if tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&exists) != nil {
			return 0, ErrNotFound
		}
		return 0, ErrInsufficientFunds
	}
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO ledger (user_id, amount_rials, balance_after, kind, ref, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		userID, amount, after, kind, ref, time.Now().Unix())
	if err == nil && amount > 0 {
		// Money in lifts a suspension for non-payment at once: the VM is then
		// held as before, and a start that pays its hour brings it back.
		_, err = tx.ExecContext(ctx, `UPDATE vms SET suspended_at = NULL, delete_warned_at = NULL WHERE user_id = ? AND (suspended_at IS NOT NULL OR delete_warned_at IS NOT NULL)`, userID)
	}
	return after, err
}

// Credit adds money to a wallet in its own transaction.
func (db *DB) Credit(ctx context.Context, userID, amount int64, kind, ref string) (int64, error) {
	var after int64
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		after, err = AddToBalance(ctx, tx, userID, amount, kind, ref)
		return err
	})
	return after, err
}

// LedgerPage lists a user's newest ledger entries first, and how many there are.
func (db *DB) LedgerPage(ctx context.Context, userID int64, limit, offset int) ([]LedgerEntry, int, error) {
	var total int
	if err := db.readRow(ctx, `SELECT count(*) FROM ledger WHERE user_id = ?`, userID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.read(ctx,
		`SELECT id, user_id, amount_rials, balance_after, kind, ref, created_at FROM ledger WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?`,
		userID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []LedgerEntry
	for rows.Next() {
		var e LedgerEntry
		var created int64
		if err := rows.Scan(&e.ID, &e.UserID, &e.AmountRials, &e.BalanceAfter, &e.Kind, &e.Ref, &created); err != nil {
			return nil, 0, err
		}
		e.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// Ledger lists a user's newest ledger entries first.
func (db *DB) Ledger(ctx context.Context, userID int64, limit, offset int) ([]LedgerEntry, error) {
	entries, _, err := db.LedgerPage(ctx, userID, limit, offset)
	return entries, err
}

// LedgerBetween lists a user's ledger rows written in [from, to), oldest
// first, and the balance before the first of them (the balance after the last
// row before from; 0 for a wallet that had none).
func (db *DB) LedgerBetween(ctx context.Context, userID int64, from, to time.Time) (opening int64, entries []LedgerEntry, err error) {
	err = db.readRow(ctx, `SELECT coalesce((SELECT balance_after FROM ledger WHERE user_id = ? AND created_at < ? ORDER BY id DESC LIMIT 1), 0)`,
		userID, from.Unix()).Scan(&opening)
	if err != nil {
		return 0, nil, err
	}
	rows, err := db.read(ctx, `SELECT id, user_id, amount_rials, balance_after, kind, ref, created_at FROM ledger
		WHERE user_id = ? AND created_at >= ? AND created_at < ? ORDER BY id`, userID, from.Unix(), to.Unix())
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e LedgerEntry
		var created int64
		if err := rows.Scan(&e.ID, &e.UserID, &e.AmountRials, &e.BalanceAfter, &e.Kind, &e.Ref, &created); err != nil {
			return 0, nil, err
		}
		e.CreatedAt = time.Unix(created, 0).UTC()
		entries = append(entries, e)
	}
	return opening, entries, rows.Err()
}

// VMNames maps the UUIDs of a user's VMs (deleted ones too) among uuids to
// their names; only those rows are read, however many VMs the user has.
func (db *DB) VMNames(ctx context.Context, userID int64, uuids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(uuids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(uuids)
	if err != nil {
		return nil, err
	}
	rows, err := db.read(ctx, `SELECT uuid, CASE WHEN display_name <> '' THEN display_name ELSE hostname END FROM vms
		WHERE user_id = ? AND uuid IN (SELECT value FROM json_each(?))`, userID, string(list))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var u, n string
		if err := rows.Scan(&u, &n); err != nil {
			return nil, err
		}
		out[u] = n
	}
	return out, rows.Err()
}
