// Package store keeps all of Abrak's state in one SQLite file.
//
// Writes go through a pool of exactly one connection, so SQLite never sees two
// writers and "database is locked" cannot happen inside the process; reads use a
// separate pool that WAL lets run beside the writer.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ErrNotFound is returned when a row the caller asked for does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a unique constraint refuses a write.
var ErrConflict = errors.New("store: conflict")

// DB is the panel's database: one writer connection and a pool of readers.
type DB struct {
	W    *sql.DB // the single writer
	R    *sql.DB // readers
	Path string

	stmts   stmts
	wstmts  stmts // the writer's (written)
	catalog catalogCache
}

// dsn builds a modernc.org/sqlite DSN. busy_timeout comes first so that every
// later pragma already waits instead of failing on a busy file.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database file at path and applies every
// pending migration.
func Open(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create %s: %w", dir, err)
		}
	}
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db := &DB{W: w, R: r, Path: path}
	if _, err := keepListRows(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	db.stmts.close()
	db.wstmts.close()
	return errors.Join(db.R.Close(), db.W.Close())
}

// Ping checks that the database answers a query (used by /readyz).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.R.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Tx runs fn inside one write transaction (BEGIN IMMEDIATE), committing when fn
// returns nil and rolling back otherwise.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Backup writes a consistent copy of the live database to dst with VACUUM INTO,
// which reads one snapshot while the panel keeps writing.
func (db *DB) Backup(ctx context.Context, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("store: backup target %s already exists", dst)
	}
	// A connection of its own: the reader pool is query_only, which refuses
	// VACUUM INTO, and the writer must stay free for the panel. In WAL mode this
	// connection reads one snapshot while writes go on.
	conn, err := sql.Open("sqlite", dsn(db.Path, false))
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", dst)
	return err
}
