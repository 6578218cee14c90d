package replica

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ReplicaStatus is one replica as the operator sees it (/readyz, the metrics,
// abrak admin replica).
type ReplicaStatus struct {
	// URL names the replica, its password (if any) replaced by "xxxxx".
	URL string `json:"url"`
	// TXID is the newest of the database's transactions the replica holds
	// (Litestream's numbering: one per staged batch of commits).
	TXID uint64 `json:"txid"`
	// SyncedThrough: every transaction committed before it is on the replica.
	SyncedThrough time.Time `json:"synced_through"`
	// LastSync is when the replica last answered a pass in full.
	LastSync time.Time `json:"last_sync"`
	// Lag is how long ago SyncedThrough was: about one or two sync intervals
	// while the replica receives, growing from the moment it stops.
	Lag time.Duration `json:"lag"`
	// Error says why the latest attempt failed; empty when it worked.
	Error string `json:"error,omitempty"`
	// LastError is the latest failure, kept after the replica recovers.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at"`
}

// Status reports every replica, in the order the settings name them.
func (r *Replicator) Status() []ReplicaStatus {
	now := time.Now()
	_, stageErr := r.lastStaged()
	out := make([]ReplicaStatus, len(r.targets))
	for i, t := range r.targets {
		t.mu.Lock()
		s := ReplicaStatus{
			URL: t.spec.redacted, TXID: uint64(t.txid), SyncedThrough: t.through, LastSync: t.lastSync,
			LastError: t.lastErr, LastErrorAt: t.lastErrAt,
		}
		if t.err != nil {
			s.Error = t.err.Error()
		}
		if !t.busySince.IsZero() && now.Sub(t.busySince) > r.cfg.MaxLag && s.Error == "" {
			s.Error = fmt.Sprintf("no answer for %s", now.Sub(t.busySince).Round(time.Second))
		}
		t.mu.Unlock()
		if stageErr != nil && s.Error == "" {
			s.Error = "staging: " + stageErr.Error()
		}
		s.Lag = lag(now, s.SyncedThrough, r.start)
		out[i] = s
	}
	return out
}

func lag(now, through, since time.Time) time.Duration {
	if through.IsZero() {
		through = since
	}
	return max(0, now.Sub(through))
}

// Check fails while any replica fails or lags more than MaxLag, naming each
// and why: a readiness check and the condition to alert on.
func (r *Replicator) Check(context.Context) error {
	return check(r.Status(), r.cfg.MaxLag)
}

func check(st []ReplicaStatus, maxLag time.Duration) error {
	var bad []string
	for _, s := range st {
		switch {
		case s.Error != "":
			bad = append(bad, fmt.Sprintf("%s: %s (lag %s)", s.URL, s.Error, s.Lag.Round(time.Second)))
		case s.Lag > maxLag:
			bad = append(bad, fmt.Sprintf("%s: lag %s", s.URL, s.Lag.Round(time.Second)))
		}
	}
	if len(bad) > 0 {
		return errors.New("replica behind: " + strings.Join(bad, "; "))
	}
	return nil
}

// Report is what a running panel last wrote of its replicas, for commands run
// beside it (abrak admin replica).
type Report struct {
	// UpdatedAt is when the panel wrote it; an old one means no panel is
	// replicating this database now.
	UpdatedAt time.Time       `json:"updated_at"`
	Started   time.Time       `json:"started"`
	Replicas  []ReplicaStatus `json:"replicas"`
}

func statusFile(state string) string { return filepath.Join(state, "status.json") }

// writeStatus keeps the report file fresh: at once when a replica fails or
// recovers, otherwise every few seconds.
func (r *Replicator) writeStatus(force bool) {
	r.mu.Lock()
	if !force && time.Since(r.lastWrite) < 5*time.Second {
		r.mu.Unlock()
		return
	}
	r.lastWrite = time.Now()
	r.mu.Unlock()
	r.fileMu.Lock()
	defer r.fileMu.Unlock()
	rep := Report{UpdatedAt: time.Now(), Started: r.start, Replicas: r.Status()}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return
	}
	tmp := statusFile(r.state) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		r.log.Warn("replica: cannot write the status file", "err", err)
		return
	}
	if err := os.Rename(tmp, statusFile(r.state)); err != nil {
		r.log.Warn("replica: cannot write the status file", "err", err)
	}
}

// ReadStatus reads what the panel replicating the database at dbPath last
// wrote of its replicas; each lag counts on to now.
func ReadStatus(dbPath string) (Report, error) {
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return Report{}, err
	}
	b, err := os.ReadFile(statusFile(stateDir(abs)))
	if errors.Is(err, os.ErrNotExist) {
		return Report{}, fmt.Errorf("replica: no panel has replicated %s (no %s)", abs, statusFile(stateDir(abs)))
	}
	if err != nil {
		return Report{}, err
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return Report{}, fmt.Errorf("replica: %s: %w", statusFile(stateDir(abs)), err)
	}
	now := time.Now()
	for i := range rep.Replicas {
		rep.Replicas[i].Lag = lag(now, rep.Replicas[i].SyncedThrough, rep.Started)
	}
	return rep, nil
}
