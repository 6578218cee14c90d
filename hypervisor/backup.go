package hypervisor

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
)

// FinalBackupVolume is where a VM's disk is kept after it is deleted for
// non-payment: in the node's pool, beside the disks, until an operator restores
// or removes it.
func FinalBackupVolume(id string) string { return "final-" + id + ".qcow2" }

// BackupDisk copies a VM's root disk, whole, to FinalBackupVolume; an earlier
// copy of the same VM is replaced. The domain should be off, so the copy is
// consistent.
func (n *Node) BackupDisk(ctx context.Context, id string) (string, error) {
	cfg := n.Config()
	name := FinalBackupVolume(id)
	err := n.callFor(ctx, n.opts.copyTimeout(), func(lv *libvirt.Libvirt) error {
		pool, err := lv.StoragePoolLookupByName(cfg.Pool)
		if err != nil {
			return err
		}
		root, err := lv.StorageVolLookupByName(pool, rootVolume(id))
		if err != nil {
			return err
		}
		_, capacity, _, err := lv.StorageVolGetInfo(root)
		if err != nil {
			return err
		}
		if err := deleteVolume(lv, pool, name); err != nil {
			return err
		}
		doc, err := volumeXML(name, capacity, "qcow2")
		if err != nil {
			return err
		}
		_, err = lv.StorageVolCreateXMLFrom(pool, doc, root, 0)
		return err
	})
	return name, wrapf(err, "back up the disk of %s", id)
}
