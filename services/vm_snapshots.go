package services

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// MaxSnapshots bounds the snapshots one VM keeps: each holds disk (and, for a
// running VM, memory) on its node.
const MaxSnapshots = 5

// Snapshot is one saved point of a VM. Snapshots live on the VM's node only:
// the node is the truth, and a rebuild drops them there.
type Snapshot struct {
	// Name is the snapshot's safe name on its node, which paths carry;
	// DisplayName what the customer called it (Name for a snapshot taken
	// before names were free).
	Name        string
	DisplayName string
	CreatedAt   time.Time
	// Current is the snapshot the VM was last saved to or put back to.
	Current bool
}

// snapshotName is the old rule for a snapshot's name, which is now the rule
// for its safe name: a name a customer gives that keeps it is used as is.
var snapshotName = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)

// maxSnapshotName bounds a snapshot's display name, as a VM's.
const maxSnapshotName = maxDisplayName

// snapshotSlug is the safe name a snapshot named display is kept under on its
// node: the name itself when it already is one, else its ASCII letters and
// digits (up to 24) and a random suffix, so two names that fold alike differ.
func snapshotSlug(display string) string {
	if snapshotName.MatchString(display) {
		return display
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(display) {
		switch {
		case b.Len() >= 24:
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	slug := strings.TrimRight(b.String(), "-")
	if slug == "" {
		slug = "snap"
	}
	suffix := make([]byte, 3)
	rand.Read(suffix)
	return slug + "-" + hex.EncodeToString(suffix)
}

// Snapshots lists a VM's snapshots, oldest first.
func (s *VMs) Snapshots(ctx context.Context, p Principal, uuid string) ([]Snapshot, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return nil, err
	}
	vm, err := s.own(ctx, p, uuid)
	if err != nil {
		return nil, err
	}
	if vm.NodeID == 0 || vm.Status == vmstatus.Destroyed || built(vm) != nil {
		return []Snapshot{}, nil
	}
	node, err := s.nodeOf(vm)
	if err != nil {
		return nil, err
	}
	return s.snapshotsOn(ctx, node, vm)
}

func (s *VMs) snapshotsOn(ctx context.Context, node *hypervisor.Node, vm store.VM) ([]Snapshot, error) {
	list, err := node.ListSnapshots(ctx, vm.UUID)
	if err != nil {
		return nil, nodeError(err)
	}
	out := make([]Snapshot, 0, len(list))
	for _, sn := range list {
		display := sn.Description
		if display == "" {
			display = sn.Name
		}
		out = append(out, Snapshot{Name: sn.Name, DisplayName: display, CreatedAt: sn.CreatedAt, Current: sn.Current})
	}
	return out, nil
}

// snapshotTarget loads a VM whose snapshots may change, after check has
// looked at the request, then its node and its snapshots.
func (s *VMs) snapshotTarget(ctx context.Context, p Principal, uuid string, check func() error) (store.VM, *hypervisor.Node, []Snapshot, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return vm, nil, nil, err
	}
	if err := check(); err != nil {
		return vm, nil, nil, err
	}
	if err := built(vm); err != nil {
		return vm, nil, nil, err
	}
	node, err := s.nodeOf(vm)
	if err != nil {
		return vm, nil, nil, err
	}
	snaps, err := s.snapshotsOn(ctx, node, vm)
	return vm, node, snaps, err
}

func noCheck() error { return nil }

// findSnapshot is the snapshot a path names: by its safe name, or else by
// what the customer called it (display names are unique on a VM), so a
// script that only knows the name it gave finds it. "" when there is none.
func findSnapshot(snaps []Snapshot, name string) string {
	for _, sn := range snaps {
		if sn.Name == name {
			return sn.Name
		}
	}
	for _, sn := range snaps {
		if sn.DisplayName == name {
			return sn.Name
		}
	}
	return ""
}

func hasSnapshot(snaps []Snapshot, name string) bool { return findSnapshot(snaps, name) != "" }

// CreateSnapshot saves the VM under name: any printable name up to
// maxSnapshotName characters (a timestamp when empty), shown as given and kept
// on the node under a safe name derived from it (snapshotSlug). A VM holds at
// most MaxSnapshots.
func (s *VMs) CreateSnapshot(ctx context.Context, p Principal, uuid, name string) (Action, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "snap-" + time.Now().UTC().Format("20060102-150405")
	}
	vm, node, snaps, err := s.snapshotTarget(ctx, p, uuid, func() error {
		if nameProblem(name, maxSnapshotName, "vm.snapshot_name_invalid") != "" {
			return Invalid(map[string]string{"name": "vm.snapshot_name_invalid"})
		}
		return nil
	})
	if err != nil {
		return Action{}, err
	}
	slug := snapshotSlug(name)
	description := name
	if slug == name {
		description = "" // the name is its own display name, as before names were free
	}
	switch {
	case hasSnapshot(snaps, name) || hasSnapshot(snaps, slug):
		return Action{}, Conflict("vm.snapshot_exists", "name", name)
	case len(snaps) >= MaxSnapshots:
		return Action{}, Conflict("vm.snapshot_limit", "max", strconv.Itoa(MaxSnapshots))
	}
	s.audit.Record(ctx, p, "vm.snapshot", SeverityInfo, "vm", vm.UUID, name)
	return s.exclusive(ctx, p, vm, "snapshot", 10*time.Minute, func(ctx context.Context) error {
		return node.CreateSnapshot(ctx, vm.UUID, slug, description)
	})
}

// RevertSnapshot puts the VM back to a snapshot, in the state it had then
// (running or stopped). What was written since is lost.
func (s *VMs) RevertSnapshot(ctx context.Context, p Principal, uuid, name string) (Action, error) {
	vm, node, snaps, err := s.snapshotTarget(ctx, p, uuid, noCheck)
	if err != nil {
		return Action{}, err
	}
	if name = findSnapshot(snaps, name); name == "" {
		return Action{}, NotFound()
	}
	s.audit.Record(ctx, p, "vm.snapshot_revert", SeverityWarning, "vm", vm.UUID, name)
	return s.exclusive(ctx, p, vm, "snapshot_revert", 10*time.Minute, func(ctx context.Context) error {
		if err := node.RevertSnapshot(ctx, vm.UUID, name); err != nil {
			return err
		}
		st, err := node.State(ctx, vm.UUID)
		if err != nil {
			return err
		}
		return s.db.SetVMStatus(ctx, vm.ID, st)
	})
}

// DeleteSnapshot removes a snapshot and frees its room on the node.
func (s *VMs) DeleteSnapshot(ctx context.Context, p Principal, uuid, name string) (Action, error) {
	vm, node, snaps, err := s.snapshotTarget(ctx, p, uuid, noCheck)
	if err != nil {
		return Action{}, err
	}
	if name = findSnapshot(snaps, name); name == "" {
		return Action{}, NotFound()
	}
	s.audit.Record(ctx, p, "vm.snapshot_delete", SeverityInfo, "vm", vm.UUID, name)
	return s.exclusive(ctx, p, vm, "snapshot_delete", 5*time.Minute, func(ctx context.Context) error {
		return node.DeleteSnapshot(ctx, vm.UUID, name)
	})
}
