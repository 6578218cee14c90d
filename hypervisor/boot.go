package hypervisor

import (
	"bytes"
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
)

// SetBoot redefines a built domain to boot as spec.Boot says (its own disk, an
// ISO, or the rescue system) and starts it afresh: a running guest is powered
// off first, as a reset would, since a disk layout cannot change under it. For
// rescue, spec's seed fields describe the rescue system, which gets a seed of
// its own; the VM's own seed is left as it was.
func (n *Node) SetBoot(ctx context.Context, spec DomainSpec) error {
	if err := spec.validate(); err != nil {
		return err
	}
	caps, err := n.Capabilities(ctx)
	if err != nil {
		return err
	}
	cfg := n.Config()
	var boot bootPaths
	err = n.call(ctx, func(lv *libvirt.Libvirt) error {
		pool, err := lv.StoragePoolLookupByName(cfg.Pool)
		if err != nil {
			return err
		}
		for _, v := range []string{spec.Boot.ISO, spec.Boot.Rescue} {
			if v == "" {
				continue
			}
			if _, ok, err := lookupVolume(lv, pool, v); err != nil || !ok {
				return wrapf(orNotFound(err, ok), "volume %s", v)
			}
		}
		if spec.Boot.Rescue == "" {
			boot, err = templateBootPaths(lv, pool, spec.Template)
		}
		return err
	})
	if err != nil {
		return wrapf(err, "boot %s", spec.UUID)
	}
	if spec.Boot.Rescue != "" {
		seed, err := seedISO(spec)
		if err != nil {
			return err
		}
		if err := n.putVolume(ctx, caps, rescueSeedVolume(spec.UUID), seed); err != nil {
			return wrapf(err, "rescue seed of %s", spec.UUID)
		}
	}
	doc, err := domainXML(spec, cfg, caps, boot)
	if err != nil {
		return err
	}
	err = n.onDomain(ctx, spec.UUID, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		if err := lv.DomainDestroy(dom); err != nil && !isCode(err, libvirt.ErrOperationInvalid) {
			return err
		}
		dom, err := lv.DomainDefineXMLFlags(doc, 0)
		if err != nil {
			return err
		}
		return lv.DomainCreate(dom)
	})
	return wrapf(err, "boot %s", spec.UUID)
}

func orNotFound(err error, ok bool) error {
	if err == nil && !ok {
		return ErrNotFound
	}
	return err
}

// putVolume writes data as a raw volume of the pool, replacing one of that name.
func (n *Node) putVolume(ctx context.Context, caps Caps, name string, data []byte) error {
	cfg := n.Config()
	var vol libvirt.StorageVol
	err := n.call(ctx, func(lv *libvirt.Libvirt) error {
		pool, err := lv.StoragePoolLookupByName(cfg.Pool)
		if err != nil {
			return err
		}
		if err := deleteVolume(lv, pool, name); err != nil {
			return err
		}
		doc, err := volumeXML(name, uint64(len(data)), "raw")
		if err != nil {
			return err
		}
		vol, err = lv.StorageVolCreateXML(pool, doc, 0)
		return err
	})
	if err != nil || !caps.keepsVolumeData() {
		return err
	}
	return n.callFor(ctx, n.uploadTimeout(int64(len(data))), func(lv *libvirt.Libvirt) error {
		return lv.StorageVolUpload(vol, bytes.NewReader(data), 0, uint64(len(data)), 0)
	})
}
