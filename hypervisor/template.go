package hypervisor

import (
	"context"
	"fmt"
	"io"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
)

// ImportTemplate stores r (size bytes of a disk image in format, "qcow2" or "raw", or
// a kernel or initrd as "raw") as volume in the node's pool, creating the pool when
// missing. A volume that already exists is left as it is, so callers name template
// volumes by version.
func (n *Node) ImportTemplate(ctx context.Context, volume string, r io.Reader, size int64, format string) error {
	caps, err := n.Capabilities(ctx)
	if err != nil {
		return err
	}
	cfg := n.Config()
	var (
		pool   libvirt.StoragePool
		vol    libvirt.StorageVol
		exists bool
	)
	err = n.call(ctx, func(lv *libvirt.Libvirt) (err error) {
		if pool, err = ensurePool(lv, cfg); err != nil {
			return err
		}
		if _, exists, err = lookupVolume(lv, pool, volume); err != nil || exists {
			return err
		}
		// Created raw with the file's exact size so the upload fills it completely;
		// the pool refresh below then probes the real format from the contents.
		doc, err := volumeXML(volume, uint64(size), "raw")
		if err != nil {
			return err
		}
		vol, err = lv.StorageVolCreateXML(pool, doc, 0)
		return err
	})
	if err != nil || exists {
		return wrapf(err, "import template %s", volume)
	}
	if caps.keepsVolumeData() {
		err = n.callFor(ctx, n.uploadTimeout(size), func(lv *libvirt.Libvirt) error {
			return lv.StorageVolUpload(vol, io.LimitReader(r, size), 0, uint64(size), 0)
		})
	}
	if err == nil {
		err = n.call(ctx, func(lv *libvirt.Libvirt) error { return lv.StoragePoolRefresh(pool, 0) })
	}
	if err != nil {
		// A half-written template must not pass for a good one on the next import.
		n.call(context.WithoutCancel(ctx), func(lv *libvirt.Libvirt) error { return lv.StorageVolDelete(vol, 0) })
		return wrapf(err, "upload template %s", volume)
	}
	return nil
}

// uploadTimeout allows for a slow link: the copy timeout plus a second per 10 MB.
func (n *Node) uploadTimeout(size int64) time.Duration {
	return n.opts.copyTimeout() + time.Duration(size/10e6)*time.Second
}

func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
