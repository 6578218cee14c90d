package replica

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const drillInterval = 250 * time.Millisecond

// TestDrillPanelProcess is the panel of the drill: it runs only in the child
// process TestAPanelKilledMidStreamComesBack… starts, topping up a wallet with
// replication on and saying what it did on stdout, until it is killed.
func TestDrillPanelProcess(t *testing.T) {
	db := os.Getenv("ABRAK_DRILL_DB")
	if db == "" {
		t.Skip("the drill's child process")
	}
	var mu sync.Mutex
	say := func(format string, a ...any) {
		mu.Lock()
		fmt.Fprintf(os.Stdout, format+"\n", a...)
		mu.Unlock()
	}
	w := openWallet(t, db)
	url := os.Getenv("ABRAK_DRILL_URL")
	r, err := Start(context.Background(), db, Config{
		URLs:         strings.Split(os.Getenv("ABRAK_DRILL_URLS"), ","),
		SyncInterval: drillInterval, SFTPKey: os.Getenv("ABRAK_DRILL_KEY"), SFTPKnownHosts: os.Getenv("ABRAK_DRILL_KNOWN_HOSTS"),
	}, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range time.Tick(10 * time.Millisecond) {
			if s := statusOf(r, url); !s.SyncedThrough.IsZero() {
				say("synced %d", s.SyncedThrough.UnixNano())
			}
		}
	}()
	for n := 1; ; n++ {
		if err := w.topUp(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		say("committed %d %d", n, time.Now().UnixNano())
		time.Sleep(time.Millisecond)
	}
}

func TestAPanelKilledMidStreamComesBackFromItsReplicaWithEveryTopUpItSyncedAndNothingHalfWritten(t *testing.T) {
	sshd := startSSHD(t)
	db := newFile(t, "abrak.db")
	sftpURL := sshd.url(filepath.Join(sshd.dir, "replica"))
	dirURL := filepath.Join(t.TempDir(), "replica")

	cmd := exec.Command(os.Args[0], "-test.run=^TestDrillPanelProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ABRAK_DRILL_DB="+db, "ABRAK_DRILL_URLS="+dirURL+","+sftpURL, "ABRAK_DRILL_URL="+sftpURL,
		"ABRAK_DRILL_KEY="+sshd.key, "ABRAK_DRILL_KNOWN_HOSTS="+sshd.knownHosts)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// What the panel said: when each top-up had committed, and the latest
	// moment before which the SFTP replica held every commit.
	var mu sync.Mutex
	var commits []time.Time
	var synced time.Time
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			mu.Lock()
			switch {
			case len(f) == 3 && f[0] == "committed":
				at, _ := strconv.ParseInt(f[2], 10, 64)
				commits = append(commits, time.Unix(0, at))
			case len(f) == 2 && f[0] == "synced":
				at, _ := strconv.ParseInt(f[1], 10, 64)
				synced = time.Unix(0, at)
			}
			mu.Unlock()
		}
	}()
	waitFor(t, "the panel tops up and its replica follows", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(commits) > 1000 && synced.After(commits[500]), fmt.Sprintf("%d top-ups, synced through %s\n%s", len(commits), synced, stderr.String())
	})
	time.Sleep(time.Duration(rand.Int64N(int64(drillInterval))))
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	_ = cmd.Wait()
	<-read

	// The file on the dead machine still holds every commit: how many there
	// were. Then it is gone.
	committed := ledgerOf(t, db)
	removeDB(t, db)

	restored := filepath.Join(t.TempDir(), "new-machine", "abrak.db")
	if err := Restore(context.Background(), sftpURL, restored, Config{SFTPKey: sshd.key, SFTPKnownHosts: sshd.knownHosts}); err != nil {
		t.Fatal(err)
	}
	got := ledgerOf(t, restored)
	mu.Lock()
	defer mu.Unlock()
	confirmed := 0
	for confirmed < len(commits) && commits[confirmed].Before(synced) {
		confirmed++
	}
	if got < confirmed || got > committed {
		t.Fatalf("restored %d top-ups; the replica had confirmed %d and %d were committed", got, confirmed, committed)
	}
	lostFrom := killed
	if got < len(commits) {
		lostFrom = commits[got] // the first top-up the replica did not get
	}
	t.Logf("killed after %d top-ups; restored %d (the replica had confirmed %d); lost %d, committed in the last %s before the kill; sync interval %s",
		committed, got, confirmed, committed-got, killed.Sub(lostFrom).Round(time.Millisecond), drillInterval)
}
