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
// VM runs or not: the guest reads its seed only at boot. ErrNotFound when the VM does
// not exist. Only the running domain is touched; its definition stays as it is.
func (n *Node) RefreshSeed(ctx context.Context, spec DomainSpec) (err error) {
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
	need := uint64(len(seed))
	var (
		vol           libvirt.StorageVol
		capacity      uint64
		found, active bool
		cdrom         *libvirtxml.DomainDisk
	)
	err = n.onDomain(ctx, spec.UUID, func(lv *libvirt.Libvirt, dom libvirt.Domain) (err error) {
		if active, err = domainIsActive(lv, dom); err != nil {
			return err
		}
		pool, err := lv.StoragePoolLookupByName(cfg.Pool)
		if err != nil {
			return err
		}
		if vol, found, err = lookupVolume(lv, pool, seedVolume(spec.UUID)); err != nil || !found {
			return err
		}
		_, capacity, _, err = lv.StorageVolGetInfo(vol)
		return err
	})
	if err != nil || !caps.keepsVolumeData() && found {
		return wrapf(err, "refresh seed of %s", spec.UUID)
	}
	// A running QEMU holds its seed open, read-only but locked against resizing, and
	// knows the medium's size only from when it was inserted: a seed that outgrows
	// its volume is ejected, grown and inserted again. One that fits is rewritten in
	// place, which the guest sees when it next reads it, at boot.
	if active && (!found || capacity < need) && caps.keepsVolumeData() {
		err = n.onDomain(ctx, spec.UUID, func(lv *libvirt.Libvirt, dom libvirt.Domain) (err error) {
			cdrom, err = ejectSeed(lv, dom, seedVolume(spec.UUID))
			return err
		})
		if err != nil {
			return wrapf(err, "refresh seed of %s", spec.UUID)
		}
		defer func() {
			ierr := n.onDomain(ctx, spec.UUID, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
				return insertSeed(lv, dom, cdrom)
			})
			if err == nil {
				err = wrapf(ierr, "refresh seed of %s", spec.UUID)
			}
		}()
	}
	err = n.call(ctx, func(lv *libvirt.Libvirt) error {
		if !found {
			pool, err := lv.StoragePoolLookupByName(cfg.Pool)
			if err != nil {
				return err
			}
			doc, err := volumeXML(seedVolume(spec.UUID), need, "raw")
			if err != nil {
				return err
			}
			vol, err = lv.StorageVolCreateXML(pool, doc, 0)
			capacity = need
			return err
		}
		// Growing never shrinks: the tail past the ISO's recorded size is padding.
		if capacity < need && caps.keepsVolumeData() {
			capacity = need
			return lv.StorageVolResize(vol, need, 0)
		}
		return nil
	})
	if err != nil || !caps.keepsVolumeData() {
		return wrapf(err, "refresh seed of %s", spec.UUID)
	}
	// Zeros after the ISO replace whatever an earlier, longer seed left there, so no
	// stale hostname or password remains on the disk for the guest to find.
	err = n.callFor(ctx, n.uploadTimeout(int64(capacity)), func(lv *libvirt.Libvirt) error {
		padding := io.LimitReader(zeros{}, int64(capacity-need))
		return lv.StorageVolUpload(vol, io.MultiReader(bytes.NewReader(seed), padding), 0, capacity, 0)
	})
	return wrapf(err, "refresh seed of %s", spec.UUID)
}

// ejectSeed empties the running domain's seed CD-ROM drive and returns the drive as
// it was, for insertSeed.
func ejectSeed(lv *libvirt.Libvirt, dom libvirt.Domain, volume string) (*libvirtxml.DomainDisk, error) {
	doc, err := lv.DomainGetXMLDesc(dom, 0)
	if err != nil {
		return nil, err
	}
	var d libvirtxml.Domain
	if err := d.Unmarshal(doc); err != nil {
		return nil, err
	}
	if d.Devices != nil {
		for _, disk := range d.Devices.Disks {
			if disk.Device != "cdrom" || disk.Source == nil || disk.Source.Volume == nil ||
				disk.Source.Volume.Volume != volume {
				continue
			}
			empty := disk
			empty.Source = nil
			return &disk, updateDisk(lv, dom, empty)
		}
	}
	return nil, fmt.Errorf("%w: the VM has no seed CD-ROM %s", ErrInvalidState, volume)
}

// insertSeed puts the seed back into its drive; QEMU opens the volume afresh.
func insertSeed(lv *libvirt.Libvirt, dom libvirt.Domain, cdrom *libvirtxml.DomainDisk) error {
	return updateDisk(lv, dom, *cdrom)
}

func updateDisk(lv *libvirt.Libvirt, dom libvirt.Domain, disk libvirtxml.DomainDisk) error {
	doc, err := disk.Marshal()
	if err != nil {
		return err
	}
	// Force: the guest may hold the tray locked.
	return lv.DomainUpdateDeviceFlags(dom, doc, libvirt.DomainDeviceModifyLive|libvirt.DomainDeviceModifyForce)
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
