package hypervisor

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
)

// undefineFlags drop what libvirt keeps beside the definition, so undefine never
// refuses a domain that has snapshots or a saved state.
const undefineFlags = libvirt.DomainUndefineManagedSave | libvirt.DomainUndefineSnapshotsMetadata |
	libvirt.DomainUndefineNvram

// Delete destroys and undefines the domain and removes its root disk and seed. A
// domain or volume already gone is not an error, so Delete can be repeated.
func (n *Node) Delete(ctx context.Context, id string) error {
	cfg := n.Config()
	err := n.call(ctx, func(lv *libvirt.Libvirt) error {
		dom, err := lookupDomain(lv, id)
		if err == nil {
			if err := lv.DomainDestroy(dom); err != nil && !isCode(err, libvirt.ErrOperationInvalid, libvirt.ErrNoDomain) {
				return err
			}
			err := lv.DomainUndefineFlags(dom, undefineFlags)
			if isCode(err, libvirt.ErrInvalidArg) {
				// Drivers without firmware variables (the test driver) refuse the flag.
				err = lv.DomainUndefineFlags(dom, undefineFlags&^libvirt.DomainUndefineNvram)
			}
			if err != nil && !isCode(err, libvirt.ErrNoDomain) {
				return err
			}
		} else if !isCode(err, libvirt.ErrNoDomain) {
			return err
		}
		pool, err := lv.StoragePoolLookupByName(cfg.Pool)
		if isCode(err, libvirt.ErrNoStoragePool) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := deleteVolume(lv, pool, rootVolume(id)); err != nil {
			return err
		}
		if err := deleteVolume(lv, pool, rescueSeedVolume(id)); err != nil {
			return err
		}
		return deleteVolume(lv, pool, seedVolume(id))
	})
	return wrapf(err, "delete %s", id)
}
