package store

import (
	"time"

	"github.com/alexedwards/scs/sqlite3store"
)

// SessionStore is scs's sqlite3store split over the two pools: lookups, which
// happen on every signed-in request, read through the reader pool and never
// queue behind writes; commits and deletes go through the writer.
type SessionStore struct {
	reader *sqlite3store.SQLite3Store
	writer *sqlite3store.SQLite3Store
}

// Sessions returns the scs store for this database; expired rows are swept every cleanup interval.
func (db *DB) Sessions(cleanup time.Duration) *SessionStore {
	return &SessionStore{
		reader: sqlite3store.NewWithCleanupInterval(db.R, 0),
		writer: sqlite3store.NewWithCleanupInterval(db.W, cleanup),
	}
}

func (s *SessionStore) Find(token string) ([]byte, bool, error) { return s.reader.Find(token) }

func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.writer.Commit(token, b, expiry)
}

func (s *SessionStore) Delete(token string) error { return s.writer.Delete(token) }

// Close stops the cleanup goroutine.
func (s *SessionStore) Close() { s.writer.StopCleanup() }
