package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Mail states.
const (
	MailPending = "pending"
	MailSent    = "sent"
	MailFailed  = "failed"
)

// Mail is one message in the queue, already in its recipient's words.
type Mail struct {
	ID            int64
	UserID        int64 // 0: none (the account is gone)
	Kind          string
	To            string
	Subject       string
	Text, HTML    string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        time.Time // zero until sent
}

const mailColumns = `id, coalesce(user_id, 0), kind, to_addr, subject, text_body, html_body, status, attempts, next_attempt_at, last_error, created_at, coalesce(sent_at, 0)`

func scanMail(row interface{ Scan(...any) error }) (Mail, error) {
	var m Mail
	var next, created, sent int64
	err := row.Scan(&m.ID, &m.UserID, &m.Kind, &m.To, &m.Subject, &m.Text, &m.HTML, &m.Status, &m.Attempts, &next, &m.LastError, &created, &sent)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	m.NextAttemptAt, m.CreatedAt = time.Unix(next, 0), time.Unix(created, 0)
	if sent > 0 {
		m.SentAt = time.Unix(sent, 0)
	}
	return m, err
}

// QueueMail adds a message, due at once.
func (db *DB) QueueMail(ctx context.Context, m Mail, now time.Time) (int64, error) {
	var uid any
	if m.UserID != 0 {
		uid = m.UserID
	}
	res, err := db.W.ExecContext(ctx, `INSERT INTO mail_queue (user_id, kind, to_addr, subject, text_body, html_body, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, uid, m.Kind, m.To, m.Subject, m.Text, m.HTML, now.Unix(), now.Unix())
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// DueMail lists pending messages whose next attempt has come, oldest first.
func (db *DB) DueMail(ctx context.Context, now time.Time, limit int) ([]Mail, error) {
	return db.mails(ctx, `SELECT `+mailColumns+` FROM mail_queue WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`, now.Unix(), limit)
}

// RecentMail lists the newest messages of the queue, whatever their state.
func (db *DB) RecentMail(ctx context.Context, limit int) ([]Mail, error) {
	return db.mails(ctx, `SELECT `+mailColumns+` FROM mail_queue ORDER BY id DESC LIMIT ?`, limit)
}

// MailTo lists the messages sent or queued to one address, oldest first.
func (db *DB) MailTo(ctx context.Context, addr string) ([]Mail, error) {
	return db.mails(ctx, `SELECT `+mailColumns+` FROM mail_queue WHERE to_addr = ? ORDER BY id`, addr)
}

func (db *DB) mails(ctx context.Context, q string, args ...any) ([]Mail, error) {
	rows, err := db.read(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Mail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MailCounts is how many messages are in each state.
func (db *DB) MailCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.read(ctx, `SELECT status, count(*) FROM mail_queue GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// MailSentAt records a message the server took.
func (db *DB) MailSentAt(ctx context.Context, id int64, now time.Time) error {
	return db.exec1(ctx, `UPDATE mail_queue SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = '' WHERE id = ? AND status = 'pending'`, now.Unix(), id)
}

// MailRetryAt records a failed attempt and when to try again.
func (db *DB) MailRetryAt(ctx context.Context, id int64, reason string, next time.Time) error {
	return db.exec1(ctx, `UPDATE mail_queue SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ? AND status = 'pending'`, reason, next.Unix(), id)
}

// MailFailed records a message the server refused for good; it stays in the
// queue for the operator to read (and to retry with RetryMail).
func (db *DB) MailFailed(ctx context.Context, id int64, reason string) error {
	return db.exec1(ctx, `UPDATE mail_queue SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ? AND status = 'pending'`, reason, id)
}

// RetryMail makes a failed message pending again, due now.
func (db *DB) RetryMail(ctx context.Context, id int64, now time.Time) error {
	return db.exec1(ctx, `UPDATE mail_queue SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status = 'failed'`, now.Unix(), id)
}
