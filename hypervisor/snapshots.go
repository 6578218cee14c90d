package hypervisor

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"abrak/vmstatus"
)

// Snapshot is one saved point of a domain.
type Snapshot struct {
	Name string
	// Description is what the customer called it (the panel's display name);
	// "" for a snapshot taken before names were free.
	Description string
	CreatedAt   time.Time
	// State is the domain's state when the snapshot was taken.
	State   vmstatus.Status
	Current bool
}

// CreateSnapshot saves the domain's disk (and memory, when it runs) under name,
// with description beside it. ErrConflict when the name is taken.
func (n *Node) CreateSnapshot(ctx context.Context, id, name, description string) error {
	doc, err := (&libvirtxml.DomainSnapshot{Name: name, Description: description}).Marshal()
	if err != nil {
		return err
	}
	err = n.onDomainFor(ctx, n.opts.copyTimeout(), id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		if _, err := lv.DomainSnapshotLookupByName(dom, name, 0); err == nil {
			return fmt.Errorf("%w: snapshot %q exists", ErrConflict, name)
		} else if !isCode(err, libvirt.ErrNoDomainSnapshot) {
			return err
		}
		_, err := lv.DomainSnapshotCreateXML(dom, doc, 0)
		return err
	})
	return wrapf(err, "snapshot %s", id)
}

// ListSnapshots returns the domain's snapshots, oldest first.
func (n *Node) ListSnapshots(ctx context.Context, id string) ([]Snapshot, error) {
	var out []Snapshot
	err := n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		snaps, _, err := lv.DomainListAllSnapshots(dom, 1, 0)
		if err != nil {
			return err
		}
		current := ""
		if cur, err := lv.DomainSnapshotCurrent(dom, 0); err == nil {
			current = cur.Name
		} else if !isCode(err, libvirt.ErrNoDomainSnapshot) {
			return err
		}
		for _, s := range snaps {
			doc, err := lv.DomainSnapshotGetXMLDesc(s, 0)
			if err != nil {
				return err
			}
			var d libvirtxml.DomainSnapshot
			if err := d.Unmarshal(doc); err != nil {
				return err
			}
			out = append(out, Snapshot{
				Name:        s.Name,
				Description: d.Description,
				CreatedAt:   unixTime(d.CreationTime),
				State:       snapshotState(d.State),
				Current:     s.Name == current,
			})
		}
		return nil
	})
	sortSnapshots(out)
	return out, wrapf(err, "list snapshots of %s", id)
}

// RevertSnapshot puts the domain back to the snapshot, in the state it had then.
func (n *Node) RevertSnapshot(ctx context.Context, id, name string) error {
	err := n.onDomainFor(ctx, n.opts.copyTimeout(), id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		s, err := lv.DomainSnapshotLookupByName(dom, name, 0)
		if err != nil {
			return err
		}
		return lv.DomainRevertToSnapshot(s, 0)
	})
	return wrapf(err, "revert %s to %q", id, name)
}

// DeleteSnapshot removes the snapshot and its data.
func (n *Node) DeleteSnapshot(ctx context.Context, id, name string) error {
	err := n.onDomainFor(ctx, n.opts.copyTimeout(), id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		s, err := lv.DomainSnapshotLookupByName(dom, name, 0)
		if err != nil {
			return err
		}
		return lv.DomainSnapshotDelete(s, 0)
	})
	return wrapf(err, "delete snapshot %q of %s", name, id)
}

// snapshotState maps the <state> of libvirt's snapshot XML (its own spelling).
func snapshotState(s string) vmstatus.Status {
	switch s {
	case "running", "blocked", "shutdown":
		return vmstatus.Running
	case "paused":
		return vmstatus.Paused
	case "pmsuspended":
		return vmstatus.Suspended
	case "crashed":
		return vmstatus.Crashed
	}
	return vmstatus.Stopped
}

func unixTime(s string) time.Time {
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

func sortSnapshots(s []Snapshot) {
	slices.SortStableFunc(s, func(a, b Snapshot) int { return a.CreatedAt.Compare(b.CreatedAt) })
}
