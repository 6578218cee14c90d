package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// MigrationNumber is the number of the migration whose file name ends in
// suffix ("_closed_addresses.sql"), 0 when there is none.
func MigrationNumber(suffix string) int {
	names, _ := fs.Glob(migrationFiles, "migrations/*"+suffix)
	if len(names) != 1 {
		return 0
	}
	all, _ := fs.Glob(migrationFiles, "migrations/*.sql")
	sort.Strings(all)
	for i, n := range all {
		if n == names[0] {
			return i + 1
		}
	}
	return 0
}

// migrations returns the embedded migration scripts in order. The schema
// version is the number of scripts applied, so a script is never edited once
// released: a change is a new file.
func migrations() ([]string, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]string, 0, len(names))
	for _, n := range names {
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, string(b))
	}
	return out, nil
}

// SchemaVersion reports how many migrations the file has applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.readRow(ctx, "SELECT version FROM schema_version").Scan(&v)
	return v, err
}

func migrate(ctx context.Context, w *sql.DB) error { return migrateTo(ctx, w, -1) }

// MigrateTo makes the file at path what a release whose last migration was
// number version left: the migrations up to it, and nothing else that Open
// does. Tests of a migration start from it.
func MigrateTo(ctx context.Context, path string, version int) error {
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return err
	}
	defer w.Close()
	w.SetMaxOpenConns(1)
	return migrateTo(ctx, w, version)
}

// migrateTo applies the migrations up to number version, every one when it is -1.
func migrateTo(ctx context.Context, w *sql.DB, version int) error {
	if _, err := w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("store: schema_version: %w", err)
	}
	var current int
	err := w.QueryRowContext(ctx, "SELECT version FROM schema_version").Scan(&current)
	if err == sql.ErrNoRows {
		if _, err := w.ExecContext(ctx, "INSERT INTO schema_version (version) VALUES (0)"); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	all, err := migrations()
	if err != nil {
		return err
	}
	if current > len(all) {
		return fmt.Errorf("store: database schema %d is newer than this binary (%d)", current, len(all))
	}
	if version >= 0 {
		all = all[:min(version, len(all))]
	}
	for i := current; i < len(all); i++ {
		if err := apply(ctx, w, i+1, all[i]); err != nil {
			return err
		}
	}
	return nil
}

// fkOff marks a migration that rebuilds a table other tables point at: SQLite's
// procedure for that runs with foreign keys off, which a transaction cannot
// switch, and checks them before it commits.
const fkOff = "-- abrak:foreign-keys-off"

// apply runs migration number version in its own transaction on one connection.
func apply(ctx context.Context, w *sql.DB, version int, script string) error {
	conn, err := w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	off := strings.HasPrefix(script, fkOff)
	if off {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON")
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, script); err != nil {
		return fmt.Errorf("store: migration %d: %w", version, err)
	}
	if off {
		rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
		if err != nil {
			return err
		}
		bad := rows.Next()
		rows.Close()
		if bad {
			return fmt.Errorf("store: migration %d leaves rows pointing at nothing", version)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE schema_version SET version = ?", version); err != nil {
		return err
	}
	return tx.Commit()
}
