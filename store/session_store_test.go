package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"abrak/store"
)

// A commit that only moves a session's expiry by less than a minute writes
// nothing; new data, a longer move, or a deleted session is written.
func TestSessionCommitsSkipMereTouches(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ss := db.Sessions(time.Hour)
	defer ss.Close()
	expiry := func() float64 {
		var e float64
		if err := db.R.QueryRow(`SELECT expiry FROM sessions WHERE token = 'tok'`).Scan(&e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	now := time.Now().Add(24 * time.Hour)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(ss.Commit("tok", []byte("a"), now))
	first := expiry()
	must(ss.Commit("tok", []byte("a"), now.Add(30*time.Second)))
	if ss.Writes != 1 || expiry() != first {
		t.Errorf("a touch of 30 s was written (%d writes)", ss.Writes)
	}
	must(ss.Commit("tok", []byte("b"), now.Add(31*time.Second)))
	if ss.Writes != 2 {
		t.Errorf("new data was not written (%d writes)", ss.Writes)
	}
	must(ss.Commit("tok", []byte("b"), now.Add(2*time.Minute)))
	if ss.Writes != 3 || expiry() == first {
		t.Errorf("a touch of more than a minute was not written (%d writes)", ss.Writes)
	}
	if b, ok, err := ss.Find("tok"); err != nil || !ok || string(b) != "b" {
		t.Errorf("find: %q %v %v", b, ok, err)
	}
	must(ss.Delete("tok"))
	must(ss.Commit("tok", []byte("b"), now.Add(2*time.Minute)))
	if ss.Writes != 4 {
		t.Errorf("a session deleted and made again was not written (%d writes)", ss.Writes)
	}
}
