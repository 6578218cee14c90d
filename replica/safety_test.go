package replica

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// listing is every file under dir with its size and modification time.
func listing(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestAReplicaHoldingAnotherDatabasesHistoryIsRefusedAndLeftAsItWas(t *testing.T) {
	replica := filepath.Join(t.TempDir(), "replica")
	first := openWallet(t, newFile(t, "abrak.db"))
	r := startReplicator(t, first, Config{URLs: []string{replica}})
	for n := 1; n <= 50; n++ {
		if err := first.topUp(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	through(t, r, "file://"+replica, time.Now())
	first.db.Close()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	before := listing(t, replica)

	// Another panel (or this one's database started afresh, not restored)
	// is given the same place.
	other := openWallet(t, newFile(t, "abrak.db"))
	r2 := startReplicator(t, other, Config{URLs: []string{replica}})
	for n := 1; n <= 20; n++ {
		if err := other.topUp(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the replica is refused", func() (bool, string) {
		s := statusOf(r2, "file://"+replica)
		return strings.Contains(s.Error, "another history"), fmt.Sprintf("%+v", s)
	})
	if err := r2.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "another history") {
		t.Errorf("the health check: %v", err)
	}
	restored := newFile(t, "restored.db")
	if err := Restore(context.Background(), replica, restored, Config{}); err != nil {
		t.Fatal(err)
	}
	if got := ledgerOf(t, restored); got != 50 {
		t.Errorf("the refused replica restores %d top-ups; the first panel wrote 50", got)
	}
	if after := listing(t, replica); after != before {
		t.Errorf("the refused replica was written to:\nbefore\n%s\nafter\n%s", before, after)
	}
}

func TestRestoreRefusesAFileThatExistsAndLeavesItAlone(t *testing.T) {
	replica := filepath.Join(t.TempDir(), "replica")
	w := openWallet(t, newFile(t, "abrak.db"))
	r := startReplicator(t, w, Config{URLs: []string{replica}})
	if err := w.topUp(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	through(t, r, "file://"+replica, time.Now())
	for _, existing := range []string{"", "-wal"} {
		to := newFile(t, "abrak.db")
		writeFile(t, to+existing, "precious")
		err := Restore(context.Background(), replica, to, Config{})
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("restore onto an existing %s: %v", to+existing, err)
		}
		if b, _ := os.ReadFile(to + existing); string(b) != "precious" {
			t.Errorf("restore changed %s: %q", to+existing, b)
		}
	}
	err := Restore(context.Background(), filepath.Join(t.TempDir(), "empty"), newFile(t, "abrak.db"), Config{})
	if err == nil || !strings.Contains(err.Error(), "holds no database") {
		t.Errorf("restore from an empty place: %v", err)
	}
}

// The disaster-recovery procedure: restore on a new machine, then serve with
// the same replicas. The restored panel's writes join the replica's history,
// so a second disaster restores everything from both lives.
func TestARestoredDatabaseGoesOnReplicatingToTheReplicasItCameFrom(t *testing.T) {
	sshd := startSSHD(t)
	sftpURL := sshd.url(filepath.Join(sshd.dir, "replica"))
	dirURL := "file://" + filepath.Join(t.TempDir(), "replica")
	cfg := Config{URLs: []string{dirURL, sftpURL}, SFTPKey: sshd.key, SFTPKnownHosts: sshd.knownHosts}
	first := openWallet(t, newFile(t, "abrak.db"))
	r := startReplicator(t, first, cfg)
	for n := 1; n <= 100; n++ {
		if err := first.topUp(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	through(t, r, dirURL, time.Now())
	through(t, r, sftpURL, time.Now())
	first.db.Close()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	restored := filepath.Join(t.TempDir(), "new-machine", "abrak.db")
	if err := Restore(context.Background(), sftpURL, restored, cfg); err != nil {
		t.Fatal(err)
	}
	second := openWallet(t, restored)
	r2 := startReplicator(t, second, cfg)
	for n := 101; n <= 150; n++ {
		if err := second.topUp(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	for _, url := range []string{dirURL, sftpURL} {
		st := through(t, r2, url, time.Now())
		if st.Error != "" || st.LastError != "" {
			t.Errorf("%s after the restore: %+v", url, st)
		}
		again := newFile(t, "again.db")
		if err := Restore(context.Background(), url, again, cfg); err != nil {
			t.Fatal(err)
		}
		if got := ledgerOf(t, again); got != 150 {
			t.Errorf("restored from %s after the second life: %d top-ups; 150 were committed", url, got)
		}
	}
}

func TestAnSFTPServerShowingAnotherHostKeyGetsNothing(t *testing.T) {
	sshd := startSSHD(t)
	impostor, err := ssh.NewPublicKey(newECDSA(t).Public())
	if err != nil {
		t.Fatal(err)
	}
	known := filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, known, knownhosts.Line([]string{knownhosts.Normalize(sshd.addr)}, impostor)+"\n")
	dir := filepath.Join(sshd.dir, "replica")
	w := openWallet(t, newFile(t, "abrak.db"))
	r := startReplicator(t, w, Config{URLs: []string{sshd.url(dir)}, SFTPKey: sshd.key, SFTPKnownHosts: known})
	if err := w.topUp(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replica is refused", func() (bool, string) {
		s := statusOf(r, sshd.url(dir))
		return strings.Contains(s.Error, "host key mismatch"), fmt.Sprintf("%+v", s)
	})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the server with the wrong key was written to: %v", err)
	}
}

func TestASecondReplicatorOfTheSameDatabaseIsRefused(t *testing.T) {
	w := openWallet(t, newFile(t, "abrak.db"))
	startReplicator(t, w, Config{URLs: []string{filepath.Join(t.TempDir(), "replica")}})
	r, err := Start(context.Background(), w.db.Path, Config{URLs: []string{filepath.Join(t.TempDir(), "other")}}, quietLog())
	if err == nil {
		r.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "another process replicates this database") {
		t.Errorf("a second replicator: %v", err)
	}
}
