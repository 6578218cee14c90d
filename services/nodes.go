package services

import (
	"context"
	"time"

	"abrak/hypervisor"
	"abrak/store"
)

// SyncNodes loads the enabled nodes from the database into the fleet; nodes
// added with `abrak admin add-node`, or given another accelerator with
// `abrak admin set-node`, while the panel runs are picked up here.
func (s *Workers) SyncNodes(ctx context.Context) error {
	nodes, err := s.db.Nodes(ctx)
	if err != nil {
		return err
	}
	cfgs := make([]hypervisor.NodeConfig, 0, len(nodes))
	draining := map[int64]bool{}
	for _, n := range nodes {
		cfgs = append(cfgs, NodeConfig(n))
		if n.Draining {
			draining[n.ID] = true
		}
	}
	s.fleet.SetNodes(cfgs)
	s.draining.Store(&draining)
	return nil
}

// NodeConfig is how the fleet is told of a node the panel records.
func NodeConfig(n store.Node) hypervisor.NodeConfig {
	return hypervisor.NodeConfig{ID: n.ID, Name: n.Name, Region: n.Region, URI: n.URI, VNCHost: n.VNCHost,
		VCPUs: n.VCPUs, MemoryMB: n.MemoryMB, DiskGB: n.DiskGB, VirtType: hypervisor.VirtMode(n.VirtType),
		Bridge: n.Bridge, VNCSocketDir: n.VNCSocketDir, MigrationAddress: n.MigrationAddress, PeerURI: n.PeerURI}
}

// NodeHealth is one node as the operator sees it in /readyz and the metrics.
type NodeHealth struct {
	Name   string `json:"name"`
	Region string `json:"region"`
	Up     bool   `json:"up"`
	Error  string `json:"error,omitempty"`
	// VirtMode is the operator's choice (auto, kvm, qemu); VirtType what the node's
	// domains get, and VirtReason why.
	VirtMode   string `json:"virt_mode"`
	VirtType   string `json:"virt_type"`
	VirtReason string `json:"virt_reason"`
	ProbeMS    int64  `json:"probe_ms,omitempty"`
	Crashes    int64  `json:"guest_crashes"`
	// Draining: it takes no new VM while its VMs are moved away (as of the
	// last time the nodes were loaded, every reconcile pass).
	Draining bool `json:"draining"`
}

// Nodes reports every node the fleet holds.
func (s *Workers) Nodes() []NodeHealth {
	st := s.fleet.Status()
	var draining map[int64]bool
	if d := s.draining.Load(); d != nil {
		draining = *d
	}
	out := make([]NodeHealth, 0, len(st))
	for _, n := range st {
		out = append(out, NodeHealth{Name: n.Name, Region: n.Region, Up: n.Up, Error: n.Err,
			VirtMode: string(n.Mode), VirtType: n.Accel.Type, VirtReason: n.Accel.Reason,
			ProbeMS: n.Accel.Probe.Milliseconds(), Crashes: s.crashes.of(n.ID), Draining: draining[n.ID]})
	}
	return out
}

// recordNodes keeps what the fleet says of each node in the database, where
// `abrak admin nodes` (another process) reads it.
func (s *Workers) recordNodes(ctx context.Context) {
	now := time.Now()
	for _, n := range s.fleet.Status() {
		state := "up"
		if !n.Up {
			state = "down: " + n.Err
		}
		if err := s.db.RecordNodeHealth(ctx, n.ID, n.Accel.Type, n.Accel.Reason, state, now); err != nil {
			s.log.Error("recording node health", "node", n.Name, "err", err)
		}
	}
}
