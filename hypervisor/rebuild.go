package hypervisor

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
)

// Rebuild gives an existing domain a fresh root disk from spec's template and a new
// seed, keeping its UUID, and starts it. Snapshots of the old disk are dropped.
func (n *Node) Rebuild(ctx context.Context, spec DomainSpec) error {
	if err := spec.validate(); err != nil {
		return err
	}
	caps, err := n.Capabilities(ctx)
	if err != nil {
		return err
	}
	err = n.onDomain(ctx, spec.UUID, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		if err := lv.DomainDestroy(dom); err != nil && !isCode(err, libvirt.ErrOperationInvalid) {
			return err
		}
		return dropSnapshotMetadata(lv, dom)
	})
	if err != nil {
		return wrapf(err, "rebuild %s", spec.UUID)
	}
	return wrapf(n.build(ctx, spec, caps, true), "rebuild %s", spec.UUID)
}
