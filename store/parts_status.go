package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// LastFailure is the newest error a part of the panel met: what it said and
// when ("" and the zero time: none on record).
type LastFailure struct {
	Error string
	At    time.Time
}

// LastMailFailure is the newest error the mail server gave a letter (one
// still retried or one given up on), dated by the letter's creation: the
// queue keeps no time of each try.
func (db *DB) LastMailFailure(ctx context.Context) (LastFailure, error) {
	return db.lastFailure(ctx, `SELECT last_error, created_at FROM mail_queue WHERE last_error <> '' ORDER BY id DESC LIMIT 1`)
}

// LastFailedPayment is the newest failed top-up: its reason (a customer
// who cancelled at the gateway is one too) and the gateway's own words.
func (db *DB) LastFailedPayment(ctx context.Context) (LastFailure, error) {
	return db.lastFailure(ctx, `SELECT reason || CASE WHEN message <> '' THEN ': ' || message ELSE '' END, updated_at
		FROM topups WHERE status = 'failed' ORDER BY updated_at DESC, id DESC LIMIT 1`)
}

func (db *DB) lastFailure(ctx context.Context, query string) (LastFailure, error) {
	var f LastFailure
	var at int64
	err := db.R.QueryRowContext(ctx, query).Scan(&f.Error, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return LastFailure{}, nil
	}
	if err != nil {
		return LastFailure{}, err
	}
	f.At = time.Unix(at, 0)
	return f, nil
}

// MailFailedCount is how many letters the queue gave up on.
func (db *DB) MailFailedCount(ctx context.Context) (int, error) {
	var n int
	err := db.R.QueryRowContext(ctx, `SELECT count(*) FROM mail_queue WHERE status = 'failed'`).Scan(&n)
	return n, err
}
