package hypervisor

import (
	"context"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

const gib = 1 << 30

// pool returns the node's storage pool, defining and starting it as a directory pool
// under PoolPath when it is missing.
func ensurePool(lv *libvirt.Libvirt, cfg NodeConfig) (libvirt.StoragePool, error) {
	pool, err := lv.StoragePoolLookupByName(cfg.Pool)
	if isCode(err, libvirt.ErrNoStoragePool) {
		def := libvirtxml.StoragePool{
			Type:   "dir",
			Name:   cfg.Pool,
			Target: &libvirtxml.StoragePoolTarget{Path: cfg.PoolPath},
		}
		doc, merr := def.Marshal()
		if merr != nil {
			return pool, merr
		}
		if pool, err = lv.StoragePoolDefineXML(doc, 0); err != nil {
			return pool, err
		}
		if err = lv.StoragePoolBuild(pool, 0); err != nil {
			return pool, err
		}
		if err = lv.StoragePoolSetAutostart(pool, 1); err != nil {
			return pool, err
		}
	} else if err != nil {
		return pool, err
	}
	active, err := lv.StoragePoolIsActive(pool)
	if err != nil || active == 1 {
		return pool, err
	}
	return pool, lv.StoragePoolCreate(pool, 0)
}

// lookupVolume returns the volume, or ok=false when the pool has none by that name.
func lookupVolume(lv *libvirt.Libvirt, pool libvirt.StoragePool, name string) (libvirt.StorageVol, bool, error) {
	vol, err := lv.StorageVolLookupByName(pool, name)
	if isCode(err, libvirt.ErrNoStorageVol) {
		return vol, false, nil
	}
	return vol, err == nil, err
}

func deleteVolume(lv *libvirt.Libvirt, pool libvirt.StoragePool, name string) error {
	vol, ok, err := lookupVolume(lv, pool, name)
	if !ok {
		return err
	}
	if err := lv.StorageVolDelete(vol, 0); err != nil && !isCode(err, libvirt.ErrNoStorageVol) {
		return err
	}
	return nil
}

func volumeXML(name string, capacity uint64, format string) (string, error) {
	v := libvirtxml.StorageVolume{
		Name:     name,
		Capacity: &libvirtxml.StorageVolumeSize{Value: capacity, Unit: "bytes"},
		Target:   &libvirtxml.StorageVolumeTarget{Format: &libvirtxml.StorageVolumeTargetFormat{Type: format}},
	}
	return v.Marshal()
}

// Volumes lists the names of the volumes in the node's pool.
func (n *Node) Volumes(ctx context.Context) ([]string, error) {
	cfg := n.Config()
	var names []string
	err := n.call(ctx, func(lv *libvirt.Libvirt) error {
		pool, err := lv.StoragePoolLookupByName(cfg.Pool)
		if err != nil {
			return err
		}
		if err := lv.StoragePoolRefresh(pool, 0); err != nil {
			return err
		}
		vols, _, err := lv.StoragePoolListAllVolumes(pool, 1, 0)
		for _, v := range vols {
			names = append(names, v.Name)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list volumes of %s: %w", cfg.Pool, err)
	}
	return names, nil
}
