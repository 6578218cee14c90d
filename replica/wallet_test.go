package replica

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"abrak/store"
)

// wallet is the panel's database under a stream of top-ups: each commit is one
// ledger row and the balance it leaves, written together by store.Credit, so
// a restore that kept half a transaction shows.
type wallet struct {
	db   *store.DB
	user int64

	mu      sync.Mutex
	commits []time.Time // commits[i] is when top-up i+1 had committed

	stop chan struct{}
	done chan struct{}
}

const walletEmail = "drill@example.com"

// openWallet opens the database at path (a restored one too) and its user.
func openWallet(t *testing.T, path string) *wallet {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.UserByEmail(ctx, walletEmail)
	if err == store.ErrNotFound {
		u, err = db.CreateUser(ctx, store.User{Email: walletEmail, Name: "Drill", PasswordHash: "x"})
	}
	if err != nil {
		t.Fatal(err)
	}
	return &wallet{db: db, user: u.ID}
}

// topUp commits top-up n (n rials, ref n) and notes when it had committed.
func (w *wallet) topUp(ctx context.Context, n int) error {
	if _, err := w.db.Credit(ctx, w.user, int64(n), "topup", strconv.Itoa(n)); err != nil {
		return err
	}
	w.mu.Lock()
	w.commits = append(w.commits, time.Now())
	w.mu.Unlock()
	return nil
}

// run tops up without pause until halt.
func (w *wallet) run(t *testing.T) {
	w.stop, w.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(w.done)
		for n := w.count() + 1; ; n++ {
			select {
			case <-w.stop:
				return
			default:
			}
			if err := w.topUp(context.Background(), n); err != nil {
				t.Errorf("top-up %d: %v", n, err)
				return
			}
			// A busy panel, not a writer that never lets go of the lock.
			time.Sleep(time.Millisecond)
		}
	}()
}

// halt stops the stream and says how many top-ups committed in all.
func (w *wallet) halt() int {
	close(w.stop)
	<-w.done
	return w.count()
}

func (w *wallet) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.commits)
}

// committedBefore counts the top-ups that had committed before at.
func (w *wallet) committedBefore(at time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for n < len(w.commits) && w.commits[n].Before(at) {
		n++
	}
	return n
}

// waitFor polls cond until it holds, failing the test with what it says last
// after 20 s: replication is asynchronous, and a broken one never gets there.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not after 20 s: %s", what, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ledgerOf opens a restored database the way the panel does and checks the
// wallet's ledger is whole: top-ups 1..k in order, each balance the sum of
// those before it, and the user's balance that of the last. It returns k.
func ledgerOf(t *testing.T, path string) int {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("opening the restored database: %v", err)
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, walletEmail)
	if err != nil {
		t.Fatalf("the restored database's user: %v", err)
	}
	rows, err := db.R.QueryContext(ctx, `SELECT ref, amount_rials, balance_after FROM ledger WHERE user_id = ? ORDER BY id`, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var k int
	var sum int64
	for rows.Next() {
		var ref string
		var amount, after int64
		if err := rows.Scan(&ref, &amount, &after); err != nil {
			t.Fatal(err)
		}
		k++
		sum += amount
		if ref != strconv.Itoa(k) || amount != int64(k) || after != sum {
			t.Fatalf("ledger row %d of the restored database is (ref %s, %d, balance %d); want (ref %d, %d, balance %d)", k, ref, amount, after, k, k, sum)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if u.BalanceRials != sum {
		t.Fatalf("the restored wallet holds %d rials and its ledger sums to %d", u.BalanceRials, sum)
	}
	return k
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testLog writes the replicator's log into the test's, shown when it fails.
func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p[:len(p)-1]))
	return len(p), nil
}

func removeDB(t *testing.T, path string) {
	t.Helper()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

func newFile(t *testing.T, name string) string {
	return filepath.Join(t.TempDir(), name)
}
