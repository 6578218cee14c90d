package hypervisor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	libvirt "github.com/digitalocean/go-libvirt"
)

// DiskImage is a backup's disk image, to become a VM's disk: a qcow2 image of
// Size bytes for a disk of Capacity bytes, read from Open. When SHA256 is set,
// an image whose bytes do not match it is refused before it replaces anything.
type DiskImage struct {
	Size     int64
	Capacity uint64
	SHA256   string
	Open     func(ctx context.Context) (io.ReadCloser, error)
	// Progress, when set, hears how many of Size bytes have arrived.
	Progress BackupProgress
}

// restoreScratchVolume is where a backup lands on the VM's node before it
// takes the place of the VM's disk.
func restoreScratchVolume(id string) string { return "restore-" + id + ".qcow2" }

// RestoreDisk gives a VM that is off the disk of a backup. The image is
// uploaded beside the VM's disk first and takes its place only once it is
// whole, so a restore that fails on the way leaves the VM as it was. The old
// disk's snapshots go with it. A disk smaller than the VM's present one is
// grown to it (the plan may have grown since the backup).
func (n *Node) RestoreDisk(ctx context.Context, id string, img DiskImage) error {
	cfg := n.Config()
	var current uint64
	err := n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		active, err := domainIsActive(lv, dom)
		if err != nil {
			return err
		}
		if active {
			return fmt.Errorf("%w: the VM must be off to restore its disk", ErrInvalidState)
		}
		current, err = rootCapacity(lv, cfg, id)
		return err
	})
	if err != nil {
		return wrapf(err, "restore %s", id)
	}
	err = n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		return dropSnapshotMetadata(lv, dom)
	})
	if err == nil {
		err = n.placeImage(ctx, id, img, current)
	}
	return wrapf(err, "restore %s", id)
}

// placeImage makes img the VM's disk, at least minCapacity bytes large: the
// image is uploaded beside the disk, and only once it is whole does a copy of
// it replace the disk.
func (n *Node) placeImage(ctx context.Context, id string, img DiskImage, minCapacity uint64) error {
	cfg := n.Config()
	scratch := restoreScratchVolume(id)
	if err := n.uploadImage(ctx, scratch, img); err != nil {
		return err
	}
	defer n.DeleteVolume(context.WithoutCancel(ctx), scratch)
	return n.callFor(ctx, n.opts.copyTimeout(), func(lv *libvirt.Libvirt) error {
		pool, err := lv.StoragePoolLookupByName(cfg.Pool)
		if err != nil {
			return err
		}
		src, err := lv.StorageVolLookupByName(pool, scratch)
		if err != nil {
			return err
		}
		if err := deleteVolume(lv, pool, rootVolume(id)); err != nil {
			return err
		}
		doc, err := volumeXML(rootVolume(id), img.Capacity, "qcow2")
		if err != nil {
			return err
		}
		root, err := lv.StorageVolCreateXMLFrom(pool, doc, src, 0)
		if err != nil {
			return err
		}
		return growVolume(lv, root, minCapacity)
	})
}

// uploadImage puts a backup's image into the pool as volume, checking its
// checksum on the way.
func (n *Node) uploadImage(ctx context.Context, volume string, img DiskImage) error {
	r, err := img.Open(ctx)
	if err != nil {
		return fmt.Errorf("open the backup: %w", err)
	}
	defer r.Close()
	h := sha256.New()
	var read int64
	src := io.TeeReader(&countingReader{r: r, report: func(n int64) {
		read = n
		if img.Progress != nil {
			img.Progress(uint64(n), uint64(max(img.Size, 1)))
		}
	}}, h)
	if err := n.UploadVolume(ctx, volume, src, img.Size, img.Capacity, "qcow2"); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); img.SHA256 != "" && (got != img.SHA256 || read != img.Size) {
		_ = n.DeleteVolume(context.WithoutCancel(ctx), volume)
		return fmt.Errorf("%w: the backup read back is not the one taken (%d bytes, sha256 %s; want %d, %s)",
			ErrConflict, read, got, img.Size, img.SHA256)
	}
	return nil
}
