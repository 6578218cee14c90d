package services

import (
	"context"
	"errors"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// Run starts the workers: lifecycle events, the reconciler, the provisioner and the biller.
// It settles actions a crash left open, then returns; the workers stop with ctx.
func (s *VMs) Run(ctx context.Context) error {
	if err := s.SyncNodes(ctx); err != nil {
		return err
	}
	s.settleOpenActions(ctx)
	s.fleet.Subscribe(func(ev hypervisor.Event) { s.onEvent(ev) })
	s.running.Add(3)
	go func() { defer s.running.Done(); s.RunProvisioner(ctx) }()
	go func() { defer s.running.Done(); s.runReconciler(ctx) }()
	go func() { defer s.running.Done(); s.RunBiller(ctx) }()
	return nil
}

// onEvent records a state a node reported, within the event's own second.
func (s *VMs) onEvent(ev hypervisor.Event) {
	ctx, cancel := context.WithTimeout(s.bg, 5*time.Second)
	defer cancel()
	// The sequence is read as the event arrives: if an operation records a
	// status before the event's write lands, that status is the newer one.
	seq, err := s.db.VMStatusSeq(ctx, ev.UUID)
	if errors.Is(err, store.ErrNotFound) {
		return // a domain the panel does not know
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
func (s *VMs) settleOpenActions(ctx context.Context) {
	acts, err := s.db.OpenActions(ctx)
	if err != nil {
		s.log.Error("listing open actions", "err", err)
		return
	}
	for _, a := range acts {
		if a.Type == "create" {
			continue
		}
		_, _ = s.db.EndAction(ctx, a.ID, ActionErrInterrupted)
		// Whatever held the lock (delete, resize, rebuild, snapshots) is gone now.
		_ = s.db.SetVMLocked(ctx, a.VMID, false)
	}
}

func (s *VMs) runReconciler(ctx context.Context) {
	s.awaitNodes(ctx, 10*time.Second)
	s.every(ctx, s.cfg.ReconcileInterval, nil, func() { s.Reconcile(ctx) })
}

// awaitNodes gives the connections SyncNodes has just opened a bounded moment to
// come up. Without it the pass at start finds every node still dialling: it
// flags every VM's node unavailable and leaves what changed while the panel was
// down for the next tick.
func (s *VMs) awaitNodes(ctx context.Context, limit time.Duration) {
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

// Reconcile compares every node's domains (one bulk call per node) with the
// records and corrects drift: a state changed while the panel was not looking,
// a domain removed outside the panel, a node that stopped or started answering.
func (s *VMs) Reconcile(ctx context.Context) {
	if err := s.SyncNodes(ctx); err != nil {
		s.log.Error("loading nodes", "err", err)
	}
	s.recordNodes(ctx)
	vms, err := s.db.VMsOnNodes(ctx)
	if err != nil {
		s.log.Error("listing placed vms", "err", err)
		return
	}
	byNode := map[int64][]store.VM{}
	for _, vm := range vms {
		byNode[vm.NodeID] = append(byNode[vm.NodeID], vm)
	}
	for nodeID, list := range byNode {
		node, err := s.fleet.Node(nodeID)
		var domains []hypervisor.DomainInfo
		if err == nil {
			domains, err = node.States(ctx)
		}
		if err != nil {
			_ = s.db.SetNodeUnavailable(ctx, nodeID, true)
			continue
		}
		_ = s.db.SetNodeUnavailable(ctx, nodeID, false)
		state := make(map[string]hypervisor.DomainInfo, len(domains))
		for _, d := range domains {
			state[d.UUID] = d
		}
		for _, vm := range list {
			if vm.Status == vmstatus.Creating || vm.Locked || vm.OrderStatus == store.OrderRefunded {
				continue
			}
			d, ok := state[vm.UUID]
			got := d.State
			if !ok {
				got = vmstatus.Destroyed
			}
			if got == vm.Status || got == vmstatus.Stopped && vm.Status == vmstatus.Crashed {
				// A crashed VM the node shows off (after a restart of the node, say)
				// stays crashed until it is started: that is what the customer must know.
				continue
			}
			// Only if no event changed the status since vm was read; if one did,
			// it is newer than this pass, and a true drift is caught next time.
			if changed, err := s.db.ReconcileVMStatus(ctx, vm, got); err != nil || !changed {
				continue
			}
			if !ok {
				s.log.Warn("domain gone from its node", "vm", vm.UUID, "node", nodeID)
			}
			s.heard(vm.UUID, got)
			if got == vmstatus.Crashed {
				s.crashed(ctx, vm, d.Detail)
			}
		}
	}
}

func (s *VMs) heard(uuid string, status vmstatus.Status) {
	if s.StatusHook != nil {
		s.StatusHook(uuid, status)
	}
}
