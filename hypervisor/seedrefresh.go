package hypervisor

import (
	"bytes"
	"context"
	"fmt"
	"io"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// RefreshSeed rewrites the VM's NoCloud seed from spec, so that a new hostname, root
// password or set of SSH keys reaches the guest at its next boot. It works while the
// VM runs: the guest reads its seed only at boot, and the seed is rewritten in place.
func (n *Node) RefreshSeed(ctx context.Context, spec DomainSpec) error {
	if err := spec.validate(); err != nil {
		return err
	}
	caps, err := n.Capabilities(ctx)
	if err != nil {
		return err
	}
	seed, err := seedISO(spec)
	if err != nil {
		return err
	}
	cfg := n.Config()
	var (
		vol      libvirt.StorageVol
		capacity uint64
		active   bool
		// reopen is set when QEMU's open seed no longer matches the volume: it
		// reads the size of its medium once, when the medium is inserted.
		reopen bool
	)
	err = n.onDomain(ctx, spec.UUID, func(lv *libvirt.Libvirt, dom libvirt.Domain) (err error) {
		if active, err = domainIsActive(lv, dom); err != nil {
			return err
		}
		pool, err := lv.StoragePoolLookupByName(cfg.Pool)
		if err != nil {
			return err
		}
		var found bool
		if vol, found, err = lookupVolume(lv, pool, seedVolume(spec.UUID)); err != nil {
			return err
		}
		if !found {
			doc, err := volumeXML(seedVolume(spec.UUID), uint64(len(seed)), "raw")
			if err != nil {
				return err
			}
			if vol, err = lv.StorageVolCreateXML(pool, doc, 0); err != nil {
				return err
			}
			reopen = true
		}
		if _, capacity, _, err = lv.StorageVolGetInfo(vol); err != nil {
			return err
		}
		// Growing keeps the file (and QEMU's open handle on it); shrinking is never
		// needed, since the tail past the ISO's recorded size is padding.
		if need := uint64(len(seed)); capacity < need && caps.keepsVolumeData() {
			if err := lv.StorageVolResize(vol, need, 0); err != nil {
				return err
			}
			capacity, reopen = need, true
		}
		return nil
	})
	if err != nil || !caps.keepsVolumeData() {
		return wrapf(err, "refresh seed of %s", spec.UUID)
	}
	// Zeros after the ISO replace whatever an earlier, longer seed left there, so no
	// stale hostname or password remains on the disk for the guest to find.
	err = n.callFor(ctx, n.uploadTimeout(int64(capacity)), func(lv *libvirt.Libvirt) error {
		padding := io.LimitReader(zeros{}, int64(capacity)-int64(len(seed)))
		return lv.StorageVolUpload(vol, io.MultiReader(bytes.NewReader(seed), padding), 0, capacity, 0)
	})
	if err == nil && active && reopen {
		err = n.onDomain(ctx, spec.UUID, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
			return reinsertSeed(lv, dom, seedVolume(spec.UUID))
		})
	}
	return wrapf(err, "refresh seed of %s", spec.UUID)
}

// reinsertSeed ejects the running domain's seed CD-ROM and inserts it again, so QEMU
// opens the volume afresh and sees its new size.
func reinsertSeed(lv *libvirt.Libvirt, dom libvirt.Domain, volume string) error {
	doc, err := lv.DomainGetXMLDesc(dom, 0)
	if err != nil {
		return err
	}
	var d libvirtxml.Domain
	if err := d.Unmarshal(doc); err != nil {
		return err
	}
	if d.Devices == nil {
		return fmt.Errorf("%w: the VM has no devices", ErrInvalidState)
	}
	for _, disk := range d.Devices.Disks {
		if disk.Device != "cdrom" || disk.Source == nil || disk.Source.Volume == nil ||
			disk.Source.Volume.Volume != volume {
			continue
		}
		// Force: the guest may hold the tray locked.
		flags := libvirt.DomainDeviceModifyLive | libvirt.DomainDeviceModifyForce
		empty := disk
		empty.Source = nil
		for _, step := range []libvirtxml.DomainDisk{empty, disk} {
			xml, err := step.Marshal()
			if err != nil {
				return err
			}
			if err := lv.DomainUpdateDeviceFlags(dom, xml, flags); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%w: the VM has no seed CD-ROM %s", ErrInvalidState, volume)
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
