package hypervisor

import (
	"bytes"
	"context"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
)

// Create builds the domain of spec and starts it: a root disk cloned from the
// template and grown to the plan, a cloud-init seed, the domain definition. It is
// safe to repeat: a domain that already exists is only started if it is off.
func (n *Node) Create(ctx context.Context, spec DomainSpec) error {
	if err := spec.validate(); err != nil {
		return err
	}
	caps, err := n.Capabilities(ctx)
	if err != nil {
		return err
	}
	exists := false
	err = n.call(ctx, func(lv *libvirt.Libvirt) error {
		dom, err := lookupDomain(lv, spec.UUID)
		if err != nil {
			return err
		}
		active, err := domainIsActive(lv, dom)
		if isCode(err, libvirt.ErrNoDomain) {
			return nil
		}
		exists = true
		if err != nil || active {
			return err
		}
		return lv.DomainCreate(dom)
	})
	if err != nil || exists {
		return wrapf(err, "create %s", spec.UUID)
	}
	return wrapf(n.build(ctx, spec, caps, false), "create %s", spec.UUID)
}

// build prepares the volumes, (re)defines the domain and starts it. fresh replaces a
// root disk left from before; otherwise one found (after a crash mid-create) is kept.
func (n *Node) build(ctx context.Context, spec DomainSpec, caps Caps, fresh bool) error {
	cfg := n.Config()
	seed, err := seedISO(spec)
	if err != nil {
		return err
	}
	var (
		pool      libvirt.StoragePool
		root, sv  libvirt.StorageVol
		boot      bootPaths
		rootFound bool
	)
	err = n.call(ctx, func(lv *libvirt.Libvirt) (err error) {
		if pool, err = lv.StoragePoolLookupByName(cfg.Pool); err != nil {
			return err
		}
		if spec.From == nil {
			if _, err := lv.StorageVolLookupByName(pool, spec.Template.Volume); err != nil {
				return fmt.Errorf("template %s: %w", spec.Template.Volume, err)
			}
		}
		if fresh {
			if err := deleteVolume(lv, pool, rootVolume(spec.UUID)); err != nil {
				return err
			}
		}
		if root, rootFound, err = lookupVolume(lv, pool, rootVolume(spec.UUID)); err != nil {
			return err
		}
		if err := deleteVolume(lv, pool, seedVolume(spec.UUID)); err != nil {
			return err
		}
		doc, err := volumeXML(seedVolume(spec.UUID), uint64(len(seed)), "raw")
		if err != nil {
			return err
		}
		if sv, err = lv.StorageVolCreateXML(pool, doc, 0); err != nil {
			return err
		}
		boot, err = templateBootPaths(lv, pool, spec.Template)
		return err
	})
	if err != nil {
		return err
	}
	if !rootFound && spec.From != nil {
		if err := n.placeImage(ctx, spec.UUID, *spec.From, uint64(spec.DiskGB)*gib); err != nil {
			return fmt.Errorf("the backup's disk: %w", err)
		}
		err = n.call(ctx, func(lv *libvirt.Libvirt) (err error) {
			root, err = lv.StorageVolLookupByName(pool, rootVolume(spec.UUID))
			return err
		})
		if err != nil {
			return err
		}
	} else if !rootFound {
		err = n.callFor(ctx, n.opts.copyTimeout(), func(lv *libvirt.Libvirt) error {
			base, err := lv.StorageVolLookupByName(pool, spec.Template.Volume)
			if err != nil {
				return err
			}
			doc, err := volumeXML(rootVolume(spec.UUID), uint64(spec.DiskGB)*gib, "qcow2")
			if err != nil {
				return err
			}
			root, err = lv.StorageVolCreateXMLFrom(pool, doc, base, 0)
			return err
		})
		if err != nil {
			return fmt.Errorf("clone template %s: %w", spec.Template.Volume, err)
		}
	}
	if caps.keepsVolumeData() {
		err = n.callFor(ctx, n.uploadTimeout(int64(len(seed))), func(lv *libvirt.Libvirt) error {
			if err := growVolume(lv, root, uint64(spec.DiskGB)*gib); err != nil {
				return err
			}
			return lv.StorageVolUpload(sv, bytes.NewReader(seed), 0, uint64(len(seed)), 0)
		})
		if err != nil {
			return err
		}
	}
	doc, err := domainXML(spec, cfg, caps, boot)
	if err != nil {
		return err
	}
	return n.call(ctx, func(lv *libvirt.Libvirt) error {
		dom, err := lv.DomainDefineXMLFlags(doc, 0)
		if err != nil {
			return err
		}
		return lv.DomainCreate(dom)
	})
}

// dropSnapshotMetadata forgets the domain's snapshots when its disk is about to
// be replaced: the old disk goes away with its internal snapshots, so the
// metadata is all there is to drop; drivers without that flag delete the whole
// snapshot.
func dropSnapshotMetadata(lv *libvirt.Libvirt, dom libvirt.Domain) error {
	snaps, _, err := lv.DomainListAllSnapshots(dom, 1, 0)
	if err != nil {
		return err
	}
	for _, s := range snaps {
		err := lv.DomainSnapshotDelete(s, libvirt.DomainSnapshotDeleteMetadataOnly)
		if isCode(err, libvirt.ErrInvalidArg) {
			err = lv.DomainSnapshotDelete(s, 0)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// growVolume enlarges vol to capacity bytes; it never shrinks.
func growVolume(lv *libvirt.Libvirt, vol libvirt.StorageVol, capacity uint64) error {
	_, current, _, err := lv.StorageVolGetInfo(vol)
	if err != nil || current >= capacity {
		return err
	}
	return lv.StorageVolResize(vol, capacity, 0)
}

func templateBootPaths(lv *libvirt.Libvirt, pool libvirt.StoragePool, t TemplateRef) (bootPaths, error) {
	var b bootPaths
	for _, p := range []struct {
		name string
		path *string
	}{{t.Kernel, &b.kernel}, {t.Initrd, &b.initrd}} {
		if p.name == "" {
			continue
		}
		vol, err := lv.StorageVolLookupByName(pool, p.name)
		if err != nil {
			return b, err
		}
		if *p.path, err = lv.StorageVolGetPath(vol); err != nil {
			return b, err
		}
	}
	return b, nil
}
