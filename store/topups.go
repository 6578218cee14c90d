package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Top-up states.
const (
	TopUpPending = "pending"
	TopUpPaid    = "paid"
	TopUpFailed  = "failed"
	TopUpExpired = "expired"
)

// TopUpStatuses are every state a top-up can be in, for those who word them.
var TopUpStatuses = []string{TopUpPending, TopUpPaid, TopUpFailed, TopUpExpired}

// TopUp is one payment into a wallet through a gateway.
type TopUp struct {
	ID          int64
	UserID      int64
	Gateway     string
	AmountRials int64 // what the wallet is credited
	VATRials    int64 // added at the gateway: the customer pays AmountRials + VATRials
	Authority   string
	Status      string
	Reason      string // why it failed, in the panel's words (services.TopUpReasons)
	Message     string // a gateway's own words on a refusal, shown only when it has no Reason
	PayURL      string // the page the customer pays on
	RefID       string // the gateway's reference of a paid one
	CardPAN     string // the masked card a paid one came from
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

const topUpColumns = `id, user_id, gateway, amount_rials, coalesce(authority, ''), status, reason, message, pay_url, ref_id, card_pan, created_at, updated_at, vat_rials`

func scanTopUp(row interface{ Scan(...any) error }) (TopUp, error) {
	var t TopUp
	var created, updated int64
	err := row.Scan(&t.ID, &t.UserID, &t.Gateway, &t.AmountRials, &t.Authority, &t.Status, &t.Reason, &t.Message, &t.PayURL, &t.RefID, &t.CardPAN, &created, &updated, &t.VATRials)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	t.CreatedAt, t.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return t, err
}

// TopUpLimit is a refusal to record another payment: the user asked for as
// many as the window allows, the oldest of them at Oldest.
type TopUpLimit struct{ Oldest time.Time }

func (e *TopUpLimit) Error() string { return "too many top-ups started" }

// OpenTopUp records a payment about to be requested from the gateway, or gives
// back (reused) the user's pending one of the same amounts through the same
// gateway requested since reuseSince, which already has its page to pay on. A
// user who had `limit` payments recorded since windowStart gets a *TopUpLimit
// instead. The check and the insert are one transaction on the one writer, so
// a burst cannot slip past the limit.
func (db *DB) OpenTopUp(ctx context.Context, userID int64, gateway string, rials, vat int64, reuseSince, windowStart time.Time, limit int) (t TopUp, reused bool, err error) {
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		t, err = scanTopUp(tx.QueryRowContext(ctx, `SELECT `+topUpColumns+` FROM topups WHERE user_id = ? AND gateway = ? AND amount_rials = ? AND vat_rials = ?
			AND status = '`+TopUpPending+`' AND pay_url != '' AND created_at >= ? ORDER BY id DESC LIMIT 1`, userID, gateway, rials, vat, reuseSince.Unix()))
		if err == nil {
			reused = true
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		var n int
		var oldest sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT count(*), min(created_at) FROM topups WHERE user_id = ? AND created_at >= ?`,
			userID, windowStart.Unix()).Scan(&n, &oldest); err != nil {
			return err
		}
		if n >= limit {
			return &TopUpLimit{Oldest: time.Unix(oldest.Int64, 0)}
		}
		now := time.Now().Unix()
		t, err = scanTopUp(tx.QueryRowContext(ctx, `INSERT INTO topups (user_id, gateway, amount_rials, vat_rials, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, '`+TopUpPending+`', ?, ?) RETURNING `+topUpColumns, userID, gateway, rials, vat, now, now))
		return err
	})
	return t, reused, err
}

// SetTopUpAuthority records the gateway's id for the payment and the page it is paid on.
func (db *DB) SetTopUpAuthority(ctx context.Context, id int64, authority, payURL string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE topups SET authority = ?, pay_url = ?, updated_at = ? WHERE id = ?`, authority, payURL, time.Now().Unix(), id)
	return err
}

// TopUpByAuthority finds a payment by the gateway's id.
func (db *DB) TopUpByAuthority(ctx context.Context, authority string) (TopUp, error) {
	return scanTopUp(db.readRow(ctx, `SELECT `+topUpColumns+` FROM topups WHERE authority = ?`, authority))
}

// TopUpOf is one of a user's payments.
func (db *DB) TopUpOf(ctx context.Context, userID, id int64) (TopUp, error) {
	return scanTopUp(db.readRow(ctx, `SELECT `+topUpColumns+` FROM topups WHERE id = ? AND user_id = ?`, id, userID))
}

// TopUps lists a user's newest payments.
func (db *DB) TopUps(ctx context.Context, userID int64, limit int) ([]TopUp, error) {
	rows, err := db.read(ctx, `SELECT `+topUpColumns+` FROM topups WHERE user_id = ? ORDER BY id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TopUp
	for rows.Next() {
		t, err := scanTopUp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// FailTopUp marks an unfinished payment failed, with why (and a gateway's own
// words when it gave a reason the panel has none for); false when it was no
// longer unfinished (paid already, say).
func (db *DB) FailTopUp(ctx context.Context, id int64, reason, message string) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE topups SET status = '`+TopUpFailed+`', reason = ?, message = ?, updated_at = ?
		WHERE id = ? AND status IN ('`+TopUpPending+`', '`+TopUpExpired+`')`, reason, message, time.Now().Unix(), id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// PayTopUp marks a payment paid and credits its amount to the wallet, in one
// transaction guarded by its state: a second call (a replayed callback, two tabs)
// credits nothing. A failed one is paid too: the gateway said it was not paid
// when it was asked, and says otherwise now (paid in another tab, a slow bank);
// money received is never lost.
func (db *DB) PayTopUp(ctx context.Context, id int64, refID, cardPAN string) (credited bool, err error) {
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		var userID, amount int64
		var gateway string
		e := tx.QueryRowContext(ctx, `UPDATE topups SET status = '`+TopUpPaid+`', ref_id = ?, card_pan = ?, reason = '', message = '', updated_at = ?
			WHERE id = ? AND status IN ('`+TopUpPending+`', '`+TopUpExpired+`', '`+TopUpFailed+`') RETURNING user_id, amount_rials, gateway`,
			refID, cardPAN, time.Now().Unix(), id).Scan(&userID, &amount, &gateway)
		if errors.Is(e, sql.ErrNoRows) {
			return nil
		}
		if e != nil {
			return e
		}
		if _, e := AddToBalance(ctx, tx, userID, amount, "topup", gateway+":"+refID); e != nil {
			return e
		}
		credited = true
		return nil
	})
	return credited, err
}

// ExpireTopUps marks payments still pending since before `before` expired.
func (db *DB) ExpireTopUps(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE topups SET status = '`+TopUpExpired+`', updated_at = ? WHERE status = '`+TopUpPending+`' AND created_at < ?`,
		time.Now().Unix(), before.Unix())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// VATPaid is the VAT of a user's top-ups paid in [from, to).
func (db *DB) VATPaid(ctx context.Context, userID int64, from, to time.Time) (int64, error) {
	var vat int64
	err := db.readRow(ctx, `SELECT coalesce(sum(vat_rials), 0) FROM topups WHERE user_id = ? AND status = '`+TopUpPaid+`' AND updated_at >= ? AND updated_at < ?`,
		userID, from.Unix(), to.Unix()).Scan(&vat)
	return vat, err
}
