package hypervisor

import (
	"fmt"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
)

// VirtMode is the operator's choice of accelerator for a node.
type VirtMode string

const (
	// VirtAuto lets a probe guest decide at every connect: kvm if it really runs
	// under it, software emulation otherwise.
	VirtAuto VirtMode = "auto"
	VirtKVM  VirtMode = "kvm"
	VirtQEMU VirtMode = "qemu"
)

// ParseVirtMode reads an operator's --virt-type.
func ParseVirtMode(s string) (VirtMode, error) {
	switch m := VirtMode(s); m {
	case VirtAuto, VirtKVM, VirtQEMU:
		return m, nil
	case "":
		return VirtAuto, nil
	}
	return "", fmt.Errorf("virt type %q: want auto, kvm or qemu", s)
}

// Accel is the accelerator a node's domains get, and why: the operator reads the
// reason in the log, in /readyz and in `abrak admin nodes`.
type Accel struct {
	// Type is the <domain type>: kvm, qemu (software emulation), or the
	// driver's own (test).
	Type   string
	Reason string
	// Probe is how long the probe guest took; zero when none ran.
	Probe time.Duration
	At    time.Time
}

// chooseAccel decides a fresh connection's accelerator. A /dev/kvm that opens
// proves nothing: on some hosts (nested virtualisation that half works, a module
// loaded but unusable) libvirt offers kvm and every guest then stops a few seconds
// into its boot. So, unless the operator chose, kvm is kept only when a probe guest
// really runs under it.
func (n *Node) chooseAccel(lv *libvirt.Libvirt, c Caps, events <-chan libvirt.DomainEventLifecycleMsg) Accel {
	now := time.Now()
	cfg := n.Config()
	if c.OtherType == "" {
		_ = bounded(lv, n.opts.CallTimeout, func() error { sweepProbes(lv, cfg); return nil })
	}
	switch {
	case c.OtherType != "":
		return Accel{Type: c.OtherType, Reason: "the " + c.Driver + " driver offers only " + c.OtherType + " guests", At: now}
	case cfg.VirtType == VirtKVM:
		reason := "set by the operator (--virt-type kvm)"
		if !c.OffersKVM {
			reason += "; the node does not offer kvm, so its guests will not start"
		}
		return Accel{Type: "kvm", Reason: reason, At: now}
	case cfg.VirtType == VirtQEMU:
		return Accel{Type: "qemu", Reason: "set by the operator (--virt-type qemu): software emulation", At: now}
	case !c.OffersKVM:
		return Accel{Type: "qemu", Reason: "the node offers no kvm: software emulation", At: now}
	}
	res := n.probe(lv, cfg, events)
	a := Accel{Probe: res.took, At: now}
	switch {
	case res.err != nil:
		a.Type, a.Reason = "qemu", fmt.Sprintf("the kvm probe could not run (%v): software emulation until the next connect", res.err)
	case res.ran:
		a.Type, a.Reason = "kvm", fmt.Sprintf("a probe guest booted and powered off under kvm in %s", res.took.Round(time.Millisecond))
	default:
		a.Type, a.Reason = "qemu", fmt.Sprintf("kvm is offered but a probe guest did not run under it (%s after %s): software emulation",
			res.outcome, res.took.Round(time.Millisecond))
	}
	return a
}

// DemoteKVM moves a node whose accelerator Abrak chose from kvm to software
// emulation, after a guest crashed under kvm although the probe passed. It
// reports whether it did: an operator's explicit kvm is left alone. New domains,
// and old ones at their next start, then get type qemu; the next connect probes again.
func (n *Node) DemoteKVM(why string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.caps == nil || n.caps.DomainType != "kvm" || n.cfg.VirtType != VirtAuto {
		return false
	}
	c := *n.caps
	c.DomainType = "qemu"
	c.Accel = Accel{Type: "qemu", Reason: "kvm passed the probe but " + why + ": software emulation until the next connect", At: time.Now()}
	n.caps = &c
	n.log.Warn("accelerator demoted", "virt_type", c.Accel.Type, "virt_reason", c.Accel.Reason)
	return true
}
