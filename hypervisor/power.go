package hypervisor

import (
	"context"
	"errors"
	"fmt"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"abrak/vmstatus"
)

// Start boots a stopped domain; ErrInvalidState when it already runs. A domain
// QEMU stopped on a crash is powered off first, so its disk boots afresh; and a
// domain defined for another accelerator than the node's present one (kvm before a
// probe found it broken, say) is redefined for the present one.
func (n *Node) Start(ctx context.Context, id string) error {
	caps, err := n.Capabilities(ctx)
	if err != nil {
		return err
	}
	return n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		s, reason, err := lv.DomainGetState(dom, 0)
		if err != nil {
			return err
		}
		switch st, _ := stateOf(lv, dom, s, reason); st {
		case vmstatus.Crashed:
			if err := lv.DomainDestroy(dom); err != nil && !isCode(err, libvirt.ErrOperationInvalid) {
				return err
			}
		case vmstatus.Running, vmstatus.Paused, vmstatus.Suspended:
			return fmt.Errorf("%w: the VM is already running", ErrInvalidState)
		}
		if err := retype(lv, dom, caps.DomainType); err != nil {
			return err
		}
		err = lv.DomainCreate(dom)
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

// retype redefines a stopped domain of QEMU's for the accelerator want.
func retype(lv *libvirt.Libvirt, dom libvirt.Domain, want string) error {
	if want != "kvm" && want != "qemu" {
		return nil
	}
	d, err := definition(lv, dom)
	if err != nil {
		return err
	}
	if d.Type == want || d.Type != "kvm" && d.Type != "qemu" {
		return nil
	}
	d.Type = want
	doc, err := d.Marshal()
	if err != nil {
		return err
	}
	_, err = lv.DomainDefineXMLFlags(doc, 0)
	return err
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

// Suspend freezes the domain's vCPUs in memory; it then reports vmstatus.Paused.
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
	_, err := n.ShutdownReport(ctx, id, deadline)
	return err
}

// ShutdownReport is Shutdown that also tells whether the plug was pulled:
// forced is false when the guest stopped on its own within deadline.
func (n *Node) ShutdownReport(ctx context.Context, id string, deadline time.Duration) (forced bool, err error) {
	if deadline <= 0 {
		deadline = n.opts.ShutdownTimeout
	}
	err = n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		return lv.DomainShutdownFlags(dom, libvirt.DomainShutdownDefault)
	})
	if err != nil {
		return false, err
	}
	giveUp := time.NewTimer(deadline)
	defer giveUp.Stop()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-giveUp.C:
			err := n.PowerOff(ctx, id)
			if errors.Is(err, ErrInvalidState) {
				return false, nil // it stopped on its own meanwhile
			}
			return err == nil, err
		case <-tick.C:
			st, err := n.State(ctx, id)
			if err != nil {
				return false, err
			}
			if st == vmstatus.Stopped {
				return false, nil
			}
		}
	}
}

// definition is a domain's persistent definition, as it is defined back after a
// change; Secure keeps its VNC password in it.
func definition(lv *libvirt.Libvirt, dom libvirt.Domain) (libvirtxml.Domain, error) {
	var d libvirtxml.Domain
	doc, err := lv.DomainGetXMLDesc(dom, libvirt.DomainXMLInactive|libvirt.DomainXMLSecure)
	if err == nil {
		err = d.Unmarshal(doc)
	}
	return d, err
}
