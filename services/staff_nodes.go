package services

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"abrak/store"
)

// StaffNode is a node as the operator's Nodes page shows it: what the panel
// records, what the fleet last said of it, and what is placed on it.
type StaffNode struct {
	ID                      int64
	Name, Region, URI       string
	Enabled, Draining       bool
	Up                      bool
	Error                   string
	VirtType, VirtReason    string
	VCPUs, MemoryMB, DiskGB int // capacity; 0: not limited
	UsedVCPUs, UsedMemoryMB int
	UsedDiskGB              int
	VMs                     int
	Maintenance             store.Maintenance
}

// Nodes lists every node for the operator.
func (s *Staff) Nodes(ctx context.Context, p Principal) ([]StaffNode, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return nil, err
	}
	nodes, err := s.db.AllNodes(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	usage, err := s.db.NodeUsage(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	counts, err := s.db.NodeVMCounts(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	maint, err := s.db.NodesMaintenance(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	health := map[string]NodeHealth{}
	if s.fleet != nil {
		for _, h := range s.fleet.Nodes() {
			health[h.Name] = h
		}
	}
	out := make([]StaffNode, 0, len(nodes))
	for _, n := range nodes {
		u := usage[n.ID]
		sn := StaffNode{ID: n.ID, Name: n.Name, Region: n.Region, URI: n.URI, Enabled: n.Enabled, Draining: n.Draining,
			VirtType: n.VirtChosen, VirtReason: n.VirtReason, VCPUs: n.VCPUs, MemoryMB: n.MemoryMB, DiskGB: n.DiskGB,
			UsedVCPUs: u[0], UsedMemoryMB: u[1], UsedDiskGB: u[2], VMs: counts[n.ID], Maintenance: maint[n.ID]}
		// The fleet of this process knows best; another process's record
		// (abrak admin, a CLI) is what the last panel wrote.
		if h, ok := health[n.Name]; ok {
			sn.Up, sn.Error, sn.VirtType, sn.VirtReason = h.Up, h.Error, h.VirtType, h.VirtReason
		} else {
			sn.Up = n.ConnState == "up"
			sn.Error = strings.TrimPrefix(n.ConnState, "down: ")
			if sn.Up {
				sn.Error = ""
			}
		}
		out = append(out, sn)
	}
	return out, nil
}

// MaintenanceInput turns a node's maintenance on or off.
type MaintenanceInput struct {
	On     bool
	Until  time.Time // optional end, announced to the customers
	Reason string
}

// SetNodeMaintenance turns a node's maintenance on (no new VM is placed on
// it; the owners of its VMs see a notice with the end) or off; only an
// admin may. Audited.
func (s *Staff) SetNodeMaintenance(ctx context.Context, p Principal, id int64, in MaintenanceInput) (store.Maintenance, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return store.Maintenance{}, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if len([]rune(in.Reason)) > 300 {
		return store.Maintenance{}, Invalid(map[string]string{"reason": "admin.nodes.reason_long"})
	}
	if in.On && !in.Until.IsZero() && in.Until.Before(time.Now()) {
		return store.Maintenance{}, Invalid(map[string]string{"until": "admin.nodes.until_past"})
	}
	m := store.Maintenance{On: in.On, Until: in.Until, Reason: in.Reason}
	err := s.db.SetNodeMaintenance(ctx, id, m)
	if errors.Is(err, store.ErrNotFound) {
		return store.Maintenance{}, NotFound()
	}
	if err != nil {
		return store.Maintenance{}, Internal(err)
	}
	detail := "off"
	if in.On {
		detail = "on"
		if !in.Until.IsZero() {
			detail += " until " + in.Until.UTC().Format(time.RFC3339)
		}
		if in.Reason != "" {
			detail += ": " + in.Reason
		}
	}
	s.record(ctx, p, "admin.node_maintenance", SeverityWarning, "node", strconv.FormatInt(id, 10), detail)
	if !in.On {
		m = store.Maintenance{}
	}
	return m, nil
}

// NodeMaintenance is the planned maintenance of the node one of the
// principal's VMs is on (zero when none), for the notice on its page.
func (s *VMs) NodeMaintenance(ctx context.Context, p Principal, uuid string) (store.Maintenance, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return store.Maintenance{}, err
	}
	if _, err := s.own(ctx, p, uuid); err != nil {
		return store.Maintenance{}, err
	}
	m, err := s.db.VMNodeMaintenance(ctx, uuid)
	if err != nil {
		return m, Internal(err)
	}
	return m, nil
}

// InMaintenance lists the principal's VMs on a node in planned maintenance,
// for the notice above their list.
func (s *VMs) InMaintenance(ctx context.Context, p Principal) ([]store.VMInMaintenance, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return nil, err
	}
	out, err := s.db.UserVMsInMaintenance(ctx, p.UserID)
	if err != nil {
		return nil, Internal(err)
	}
	return out, nil
}
