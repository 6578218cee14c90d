package replica

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const testInterval = 100 * time.Millisecond

// startReplicator replicates the wallet's database; the cleanup closes the
// database first, as the panel must.
func startReplicator(t *testing.T, w *wallet, cfg Config) *Replicator {
	t.Helper()
	if cfg.SyncInterval == 0 {
		cfg.SyncInterval = testInterval
	}
	r, err := Start(context.Background(), w.db.Path, cfg, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.db.Close()
		if err := r.Close(); err != nil {
			t.Errorf("closing the replicator: %v", err)
		}
	})
	return r
}

func statusOf(r *Replicator, url string) ReplicaStatus {
	for _, s := range r.Status() {
		if s.URL == url {
			return s
		}
	}
	return ReplicaStatus{URL: url, Error: "no such replica"}
}

// through waits until the replica holds every commit made before at.
func through(t *testing.T, r *Replicator, url string, at time.Time) ReplicaStatus {
	t.Helper()
	var s ReplicaStatus
	waitFor(t, url+" holds the commits made before "+at.Format(time.StampMilli), func() (bool, string) {
		s = statusOf(r, url)
		return s.SyncedThrough.After(at), fmt.Sprintf("%+v", s)
	})
	return s
}

func TestADatabaseWrittenContinuouslyIsReplicatedToADirectoryAndAnSFTPServer(t *testing.T) {
	sshd := startSSHD(t)
	dirURL := "file://" + filepath.Join(t.TempDir(), "replica")
	sftpURL := sshd.url(filepath.Join(sshd.dir, "replica"))
	w := openWallet(t, newFile(t, "abrak.db"))
	r := startReplicator(t, w, Config{URLs: []string{dirURL, sftpURL}, SFTPKey: sshd.key, SFTPKnownHosts: sshd.knownHosts})

	w.run(t)
	waitFor(t, "a few hundred top-ups", func() (bool, string) { return w.count() >= 300, fmt.Sprint(w.count()) })
	cfg := Config{SFTPKey: sshd.key, SFTPKnownHosts: sshd.knownHosts}
	for _, url := range []string{dirURL, sftpURL} {
		st := through(t, r, url, time.Now())
		if st.TXID == 0 || st.LastSync.IsZero() || st.Error != "" {
			t.Errorf("%s while receiving: %+v", url, st)
		}
		// The stream goes on while the replica is read.
		restored := newFile(t, "restored.db")
		if err := Restore(context.Background(), url, restored, cfg); err != nil {
			t.Fatalf("restore from %s: %v", url, err)
		}
		got, atLeast := ledgerOf(t, restored), w.committedBefore(st.SyncedThrough)
		if got < atLeast || got > w.count() {
			t.Errorf("restored from %s mid-stream: %d top-ups; want at least the %d committed before its sync and at most the %d committed so far", url, got, atLeast, w.count())
		}
		t.Logf("%s mid-stream: %d top-ups restored, %d were committed before its last sync", url, got, atLeast)
	}

	n := w.halt()
	last := time.Now()
	for _, url := range []string{dirURL, sftpURL} {
		through(t, r, url, last)
		restored := newFile(t, "final.db")
		if err := Restore(context.Background(), url, restored, cfg); err != nil {
			t.Fatalf("restore from %s: %v", url, err)
		}
		if got := ledgerOf(t, restored); got != n {
			t.Errorf("restored from %s after the stream: %d top-ups; %d were committed", url, got, n)
		}
	}
}

func TestASFTPReplicaThatStopsAnsweringShowsItsErrorAndGrowingLagAndCatchesUpWhenBack(t *testing.T) {
	sshd := startSSHD(t)
	dirURL := "file://" + filepath.Join(t.TempDir(), "replica")
	sftpURL := sshd.url(filepath.Join(sshd.dir, "replica"))
	w := openWallet(t, newFile(t, "abrak.db"))
	r := startReplicator(t, w, Config{URLs: []string{dirURL, sftpURL}, SFTPKey: sshd.key, SFTPKnownHosts: sshd.knownHosts,
		MaxLag: 5 * time.Second})
	w.run(t)
	through(t, r, sftpURL, time.Now())

	sshd.stop()
	down := time.Now()
	var failing ReplicaStatus
	waitFor(t, "the stopped server's replica shows its error", func() (bool, string) {
		failing = statusOf(r, sftpURL)
		return failing.Error != "", fmt.Sprintf("%+v", failing)
	})
	if !failing.SyncedThrough.Before(down) {
		t.Errorf("the replica claims commits made after its server stopped: %+v (stopped at %s)", failing, down.Format(time.StampMilli))
	}
	// The directory does not wait for the server.
	through(t, r, dirURL, time.Now())
	waitFor(t, "the lag grows while the server is away", func() (bool, string) {
		later := statusOf(r, sftpURL)
		return later.Lag > failing.Lag && later.SyncedThrough.Equal(failing.SyncedThrough) && later.Error != "",
			fmt.Sprintf("first %+v, then %+v", failing, later)
	})
	waitFor(t, "the health check names the replica once it lags past MaxLag", func() (bool, string) {
		err := r.Check(context.Background())
		return err != nil && strings.Contains(err.Error(), sftpURL) && !strings.Contains(err.Error(), dirURL), fmt.Sprint(err)
	})
	if up, lag := metric(t, r, "abrak_replica_up", sftpURL), metric(t, r, "abrak_replica_lag_seconds", sftpURL); up != 0 || lag <= 0 {
		t.Errorf("the metrics of the stopped server's replica: up %v, lag %v s", up, lag)
	}
	rep, err := ReadStatus(w.db.Path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Replicas) != 2 || rep.Replicas[1].Error == "" || rep.Replicas[0].Error != "" {
		t.Errorf("the status file for abrak admin replica: %+v", rep)
	}

	sshd.start()
	back := time.Now()
	st := through(t, r, sftpURL, back)
	if st.Error != "" || st.LastError == "" || !st.LastErrorAt.After(down) {
		t.Errorf("the replica caught up: error %q, last error %q at %s", st.Error, st.LastError, st.LastErrorAt)
	}
	if up := metric(t, r, "abrak_replica_up", sftpURL); up != 1 {
		t.Errorf("the metric of the replica that caught up: up %v", up)
	}
	n := w.halt()
	through(t, r, sftpURL, time.Now())
	restored := newFile(t, "restored.db")
	if err := Restore(context.Background(), sftpURL, restored, Config{SFTPKey: sshd.key, SFTPKnownHosts: sshd.knownHosts}); err != nil {
		t.Fatal(err)
	}
	if got := ledgerOf(t, restored); got != n {
		t.Errorf("restored from the SFTP replica after it caught up: %d top-ups; %d were committed", got, n)
	}
	if err := r.Check(context.Background()); err != nil {
		t.Errorf("every replica caught up, yet: %v", err)
	}
}

// metric reads one of the replicator's metrics for a replica as Prometheus
// would scrape it.
func metric(t *testing.T, r *Replicator, name, url string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(r.Collector())
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if m.GetLabel()[0].GetValue() == url {
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("no metric %s for %s", name, url)
	return 0
}
