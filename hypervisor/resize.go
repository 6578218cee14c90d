package hypervisor

import (
	"context"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// Resize changes vCPUs and memory (only while the domain is off: ErrInvalidState
// otherwise) and grows the root disk (never shrinks: ErrConflict). A zero argument
// leaves that resource as it is. Everything is checked before anything changes.
func (n *Node) Resize(ctx context.Context, id string, vcpus, memoryMB, diskGB int) error {
	caps, err := n.Capabilities(ctx)
	if err != nil {
		return err
	}
	cfg := n.Config()
	err = n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		active, err := domainIsActive(lv, dom)
		if err != nil {
			return err
		}
		d, err := definition(lv, dom)
		if err != nil {
			return err
		}
		curVCPUs, curMiB := 0, 0
		if d.VCPU != nil {
			curVCPUs = int(d.VCPU.Value)
		}
		if d.Memory != nil {
			curMiB = int(memoryKiB(d.Memory.Value, d.Memory.Unit) / 1024)
		}
		changeCPU := vcpus > 0 && vcpus != curVCPUs
		changeMem := memoryMB > 0 && memoryMB != curMiB
		if (changeCPU || changeMem) && active {
			return fmt.Errorf("%w: vCPUs and memory change only while the VM is off", ErrInvalidState)
		}

		var (
			root    libvirt.StorageVol
			growTo  uint64
			curDisk uint64
		)
		if diskGB > 0 && caps.keepsVolumeData() {
			pool, err := lv.StoragePoolLookupByName(cfg.Pool)
			if err != nil {
				return err
			}
			if root, err = lv.StorageVolLookupByName(pool, rootVolume(id)); err != nil {
				return err
			}
			if _, curDisk, _, err = lv.StorageVolGetInfo(root); err != nil {
				return err
			}
			want := uint64(diskGB) * gib
			if want < curDisk {
				return fmt.Errorf("%w: disks grow only (now %d GiB, asked %d GiB)", ErrConflict, curDisk/gib, diskGB)
			}
			if want > curDisk {
				growTo = want
			}
		}

		if changeCPU || changeMem {
			if changeCPU {
				d.VCPU = &libvirtxml.DomainVCPU{Placement: "static", Value: uint(vcpus)}
			}
			if changeMem {
				d.Memory = &libvirtxml.DomainMemory{Value: uint(memoryMB), Unit: "MiB"}
				d.CurrentMemory = &libvirtxml.DomainCurrentMemory{Value: uint(memoryMB), Unit: "MiB"}
			}
			doc, err := d.Marshal()
			if err != nil {
				return err
			}
			if _, err := lv.DomainDefineXMLFlags(doc, 0); err != nil {
				return err
			}
		}
		if growTo == 0 {
			return nil
		}
		if active {
			// A running guest's disk is grown through QEMU so the guest sees it.
			return lv.DomainBlockResize(dom, "vda", growTo, libvirt.DomainBlockResizeBytes)
		}
		return lv.StorageVolResize(root, growTo, 0)
	})
	return wrapf(err, "resize %s", id)
}

func memoryKiB(v uint, unit string) uint64 {
	switch unit {
	case "b", "bytes":
		return uint64(v) / 1024
	case "M", "MiB":
		return uint64(v) * 1024
	case "G", "GiB":
		return uint64(v) * 1024 * 1024
	}
	return uint64(v) // KiB, libvirt's default and what it reports
}
