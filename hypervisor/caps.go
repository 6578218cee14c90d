package hypervisor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// Caps is what a node offers.
type Caps struct {
	// Driver is libvirt's name for the hypervisor driver: "QEMU", or "TEST" for
	// libvirt's test driver.
	Driver string
	Arch   string
	// DomainType is the <domain type> new domains get: kvm where the host has it,
	// qemu (software emulation) otherwise, or the driver's own type.
	DomainType string
	KVM        bool
	VCPUs      int
	MemoryMB   int
}

// keepsVolumeData reports whether the driver stores volume contents. libvirt's test
// driver keeps volumes as records only, so uploads and resizes are skipped there.
func (c Caps) keepsVolumeData() bool { return !strings.EqualFold(c.Driver, "test") }

// Capabilities reads the node's capabilities once per connection lifetime of the Node.
func (n *Node) Capabilities(ctx context.Context) (Caps, error) {
	n.mu.Lock()
	cached := n.caps
	n.mu.Unlock()
	if cached != nil {
		return *cached, nil
	}
	var (
		driver, capsXML string
		memKiB          uint64
		cpus            int32
	)
	err := n.call(ctx, func(lv *libvirt.Libvirt) (err error) {
		if driver, err = lv.ConnectGetType(); err != nil {
			return err
		}
		if _, memKiB, cpus, _, _, _, _, _, err = lv.NodeGetInfo(); err != nil {
			return err
		}
		capsXML, err = lv.ConnectGetCapabilities()
		return err
	})
	if err != nil {
		return Caps{}, err
	}
	var doc libvirtxml.Caps
	if err := doc.Unmarshal(capsXML); err != nil {
		return Caps{}, fmt.Errorf("hypervisor: parse capabilities: %w", err)
	}
	c := Caps{Driver: driver, Arch: doc.Host.CPU.Arch, VCPUs: int(cpus), MemoryMB: int(memKiB / 1024)}
	c.DomainType, c.KVM = pickDomainType(doc, c.Arch)
	if c.DomainType == "" {
		return Caps{}, fmt.Errorf("hypervisor: node %s offers no hvm guests", n.Config().Name)
	}
	if c.Arch == "" {
		c.Arch = "x86_64"
	}
	n.mu.Lock()
	n.caps = &c
	n.mu.Unlock()
	return c, nil
}

// pickDomainType prefers kvm, then qemu, then whatever the driver offers, among the
// hvm guests of the host's architecture (any architecture when none matches).
func pickDomainType(doc libvirtxml.Caps, hostArch string) (string, bool) {
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
	switch {
	case slices.Contains(types, "kvm"):
		return "kvm", true
	case slices.Contains(types, "qemu"):
		return "qemu", false
	case len(types) > 0:
		return types[0], false
	}
	return "", false
}
