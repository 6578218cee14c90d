package services

import (
	"context"
	"log/slog"
	"time"

	"abrak/mail"
)

// ReplicaHealth is one replica of the database as the operator sees it in
// /readyz: every transaction committed before SyncedThrough is on it.
type ReplicaHealth struct {
	URL           string    `json:"url"`
	SyncedThrough time.Time `json:"synced_through"`
	LagSeconds    float64   `json:"lag_seconds"`
	Error         string    `json:"error,omitempty"`
}

// ReplicaWatch tells the operator when the database's replicas fall behind
// (an error, or a lag past the setting) and when they catch up again: in the
// log, and by a letter to the operator's address, once each way per episode.
type ReplicaWatch struct {
	check    func(context.Context) error
	mail     *Mailer
	to       string
	log      *slog.Logger
	interval time.Duration
	failing  bool
}

// NewReplicaWatch watches check (replica.Replicator.Check) every interval
// (15 s when 0); to is the operator's address ("" writes only the log).
func NewReplicaWatch(check func(context.Context) error, m *Mailer, to string, interval time.Duration, log *slog.Logger) *ReplicaWatch {
	if interval <= 0 {
		interval = 15 * time.Second
	}
	return &ReplicaWatch{check: check, mail: m, to: to, log: log, interval: interval}
}

// Run watches until ctx ends.
func (w *ReplicaWatch) Run(ctx context.Context) {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		w.Pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Pass looks once and tells of a change since the last look.
func (w *ReplicaWatch) Pass(ctx context.Context) {
	err := w.check(ctx)
	switch {
	case err != nil && !w.failing:
		w.failing = true
		w.log.Error("the database's replicas fall behind", "err", err)
		w.letter(ctx, "replica_behind", err.Error())
	case err == nil && w.failing:
		w.failing = false
		w.log.Info("the database's replicas caught up")
		w.letter(ctx, "replica_caught_up", "")
	}
}

func (w *ReplicaWatch) letter(ctx context.Context, kind, problem string) {
	if w.to == "" {
		return
	}
	l := mail.Letter{Kind: kind, Locale: "fa", To: w.to, Args: []string{"problem", problem}, Link: w.mail.URL("/readyz")}
	if err := w.mail.Queue(ctx, 0, l); err != nil {
		w.log.Error("queueing the operator's letter", "kind", kind, "err", err)
	}
}
