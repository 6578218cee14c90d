package services

import (
	"context"
	"errors"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// Prepare readies the workers before their loops start (app.Start starts
// them: RunProvisioner, RunReconciler, RunBiller, RunTemplateSync,
// RunBackups, RunUsageSampler): it loads the nodes into the fleet, settles
// the actions a crash left open, and records the nodes' lifecycle events from
// now on.
func (s *Workers) Prepare(ctx context.Context) error {
	if err := s.SyncNodes(ctx); err != nil {
		return err
	}
	// A move this panel's last run left under way is asked of both nodes
	// (settleMoves), not taken for interrupted: the VM may be on either.
	if err := s.db.UnsettleMovesInFlight(ctx); err != nil {
		return err
	}
	s.settleOpenActions(ctx)
	s.fleet.Subscribe(func(ev hypervisor.Event) { s.onEvent(ev) })
	return nil
}

// onEvent records a state a node reported, within the event's own second.
func (s *Workers) onEvent(ev hypervisor.Event) {
	ctx, cancel := context.WithTimeout(s.bg, 5*time.Second)
	defer cancel()
	// The sequence is read as the event arrives: if an operation records a
	// status before the event's write lands, that status is the newer one.
	seq, nodeID, err := s.db.VMSeqAndNode(ctx, ev.UUID)
	if errors.Is(err, store.ErrNotFound) {
		return // a domain the panel does not know
	}
	if err == nil && nodeID != ev.NodeID {
		// A node the VM does not live on: the one it moved from, telling late
		// of its stop and undefine there, or the target of a move under way.
		// A move's end changes the sequence, so an event read before it
		// cannot land after it either.
		return
	}
	changed := false
	if err == nil {
		changed, err = s.db.SetVMStatusByUUID(ctx, ev.UUID, ev.State, seq)
	}
	if err != nil {
		s.log.Error("recording vm event", "vm", ev.UUID, "state", ev.State, "err", err)
		return
	}
	// Consoles hear the fleet's events themselves; a crash is told here, once.
	if changed && ev.State == vmstatus.Crashed {
		if vm, err := s.db.VMByUUID(ctx, ev.UUID); err == nil {
			s.crashed(ctx, vm, ev.Detail)
		}
	}
}

// settleOpenActions closes the actions of operations a restart cut short; the
// create action follows its order, which the provisioner finishes.
func (s *Workers) settleOpenActions(ctx context.Context) {
	acts, err := s.db.OpenActions(ctx)
	if err != nil {
		s.log.Error("listing open actions", "err", err)
		return
	}
	for _, a := range acts {
		// The create action follows its order; a migrate action its move,
		// which settleMoves ends once both nodes say where the VM is.
		if a.Type == "create" || a.Type == "migrate" {
			continue
		}
		_, _ = s.db.EndAction(ctx, a.ID, ActionErrInterrupted)
		// Whatever held the lock (delete, resize, rebuild, snapshots) is gone now.
		_ = s.db.SetVMLocked(ctx, a.VMID, false)
	}
}

// every runs fn now, then at each interval or wake-up, until ctx or the service ends.
func (s *Workers) every(ctx context.Context, interval time.Duration, wake <-chan struct{}, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-s.bg.Done():
			return
		case <-wake:
		case <-t.C:
		}
	}
}

// awaitNodes gives the connections SyncNodes has just opened a bounded moment to
// come up. Without it the pass at start finds every node still dialling: it
// flags every VM's node unavailable and leaves what changed while the panel was
// down for the next tick.
func (s *Workers) awaitNodes(ctx context.Context, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		up := true
		for _, n := range s.fleet.Status() {
			up = up && n.Up
		}
		if up {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.bg.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}
