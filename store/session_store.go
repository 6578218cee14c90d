package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
)

// SessionStore is scs's sqlite3store split over the two pools: lookups, which
// happen on every signed-in request, read through the reader pool and never
// queue behind writes; commits and deletes go through the writer.
//
// With an idle timeout scs commits on every request, only to move the
// session's expiry on. A commit whose data is what was last written for the
// token and whose expiry moves less than SessionTouch is skipped: a plain GET
// writes nothing, and the expiry on disk lags by at most a minute.
type SessionStore struct {
	db     *DB
	writer *sqlite3store.SQLite3Store

	mu   sync.Mutex
	last map[string]committed // token → what was last written
	// Writes counts the commits that reached the database (for tests and metrics).
	Writes int64
}

// SessionTouch is how far a session's expiry may lag before it is written again.
const SessionTouch = time.Minute

type committed struct {
	sum    [32]byte
	expiry time.Time
}

// Sessions returns the scs store for this database; expired rows are swept every cleanup interval.
func (db *DB) Sessions(cleanup time.Duration) *SessionStore {
	return &SessionStore{
		db:     db,
		writer: sqlite3store.NewWithCleanupInterval(db.W, cleanup),
		last:   map[string]committed{},
	}
}

// Find is sqlite3store's lookup through the reader pool's prepared statements
// (sqlite3store parses its query on every call; this runs on every signed-in request).
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	var b []byte
	err := s.db.pointRead(context.Background(), `SELECT data FROM sessions WHERE token = ? AND julianday('now') < expiry`, token).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	sum := sha256.Sum256(b)
	s.mu.Lock()
	prev, ok := s.last[token]
	s.mu.Unlock()
	if ok && prev.sum == sum && expiry.Sub(prev.expiry) < SessionTouch && !expiry.Before(prev.expiry) {
		return nil
	}
	if err := s.writer.Commit(token, b, expiry); err != nil {
		return err
	}
	s.mu.Lock()
	s.Writes++
	if len(s.last) > 100_000 {
		s.forgetExpired(time.Now())
	}
	s.last[token] = committed{sum: sum, expiry: expiry}
	s.mu.Unlock()
	return nil
}

// forgetExpired drops what is remembered of sessions past their expiry; s.mu is held.
func (s *SessionStore) forgetExpired(now time.Time) {
	for t, c := range s.last {
		if c.expiry.Before(now) {
			delete(s.last, t)
		}
	}
}

func (s *SessionStore) Delete(token string) error {
	s.mu.Lock()
	delete(s.last, token)
	s.mu.Unlock()
	return s.writer.Delete(token)
}

// Close stops the cleanup goroutine.
func (s *SessionStore) Close() { s.writer.StopCleanup() }
