package hypervisor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// Caps is what a node offers, read once per connection.
type Caps struct {
	// Driver is libvirt's name for the hypervisor driver: "QEMU", or "TEST" for
	// libvirt's test driver.
	Driver string
	Arch   string
	// DomainType is the <domain type> new domains get: Accel.Type.
	DomainType string
	// OffersKVM says libvirt lists kvm among the host's guest types; whether
	// guests really run under it is the probe's question (Accel).
	OffersKVM bool
	// OtherType is the driver's own type when it offers neither kvm nor qemu.
	OtherType string
	Accel     Accel
	VCPUs     int
	MemoryMB  int
}

// keepsVolumeData reports whether the driver stores volume contents. libvirt's test
// driver keeps volumes as records only, so uploads and resizes are skipped there.
func (c Caps) keepsVolumeData() bool { return !strings.EqualFold(c.Driver, "test") }

// RunsGuests reports whether the node's domains run real guests (QEMU), as
// opposed to libvirt's test driver, whose domains are records only.
func (c Caps) RunsGuests() bool { return c.keepsVolumeData() }

// Capabilities returns what the node offered when it last connected, with the
// accelerator chosen then (or changed since by DemoteKVM).
func (n *Node) Capabilities(ctx context.Context) (Caps, error) {
	n.mu.Lock()
	cached := n.caps
	n.mu.Unlock()
	if cached == nil {
		if _, err := n.conn(); err != nil {
			return Caps{}, err
		}
		return Caps{}, fmt.Errorf("%w: %s: still connecting", ErrUnavailable, n.Config().Name)
	}
	return *cached, nil
}

// readCaps asks a fresh connection what the host offers.
func readCaps(lv *libvirt.Libvirt, name string) (Caps, error) {
	driver, err := lv.ConnectGetType()
	if err != nil {
		return Caps{}, err
	}
	_, memKiB, cpus, _, _, _, _, _, err := lv.NodeGetInfo()
	if err != nil {
		return Caps{}, err
	}
	capsXML, err := lv.ConnectGetCapabilities()
	if err != nil {
		return Caps{}, err
	}
	var doc libvirtxml.Caps
	if err := doc.Unmarshal(capsXML); err != nil {
		return Caps{}, fmt.Errorf("hypervisor: parse capabilities: %w", err)
	}
	c := Caps{Driver: driver, Arch: doc.Host.CPU.Arch, VCPUs: int(cpus), MemoryMB: int(memKiB / 1024)}
	types := guestTypes(doc, c.Arch)
	c.OffersKVM = slices.Contains(types, "kvm")
	if !c.OffersKVM && !slices.Contains(types, "qemu") {
		if len(types) == 0 {
			return Caps{}, fmt.Errorf("hypervisor: node %s offers no hvm guests", name)
		}
		c.OtherType = types[0]
	}
	if c.Arch == "" {
		c.Arch = "x86_64"
	}
	return c, nil
}

// guestTypes lists the domain types of the hvm guests of the host's architecture
// (of any architecture when none matches).
func guestTypes(doc libvirtxml.Caps, hostArch string) []string {
	var types []string
	for _, strict := range []bool{true, false} {
		for _, g := range doc.Guests {
			if g.OSType != "hvm" || (strict && g.Arch.Name != hostArch) {
				continue
			}
			for _, d := range g.Arch.Domains {
				types = append(types, d.Type)
			}
		}
		if len(types) > 0 {
			break
		}
	}
	return types
}
