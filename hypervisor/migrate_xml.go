package hypervisor

import (
	"fmt"

	"libvirt.org/go/libvirtxml"
)

// retarget rewrites a definition of the source node's for the target: its
// volumes are the target pool's, its direct-boot files the target's copies,
// its console and bridge the target's; with domainType set it runs under that
// accelerator. Everything else stays: UUID, name, MAC, the filter's addresses,
// the console password, device addresses (a live migration checks them).
func (p *movePlan) retarget(d *libvirtxml.Domain, domainType string) error {
	if domainType != "" && (d.Type == "kvm" || d.Type == "qemu") && (domainType == "kvm" || domainType == "qemu") {
		d.Type = domainType
	}
	if os := d.OS; os != nil {
		for _, path := range []*string{&os.Kernel, &os.Initrd} {
			if *path == "" {
				continue
			}
			target, ok := p.paths[p.names[*path]]
			if !ok {
				return fmt.Errorf("%w: %s has no copy of %s", ErrConflict, p.to.Name, *path)
			}
			*path = target
		}
	}
	if d.Devices == nil {
		return nil
	}
	for i := range d.Devices.Disks {
		src := d.Devices.Disks[i].Source
		switch {
		case src == nil:
		case src.Volume != nil && src.Volume.Pool == p.from.Pool:
			src.Volume.Pool = p.to.Pool
		case src.File != nil:
			if name, ok := p.names[src.File.File]; ok {
				src.File = nil
				src.Volume = &libvirtxml.DomainDiskSourceVolume{Pool: p.to.Pool, Volume: name}
			}
		}
	}
	for i := range d.Devices.Interfaces {
		if b := d.Devices.Interfaces[i].Source; b != nil && b.Bridge != nil {
			b.Bridge.Bridge = p.to.Bridge
		}
	}
	for i, g := range d.Devices.Graphics {
		if g.VNC != nil {
			d.Devices.Graphics[i].VNC = vncGraphic(DomainSpec{UUID: p.id, VNCPassword: g.VNC.Passwd}, p.to)
		}
	}
	return nil
}

// retargetSnapshot rewrites the definitions a snapshot keeps (the domain as it
// was, which a revert brings back) for the target.
func (p *movePlan) retargetSnapshot(s *libvirtxml.DomainSnapshot) error {
	if s.Domain != nil {
		if err := p.retarget(s.Domain, p.toCaps.DomainType); err != nil {
			return err
		}
	}
	if s.InactiveDomain != nil {
		return p.retarget(&s.InactiveDomain.Domain, p.toCaps.DomainType)
	}
	return nil
}
