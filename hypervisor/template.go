package hypervisor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// UploadTemplate stores an operator's image as volume, replacing any volume of
// that name (a half upload an earlier process left behind), and reads it back:
// it succeeds only when what the node holds has sha256 (hex) as its checksum.
// progress, when set, hears how many bytes went up so far. On failure the volume
// is deleted, so no VM can be cloned from a partial image.
func (n *Node) UploadTemplate(ctx context.Context, volume string, r io.Reader, size int64, sha256hex string, progress func(int64)) error {
	if err := n.DeleteVolume(ctx, volume); err != nil {
		return err
	}
	if progress != nil {
		r = &countingReader{r: r, report: progress}
	}
	if err := n.ImportTemplate(ctx, volume, r, size, "raw"); err != nil {
		return err
	}
	caps, err := n.Capabilities(ctx)
	if err != nil || !caps.keepsVolumeData() {
		return err
	}
	sum, err := n.volumeChecksum(ctx, volume, size)
	if err == nil && sum != sha256hex {
		err = fmt.Errorf("the node holds an image with checksum %s, not %s", sum, sha256hex)
	}
	if err != nil {
		_ = n.DeleteVolume(context.WithoutCancel(ctx), volume)
		return wrapf(err, "verify template %s", volume)
	}
	return nil
}

// volumeChecksum reads size bytes of a volume back and hashes them.
func (n *Node) volumeChecksum(ctx context.Context, volume string, size int64) (string, error) {
	cfg := n.Config()
	h := sha256.New()
	err := n.callFor(ctx, n.uploadTimeout(size), func(lv *libvirt.Libvirt) error {
		pool, err := ensurePool(lv, cfg)
		if err != nil {
			return err
		}
		vol, ok, err := lookupVolume(lv, pool, volume)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: volume %s", ErrNotFound, volume)
		}
		return lv.StorageVolDownload(vol, h, 0, uint64(size), 0)
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// DeleteVolume removes a volume of the node's pool; a missing one is no error.
func (n *Node) DeleteVolume(ctx context.Context, volume string) error {
	cfg := n.Config()
	err := n.call(ctx, func(lv *libvirt.Libvirt) error {
		pool, err := ensurePool(lv, cfg)
		if err != nil {
			return err
		}
		vol, ok, err := lookupVolume(lv, pool, volume)
		if err != nil || !ok {
			return err
		}
		return lv.StorageVolDelete(vol, 0)
	})
	return wrapf(err, "delete volume %s", volume)
}

type countingReader struct {
	r      io.Reader
	n      int64
	report func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.report(c.n)
	return n, err
}
