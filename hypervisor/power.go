package hypervisor

import (
	"context"
	"errors"
	"fmt"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
)

// Start boots a stopped domain; ErrInvalidState when it already runs.
func (n *Node) Start(ctx context.Context, id string) error {
	return n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		err := lv.DomainCreate(dom)
		if err == nil || isCode(err, libvirt.ErrNoDomain) {
			return err
		}
		// Drivers disagree on the error for starting a running domain.
		if active, serr := domainIsActive(lv, dom); serr == nil && active {
			return fmt.Errorf("%w: the VM is already running", ErrInvalidState)
		}
		return err
	})
}

// Reboot asks the guest to restart (ACPI).
func (n *Node) Reboot(ctx context.Context, id string) error {
	return n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		return lv.DomainReboot(dom, 0)
	})
}

// Reset restarts the domain at once, like the reset button.
func (n *Node) Reset(ctx context.Context, id string) error {
	return n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		return lv.DomainReset(dom, 0)
	})
}

// PowerOff stops the domain at once, like pulling the plug.
func (n *Node) PowerOff(ctx context.Context, id string) error {
	return n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		return lv.DomainDestroy(dom)
	})
}

// Suspend freezes the domain's vCPUs in memory; it then reports StatePaused.
func (n *Node) Suspend(ctx context.Context, id string) error {
	return n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		return lv.DomainSuspend(dom)
	})
}

// Resume continues a suspended domain.
func (n *Node) Resume(ctx context.Context, id string) error {
	return n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		return lv.DomainResume(dom)
	})
}

// Shutdown asks the guest to power down (ACPI) and pulls the plug if it is still
// running after deadline (Options.ShutdownTimeout when deadline is 0).
func (n *Node) Shutdown(ctx context.Context, id string, deadline time.Duration) error {
	if deadline <= 0 {
		deadline = n.opts.ShutdownTimeout
	}
	err := n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		return lv.DomainShutdownFlags(dom, libvirt.DomainShutdownDefault)
	})
	if err != nil {
		return err
	}
	giveUp := time.NewTimer(deadline)
	defer giveUp.Stop()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-giveUp.C:
			err := n.PowerOff(ctx, id)
			if errors.Is(err, ErrInvalidState) {
				return nil // it stopped on its own meanwhile
			}
			return err
		case <-tick.C:
			st, err := n.State(ctx, id)
			if err != nil {
				return err
			}
			if st == StateStopped {
				return nil
			}
		}
	}
}
