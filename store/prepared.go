package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmts caches prepared reader statements by their text: SQLite then parses
// and plans each query once per connection instead of on every call, which is
// most of the cost of the small queries the hot pages run.
type stmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (db *DB) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	return db.stmts.get(ctx, db.R, q)
}

// written is prepared for the writer: for the statements a worker runs every
// few seconds (the usage samples' long inserts), whose parsing would
// otherwise cost more than their execution. Prepare it before a transaction
// (which holds the writer's one connection); tx.StmtContext then uses it as
// it is.
func (db *DB) written(ctx context.Context, q string) (*sql.Stmt, error) {
	return db.wstmts.get(ctx, db.W, q)
}

func (s *stmts) get(ctx context.Context, pool *sql.DB, q string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.m[q]; ok {
		return st, nil
	}
	st, err := pool.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if s.m == nil {
		s.m = map[string]*sql.Stmt{}
	}
	s.m[q] = st
	return st, nil
}

// read runs a reader query through the statement cache.
func (db *DB) read(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := db.prepared(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// pointRead is readRow for the lookups by key that run on every request (a
// token, a session, the change counters): they take microseconds, so they are
// not worth cancelling, and a context that cannot be cancelled spares
// database/sql a goroutine per query that waits for the cancellation (and
// the driver its interrupt watch).
func (db *DB) pointRead(ctx context.Context, q string, args ...any) *sql.Row {
	return db.readRow(context.WithoutCancel(ctx), q, args...)
}

// readRow is read for one row; errors surface at Scan, as with QueryRowContext.
func (db *DB) readRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := db.prepared(ctx, q)
	if err != nil {
		// A query that cannot be prepared fails the same way at Scan through the pool.
		return db.R.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// scanInto runs a reader query and hands each row's Scan to row.
func scanInto(db *DB, ctx context.Context, q string, row func(scan func(...any) error) error, args ...any) error {
	rows, err := db.read(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// readIDSet runs a reader query of one id column and returns the ids as a set.
func (db *DB) readIDSet(ctx context.Context, q string, args ...any) (map[int64]bool, error) {
	out := map[int64]bool{}
	err := scanInto(db, ctx, q, func(scan func(...any) error) error {
		var id int64
		if err := scan(&id); err != nil {
			return err
		}
		out[id] = true
		return nil
	}, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *stmts) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.m {
		st.Close()
	}
	s.m = nil
}
