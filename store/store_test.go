package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"abrak/store"
)

func open(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newDB(t *testing.T) *store.DB {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "abrak.db"))
}

func addUser(t *testing.T, db *store.DB, email string) store.User {
	t.Helper()
	u, err := db.CreateUser(context.Background(), store.User{Email: email, Name: email, PasswordHash: "x"})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

func TestMigrationsAppliedOnceAndIdempotent(t *testing.T) {
	ctx := context.Background()
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migration files found: %v", err)
	}
	path := filepath.Join(t.TempDir(), "abrak.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != len(files) {
		t.Fatalf("schema version %d (%v), want %d", v, err, len(files))
	}
	addUser(t, db, "ana@example.com")
	db.Close()

	// Reopening applies nothing again and keeps the data.
	db = open(t, path)
	if v, _ := db.SchemaVersion(ctx); v != len(files) {
		t.Fatalf("schema version after reopen %d, want %d", v, len(files))
	}
	var rows int
	if err := db.R.QueryRow(`SELECT count(*) FROM schema_version`).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("schema_version has %d rows (%v), want 1", rows, err)
	}
	if _, err := db.UserByEmail(ctx, "ana@example.com"); err != nil {
		t.Fatalf("the user did not survive a reopen: %v", err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "abrak.db")
	db := open(t, path)
	if _, err := db.W.Exec(`UPDATE schema_version SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := store.Open(context.Background(), path); err == nil {
		db.Close()
		t.Fatal("a database from a newer binary was opened")
	}
}

func TestPoolsSettings(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	pools := map[string]*sql.DB{"writer": db.W, "reader": db.R}
	for name, pool := range pools {
		// Hold several connections at once so that each is a separate one.
		var conns []*sql.Conn
		for range 3 {
			c, err := pool.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			var mode string
			var fk, busy int
			if err := c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil {
				t.Fatal(err)
			}
			if mode != "wal" || fk != 1 || busy < 1000 {
				t.Errorf("%s connection: journal_mode %q, foreign_keys %d, busy_timeout %d", name, mode, fk, busy)
			}
			if name == "writer" {
				break // one connection only: a second Conn would wait for ever
			}
		}
		for _, c := range conns {
			c.Close()
		}
	}
	if n := db.W.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool allows %d connections, want 1", n)
	}

	// Foreign keys are enforced.
	_, err := db.W.Exec(`INSERT INTO ledger (user_id, amount_rials, balance_after, kind, created_at) VALUES (424242, 1, 1, 'x', 0)`)
	if err == nil {
		t.Error("a ledger row for a missing user was accepted")
	}
}

func TestReaderPoolRefusesWrites(t *testing.T) {
	db := newDB(t)
	_, err := db.R.Exec(`INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ('x@example.com', 'x', 'x', 0, 0)`)
	if err == nil {
		t.Fatal("the reader pool wrote a row")
	}
	var n int
	db.R.QueryRow(`SELECT count(*) FROM users`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d users after a refused write", n)
	}
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	u := addUser(t, db, "ana@example.com")
	if _, err := db.CreateUser(ctx, store.User{Email: "ANA@example.com", Name: "x", PasswordHash: "x"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate email in another case: %v, want ErrConflict", err)
	}
	got, err := db.UserByEmail(ctx, "Ana@Example.com")
	if err != nil || got.ID != u.ID {
		t.Errorf("lookup in another case: %+v, %v", got, err)
	}
	if _, err := db.UserByID(ctx, u.ID+100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing user: %v, want ErrNotFound", err)
	}
	if err := db.SetLocale(ctx, u.ID+100, "en"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of a missing user: %v, want ErrNotFound", err)
	}
}

// One writer connection serializes every write in the process, so many
// goroutines writing at once all succeed; readers run beside them.
func TestConcurrentWritersNeverLocked(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	u := addUser(t, db, "ana@example.com")
	const writers, each = 20, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers*each+writers)
	stop := make(chan struct{})
	var reads atomic.Int64
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := db.AuditEvents(ctx, store.AuditFilter{UserID: u.ID, Limit: 10}); err != nil {
					errs <- fmt.Errorf("read: %w", err)
					return
				}
				reads.Add(1)
			}
		})
	}
	var ww sync.WaitGroup
	for w := range writers {
		ww.Go(func() {
			for i := range each {
				var err error
				if i%2 == 0 {
					err = db.AddAudit(ctx, store.AuditEvent{UserID: u.ID, Action: "test.write", Severity: "info", Detail: fmt.Sprint(w, i)})
				} else {
					_, err = db.Credit(ctx, u.ID, 1, "test", fmt.Sprint(w, i))
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	ww.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "busy") {
			t.Fatalf("a write hit a lock: %v", err)
		}
		t.Fatalf("concurrent access failed: %v", err)
	}
	if n := countRows(t, db, `SELECT count(*) FROM audit_events WHERE action = 'test.write'`); n != writers*each/2 {
		t.Errorf("%d audit rows, want %d", n, writers*each/2)
	}
	if u, _ := db.UserByID(ctx, u.ID); u.BalanceRials != writers*each/2 {
		t.Errorf("balance %d, want %d", u.BalanceRials, writers*each/2)
	}
	if reads.Load() == 0 {
		t.Error("no read ran beside the writers")
	}
}

func countRows(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.R.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestBalanceNeverNegative(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	u := addUser(t, db, "ana@example.com")
	const start, debit, debits = 1000, 30, 50 // 50 × 30 = 1500 > 1000: only 33 fit
	if _, err := db.Credit(ctx, u.ID, start, "topup", ""); err != nil {
		t.Fatal(err)
	}
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, debits)
	for i := range debits {
		wg.Go(func() {
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				_, err := store.AddToBalance(ctx, tx, u.ID, -debit, "charge", fmt.Sprint(i))
				return err
			})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, store.ErrInsufficientFunds):
				refused.Add(1)
			default:
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("debit failed: %v", err)
	}
	if ok.Load() != start/debit || refused.Load() != debits-start/debit {
		t.Errorf("%d debits succeeded and %d were refused, want %d and %d", ok.Load(), refused.Load(), start/debit, debits-start/debit)
	}
	got, _ := db.UserByID(ctx, u.ID)
	if got.BalanceRials != start%debit {
		t.Errorf("balance %d, want %d", got.BalanceRials, start%debit)
	}
	var sum int64
	if err := db.R.QueryRow(`SELECT sum(amount_rials) FROM ledger WHERE user_id = ?`, u.ID).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if sum != got.BalanceRials {
		t.Errorf("ledger sums to %d, balance is %d", sum, got.BalanceRials)
	}
	entries, err := db.Ledger(ctx, u.ID, 1, 0)
	if err != nil || len(entries) != 1 || entries[0].BalanceAfter != got.BalanceRials {
		t.Errorf("newest ledger entry %+v (%v), want balance_after %d", entries, err, got.BalanceRials)
	}
	if _, err := db.Credit(ctx, u.ID+100, 1, "topup", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("credit to a missing user: %v, want ErrNotFound", err)
	}
}

func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	var ids []int64
	for i := range 100 {
		ids = append(ids, addUser(t, db, fmt.Sprintf("user%03d@example.com", i)).ID)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	running := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := db.Credit(ctx, ids[i%len(ids)], 10, "topup", ""); err != nil {
				t.Errorf("write during backup: %v", err)
				return
			}
			if i == 50 {
				close(running) // the copy starts while writes are under way
			}
		}
	})
	<-running
	dst := filepath.Join(t.TempDir(), "backup.db")
	err := db.Backup(ctx, dst)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if err := db.Backup(ctx, dst); err == nil {
		t.Error("a backup overwrote an existing file")
	}

	cp := open(t, dst)
	var check string
	if err := cp.R.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check %q (%v)", check, err)
	}
	if n := countRows(t, cp, `SELECT count(*) FROM users`); n != len(ids) {
		t.Errorf("backup has %d users, want %d", n, len(ids))
	}
	for _, id := range []int64{ids[0], ids[len(ids)-1]} {
		want, _ := db.UserByID(ctx, id)
		got, err := cp.UserByID(ctx, id)
		if err != nil || got.Email != want.Email {
			t.Errorf("user %d in the backup: %+v (%v), want %s", id, got, err, want.Email)
		}
	}
	// A consistent snapshot: every balance equals its ledger there too.
	if n := countRows(t, cp, `SELECT count(*) FROM users u WHERE balance_rials != (SELECT coalesce(sum(amount_rials), 0) FROM ledger l WHERE l.user_id = u.id)`); n != 0 {
		t.Errorf("%d users' balances disagree with their ledger in the backup", n)
	}
	if live, backed := countRows(t, db, `SELECT count(*) FROM ledger`), countRows(t, cp, `SELECT count(*) FROM ledger`); backed > live {
		t.Errorf("backup has %d ledger rows, live database %d", backed, live)
	}
}
