package hypervisor

import (
	"context"
	"fmt"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/google/uuid"

	"abrak/vmstatus"
)

// lookupDomain names the domain of that uuid without a round trip: libvirtd finds a
// domain by the UUID in each call, and Abrak's domains are named by their UUID too. A
// domain that does not exist shows as ErrNoDomain from the call that uses it.
func lookupDomain(_ *libvirt.Libvirt, id string) (libvirt.Domain, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return libvirt.Domain{}, fmt.Errorf("%w: domain %q: %v", ErrNotFound, id, err)
	}
	return libvirt.Domain{Name: id, UUID: libvirt.UUID(u), ID: -1}, nil
}

// onDomain runs fn with the domain of that uuid, in one bounded call.
func (n *Node) onDomain(ctx context.Context, id string, fn func(lv *libvirt.Libvirt, dom libvirt.Domain) error) error {
	return n.onDomainFor(ctx, n.opts.CallTimeout, id, fn)
}

func (n *Node) onDomainFor(ctx context.Context, timeout time.Duration, id string, fn func(lv *libvirt.Libvirt, dom libvirt.Domain) error) error {
	return n.callFor(ctx, timeout, func(lv *libvirt.Libvirt) error {
		dom, err := lookupDomain(lv, id)
		if err != nil {
			return err
		}
		return fn(lv, dom)
	})
}

func domainIsActive(lv *libvirt.Libvirt, dom libvirt.Domain) (bool, error) {
	st, _, err := lv.DomainGetState(dom, 0)
	if err != nil {
		return false, err
	}
	return libvirt.DomainState(st) != libvirt.DomainShutoff && libvirt.DomainState(st) != libvirt.DomainCrashed, nil
}

// State returns one domain's state.
func (n *Node) State(ctx context.Context, id string) (vmstatus.Status, error) {
	st, _, err := n.StateDetail(ctx, id)
	return st, err
}

// StateDetail returns one domain's state and, for a crashed one, why (QEMU's run state).
func (n *Node) StateDetail(ctx context.Context, id string) (vmstatus.Status, string, error) {
	var st vmstatus.Status
	var detail string
	err := n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		s, reason, err := lv.DomainGetState(dom, 0)
		if err == nil {
			st, detail = stateOf(lv, dom, s, reason)
		}
		return err
	})
	return st, detail, err
}
