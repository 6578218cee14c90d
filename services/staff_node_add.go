package services

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"abrak/hypervisor"
	"abrak/store"
)

// NodeInput is a node the operator adds: from the Nodes page or `abrak admin
// add-node`, through the same AddNode.
type NodeInput struct {
	Name, Region, URI       string
	VNCHost                 string
	VCPUs, MemoryMB, DiskGB int // 0: not limited
	VirtType                string
	Bridge                  string
	VNCSocketDir            string
	MigrationAddress        string
	PeerURI                 string
	// Replace lets an existing name be updated (the command line's rule);
	// the page refuses a name taken.
	Replace bool
	// NoReach records the node without dialling it first (the command
	// line's --no-connect-check, for a node not yet up).
	NoReach bool
}

// NodeAdded is the node as recorded.
type NodeAdded struct {
	ID                                                    int64
	Name, Region, URI, VirtType, Bridge, MigrationAddress string
}

var (
	nodeName   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	bridgeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$`)
)

// reachTimeout bounds the connection AddNode tries before recording a node.
const reachTimeout = 10 * time.Second

// AddNode records a node (only an admin may): each field checked, and the
// node dialled once at its URI, so a typo or a node that does not answer is
// said beside the URI and nothing is stored. The running panel connects to
// it at its next pass over the nodes (within 15 s). Audited.
func (s *Staff) AddNode(ctx context.Context, p Principal, in NodeInput) (NodeAdded, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return NodeAdded{}, err
	}
	in.Name, in.Region, in.URI = strings.TrimSpace(in.Name), strings.TrimSpace(in.Region), strings.TrimSpace(in.URI)
	in.Bridge, in.VirtType = strings.TrimSpace(in.Bridge), strings.TrimSpace(in.VirtType)
	fields := map[string]string{}
	if !nodeName.MatchString(in.Name) {
		fields["name"] = "admin.nodes.name_invalid"
	} else if _, err := s.db.NodeByName(ctx, in.Name); err == nil && !in.Replace {
		fields["name"] = "admin.nodes.name_taken"
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return NodeAdded{}, Internal(err)
	}
	if in.Region == "" {
		fields["region"] = "admin.nodes.region_unknown"
	} else if _, err := s.db.Region(ctx, in.Region); errors.Is(err, store.ErrNotFound) {
		fields["region"] = "admin.nodes.region_unknown"
	} else if err != nil {
		return NodeAdded{}, Internal(err)
	}
	if u, err := url.Parse(in.URI); err != nil || u.Scheme == "" || !strings.Contains(in.URI, "://") {
		fields["uri"] = "admin.nodes.uri_invalid"
	}
	for name, n := range map[string]int{"vcpus": in.VCPUs, "memory_mb": in.MemoryMB, "disk_gb": in.DiskGB} {
		if n < 0 {
			fields[name] = "admin.nodes.capacity_invalid"
		}
	}
	if in.VirtType != "" {
		m, err := hypervisor.ParseVirtMode(in.VirtType)
		if err != nil {
			fields["virt_type"] = "admin.nodes.virt_type_invalid"
		}
		in.VirtType = string(m)
	}
	if in.Bridge != "" && !bridgeName.MatchString(in.Bridge) {
		fields["bridge"] = "admin.nodes.bridge_invalid"
	}
	if len(fields) > 0 {
		return NodeAdded{}, Invalid(fields)
	}
	if s.reach != nil && !in.NoReach {
		if err := s.reach(ctx, in.URI); err != nil {
			return NodeAdded{}, Invalid(map[string]string{"uri": "admin.nodes.uri_unreachable"})
		}
	}
	n, err := s.db.UpsertNode(ctx, store.Node{Name: in.Name, Region: in.Region, URI: in.URI, VNCHost: in.VNCHost, VCPUs: in.VCPUs,
		MemoryMB: in.MemoryMB, DiskGB: in.DiskGB, Enabled: true, VirtType: in.VirtType, Bridge: in.Bridge, VNCSocketDir: in.VNCSocketDir,
		MigrationAddress: in.MigrationAddress, PeerURI: in.PeerURI})
	if err != nil {
		return NodeAdded{}, Internal(err)
	}
	s.record(ctx, p, "admin.node_add", SeverityWarning, "node", strconv.FormatInt(n.ID, 10), n.Name+" "+n.Region+" "+n.URI)
	return NodeAdded{ID: n.ID, Name: n.Name, Region: n.Region, URI: n.URI, VirtType: n.VirtType, Bridge: n.Bridge, MigrationAddress: n.MigrationAddress}, nil
}

// NodeFilter is the Nodes page's search (part of a name or a region), its
// order (one of NodeSorts) and page.
type NodeFilter = ListQuery

// NodeSorts are the columns the Nodes page sorts by.
var NodeSorts = listSorts[StaffNode]{
	"name":   byFold(func(n StaffNode) string { return n.Name }),
	"region": byFold(func(n StaffNode) string { return n.Region }),
	"vcpus":  by(func(n StaffNode) int { return n.UsedVCPUs }),
	"memory": by(func(n StaffNode) int { return n.UsedMemoryMB }),
	"vms":    by(func(n StaffNode) int { return n.VMs }),
}

// FindNodes is one page of Nodes narrowed by f, and how many match.
func (s *Staff) FindNodes(ctx context.Context, p Principal, f NodeFilter) ([]StaffNode, int, error) {
	all, err := s.Nodes(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	rows, total := listPage(all, f, NodeSorts, func(n StaffNode) []string { return []string{n.Name, n.Region} })
	return rows, total, nil
}
