package services

import (
	"context"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// RunReconciler reconciles every ReconcileInterval until ctx ends, first
// giving the nodes just dialled a moment to answer.
func (s *Workers) RunReconciler(ctx context.Context) {
	s.awaitNodes(ctx, 10*time.Second)
	s.every(ctx, s.cfg.ReconcileInterval, nil, func() { s.Reconcile(ctx) })
}

// Reconcile compares every node's domains (one bulk call per node) with the
// records and corrects drift: a state changed while the panel was not looking,
// a domain removed outside the panel, a node that stopped or started answering.
func (s *Workers) Reconcile(ctx context.Context) {
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
	known := make(map[string]bool, len(vms))
	for _, vm := range vms {
		byNode[vm.NodeID] = append(byNode[vm.NodeID], vm)
		known[vm.UUID] = true
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
		s.recordTraffic(ctx, list, state)
		s.reportStrangers(nodeID, known, domains)
		for _, vm := range list {
			if vm.Status == vmstatus.Creating || vm.Locked || vm.OrderStatus == vmstatus.OrderRefunded {
				continue
			}
			d, ok := state[vm.UUID]
			got := d.State
			if !ok {
				got = vmstatus.Destroyed
			}
			if vm.Status == vmstatus.Deleted && ok {
				// A VM in the recycle bin bills nothing: it must not run.
				if got.Active() {
					s.log.Warn("a deleted vm's domain runs: powering it off", "vm", vm.UUID)
					_ = powerOff(ctx, node, vm.UUID)
				}
				continue
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

// reportStrangers logs, once each, the domains of a node that no VM records:
// a VM ordered after the database's last replicated write (a database
// restored from its replica), or something an operator made by hand. They are
// reported, never adopted or destroyed. A known VM's domain on another node
// than its own is a move under way, or the rest of one, which the drain loop
// removes (node_drain.go).
func (s *Workers) reportStrangers(nodeID int64, known map[string]bool, domains []hypervisor.DomainInfo) {
	for _, d := range domains {
		if known[d.UUID] || !s.strangers.start(d.UUID) {
			continue
		}
		s.log.Warn("a domain the panel does not know: left alone", "node_id", nodeID, "domain", d.UUID, "state", d.State)
	}
}

func (s *Workers) heard(uuid string, status vmstatus.Status) {
	if s.consoles != nil {
		s.consoles.OnVMStatus(uuid, status)
	}
}

// recordTraffic adds what the node's interface counters grew by to each running
// VM's month, from the listing the pass already made (no extra call).
func (s *Workers) recordTraffic(ctx context.Context, list []store.VM, state map[string]hypervisor.DomainInfo) {
	var samples []store.TrafficSample
	for _, vm := range list {
		d, ok := state[vm.UUID]
		if !ok || d.DomainID <= 0 || d.Received == 0 && d.Sent == 0 {
			continue
		}
		samples = append(samples, store.TrafficSample{VMID: vm.ID, DomainID: d.DomainID, Received: d.Received, Sent: d.Sent})
	}
	if err := s.db.RecordTraffic(ctx, samples, time.Now()); err != nil {
		s.log.Error("recording traffic", "err", err)
	}
}
