// Package replica copies the panel's SQLite database off the machine as it is
// written, with Litestream embedded as a library, and brings it back.
//
// Litestream turns the database's WAL into LTX files and ships them to one
// replica of its own: here a directory beside the database (the hub). Each
// target the operator names (a directory, an SFTP server) is a mirror of the
// hub that Abrak keeps in step with Litestream's own clients, so one target
// that stops answering holds back no other, and each has its own lag and
// error. Why this shape and not several Litestream replicas:
// docs/decisions.md, "The database off the machine".
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
)

// Replicator ships a database's transactions to its replicas until Close.
type Replicator struct {
	cfg   Config
	log   *slog.Logger
	state string   // the replication state directory beside the database
	lock  *os.File // held while replicating, so only one process does

	ldb   *litestream.DB
	lst   *litestream.Store
	hub   *file.ReplicaClient
	start time.Time

	targets []*target

	mu        sync.Mutex
	staged    time.Time // start of the last pass that staged the WAL into the hub
	stageErr  error
	lastWrite time.Time // of the status file
	fileMu    sync.Mutex

	stop    context.CancelFunc
	staging chan struct{} // closed when the staging loop has ended
	closed  bool
}

// stateDir is where replication keeps its files for the database at dbPath:
// Litestream's working files and the hub, both needed to go on after a restart.
func stateDir(dbPath string) string {
	return filepath.Join(filepath.Dir(dbPath), "."+filepath.Base(dbPath)+"-replica")
}

func hubDir(dbPath string) string { return filepath.Join(stateDir(dbPath), "hub") }

// Start begins replicating the SQLite database at dbPath (opened by the panel
// through store.Open) to every target in cfg.URLs. A target that cannot be
// reached does not stop the start: its status says why, and it is tried
// again. ctx bounds the start only; replication goes on until Close.
//
// Close the panel's database before the Replicator: Litestream's files hold
// POSIX locks of the process on the database (see Close).
func Start(ctx context.Context, dbPath string, cfg Config, log *slog.Logger) (*Replicator, error) {
	cfg = cfg.withDefaults()
	if len(cfg.URLs) == 0 {
		return nil, errors.New("replica: no replica URL")
	}
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "replica")
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return nil, err
	}
	r := &Replicator{cfg: cfg, log: log, state: stateDir(abs), start: time.Now()}
	for _, raw := range cfg.URLs {
		s, err := parseTarget(raw)
		if err != nil {
			return nil, err
		}
		c, err := s.client(cfg, quiet(log))
		if err != nil {
			return nil, err
		}
		r.targets = append(r.targets, newTarget(s, c))
	}
	if err := os.MkdirAll(r.state, 0o750); err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	// Two Litestreams on one hub would interleave two numberings of the
	// database's transactions.
	if r.lock, err = lockState(r.state); err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			r.lock.Close()
		}
	}()

	// Abrak drives the WAL staging and the hub's uploads itself (no monitor
	// goroutines), so it knows which commits each pass took along; the store
	// still compacts the hub's levels, takes its daily snapshot and prunes.
	r.ldb = litestream.NewDB(abs)
	r.ldb.SetMetaPath(filepath.Join(r.state, "litestream"))
	r.ldb.MonitorInterval = 0
	// As long as the panel's own writer waits (store/db.go): under a burst of
	// writes Litestream's one-second default gives up before it gets a turn.
	r.ldb.BusyTimeout = 10 * time.Second
	r.hub = file.NewReplicaClient(hubDir(abs))
	hubReplica := litestream.NewReplicaWithClient(r.ldb, r.hub)
	hubReplica.MonitorEnabled = false
	r.ldb.Replica = hubReplica
	r.hub.Replica = hubReplica
	r.lst = litestream.NewStore([]*litestream.DB{r.ldb}, litestream.DefaultCompactionLevels)
	r.lst.Logger = quiet(log)
	r.ldb.SetLogger(quiet(log))
	if err := r.lst.Open(ctx); err != nil {
		return nil, fmt.Errorf("replica: litestream: %w", err)
	}
	started = true

	loop, stop := context.WithCancel(context.Background())
	r.stop = stop
	r.staging = make(chan struct{})
	go func() { defer close(r.staging); r.stageLoop(loop) }()
	for _, t := range r.targets {
		go func() { defer close(t.ended); r.targetLoop(loop, t) }()
	}
	log.Info("replicating the database", "db", abs, "replicas", r.urls(), "interval", cfg.SyncInterval)
	return r, nil
}

func (r *Replicator) urls() []string {
	out := make([]string, len(r.targets))
	for i, t := range r.targets {
		out[i] = t.spec.redacted
	}
	return out
}

// stage moves what the WAL holds into the hub: Litestream writes the new
// transactions as an LTX file and copies it to the hub directory.
func (r *Replicator) stage(ctx context.Context) error {
	if err := r.ldb.Sync(ctx); err != nil {
		return fmt.Errorf("reading the WAL: %w", err)
	}
	pos, err := r.ldb.Pos()
	if err != nil {
		return fmt.Errorf("local position: %w", err)
	}
	if pos.IsZero() {
		return nil // no database file yet
	}
	if err := r.ldb.Replica.Sync(ctx); err != nil {
		return fmt.Errorf("writing the hub: %w", err)
	}
	return nil
}

func (r *Replicator) stageLoop(ctx context.Context) {
	tick := time.NewTicker(r.cfg.SyncInterval)
	defer tick.Stop()
	for {
		began := time.Now()
		err := r.stage(ctx)
		if ctx.Err() != nil {
			return
		}
		r.mu.Lock()
		if err != nil && (r.stageErr == nil || r.stageErr.Error() != err.Error()) {
			r.log.Warn("replica: cannot stage the database's changes", "err", err)
		} else if err == nil && r.stageErr != nil {
			r.log.Info("replica: staging works again")
		}
		r.stageErr = err
		if err == nil {
			r.staged = began
		}
		r.mu.Unlock()
		if err == nil {
			for _, t := range r.targets {
				t.poke()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// lastStaged is the start of the latest pass that reached the hub: every
// transaction committed before it is in the hub.
func (r *Replicator) lastStaged() (time.Time, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.staged, r.stageErr
}

// Close stops replicating after a last pass: Litestream stages what the WAL
// still holds and every target that answers gets it, each given ten seconds
// (an SFTP server that does not answer at all cannot hold the shutdown up).
// Call it after the panel's database is closed: closing Litestream's handle
// on the file drops every POSIX lock the process holds on it (Litestream's
// _examples/library).
func (r *Replicator) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	r.stop()
	<-r.staging

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	began := time.Now()
	err := r.lst.Close(ctx)
	if err == nil {
		r.mu.Lock()
		r.staged, r.stageErr = began, nil
		r.mu.Unlock()
	}
	last := make(chan struct{})
	var wg sync.WaitGroup
	for _, t := range r.targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			select {
			case <-t.ended: // a pass of its own may still be waiting for the server
			case <-tctx.Done():
				return
			}
			_ = r.pass(tctx, t)
		}()
	}
	go func() { wg.Wait(); close(last) }()
	select {
	case <-last:
	case <-time.After(11 * time.Second):
	}
	r.writeStatus(true)
	r.lock.Close()
	if err != nil {
		return fmt.Errorf("replica: closing litestream: %w", err)
	}
	return nil
}

func lockState(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("replica: another process replicates this database (%s is locked)", dir)
		}
		return nil, fmt.Errorf("replica: locking %s: %w", dir, err)
	}
	return f, nil
}
