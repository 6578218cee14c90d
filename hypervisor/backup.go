package hypervisor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// FinalBackupVolume is where a VM's disk is kept after it is deleted for
// non-payment: in the node's pool, beside the disks, until an operator restores
// or removes it.
func FinalBackupVolume(id string) string { return "final-" + id + ".qcow2" }

// BackupDisk copies a VM's root disk, whole, to FinalBackupVolume; an earlier
// copy of the same VM is replaced. The domain should be off, so the copy is
// consistent.
func (n *Node) BackupDisk(ctx context.Context, id string) (string, error) {
	name := FinalBackupVolume(id)
	return name, wrapf(n.copyDisk(ctx, id, name), "back up the disk of %s", id)
}

// Consistency says what a backup's disk image can be trusted for.
type Consistency string

const (
	// FSFrozen: the guest agent froze the guest's file systems for the instant
	// the backup's point in time was taken.
	FSFrozen Consistency = "fs-frozen"
	// CrashConsistent: taken from a running guest without its agent: what a
	// power cut would leave on the disk.
	CrashConsistent Consistency = "crash"
	// PoweredOff: the VM was off; its disk was at rest.
	PoweredOff Consistency = "powered-off"
)

// Backup is what a finished backup wrote.
type Backup struct {
	Consistency Consistency
	// Size is the bytes written to the sink: a qcow2 image of the root disk.
	Size int64
	// Capacity is the disk's virtual size, which a restore gives the new disk.
	Capacity uint64
	// SHA256 is the hex digest of the bytes written.
	SHA256 string
	// Took is how long Freeze took: the copy on the node, before the transfer.
	Took time.Duration
}

// BackupProgress is told how far the backup got, in bytes of the disk.
type BackupProgress func(done, total uint64)

// backupScratchVolume is where a running VM's backup job writes on its node,
// before the image leaves it.
func backupScratchVolume(id string) string { return "backup-" + id + ".qcow2" }

// Backup takes a backup of the VM's root disk and writes it, a qcow2 image,
// to w: Freeze, then Send.
func (n *Node) Backup(ctx context.Context, id string, w io.Writer, progress BackupProgress) (Backup, error) {
	b, err := n.Freeze(ctx, id, progress)
	if err != nil {
		return b, err
	}
	size, sum, err := n.Send(ctx, id, w)
	b.Size, b.SHA256 = size, sum
	return b, err
}

// Freeze makes the backup's image on the VM's node, in a scratch volume
// beside its disk, as the disk was at one instant. From a running VM it is
// live: libvirt's push-mode backup job copies the disk as it was when the job
// began while the guest keeps running, its file systems frozen by its agent
// for that instant when the agent answers. A VM that is off has its disk
// copied. Once Freeze returns, the VM may do anything: Send reads the scratch
// volume only. A failed Freeze leaves no scratch volume.
func (n *Node) Freeze(ctx context.Context, id string, progress BackupProgress) (Backup, error) {
	start := time.Now()
	var (
		b       Backup
		running bool
	)
	err := n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		var err error
		running, err = domainIsActive(lv, dom)
		if err != nil {
			return err
		}
		b.Capacity, err = rootCapacity(lv, n.Config(), id)
		return err
	})
	if err == nil && running {
		b.Consistency, err = n.backupJob(ctx, id, progress)
	} else if err == nil {
		b.Consistency = PoweredOff
		err = n.copyDisk(ctx, id, backupScratchVolume(id))
	}
	if err != nil {
		n.dropScratch(ctx, id)
		return b, wrapf(err, "back up %s", id)
	}
	b.Took = time.Since(start)
	if progress != nil {
		progress(b.Capacity, b.Capacity)
	}
	return b, nil
}

// Send streams the image Freeze made to w and removes it from the node,
// whatever happens; it returns the bytes written and their SHA-256. A failed
// Send has written a part of the image to w, which the caller throws away.
func (n *Node) Send(ctx context.Context, id string, w io.Writer) (int64, string, error) {
	defer n.dropScratch(ctx, id)
	h := sha256.New()
	size, err := n.DownloadVolume(ctx, backupScratchVolume(id), io.MultiWriter(w, h))
	if err != nil {
		return size, "", wrapf(err, "back up %s", id)
	}
	return size, hex.EncodeToString(h.Sum(nil)), nil
}

// copyDisk copies the VM's disk, whole, into volume on its node (replacing one
// of that name).
func (n *Node) copyDisk(ctx context.Context, id, volume string) error {
	cfg := n.Config()
	return n.callFor(ctx, n.opts.copyTimeout(), func(lv *libvirt.Libvirt) error {
		pool, root, capacity, err := besideDisk(lv, cfg, id, volume)
		if err != nil {
			return err
		}
		doc, err := volumeXML(volume, capacity, "qcow2")
		if err != nil {
			return err
		}
		_, err = lv.StorageVolCreateXMLFrom(pool, doc, root, 0)
		return err
	})
}

// besideDisk finds the VM's disk and its capacity, and clears the name
// volume beside it for a copy of it.
func besideDisk(lv *libvirt.Libvirt, cfg NodeConfig, id, volume string) (libvirt.StoragePool, libvirt.StorageVol, uint64, error) {
	pool, err := lv.StoragePoolLookupByName(cfg.Pool)
	if err != nil {
		return pool, libvirt.StorageVol{}, 0, err
	}
	root, err := lv.StorageVolLookupByName(pool, rootVolume(id))
	if err != nil {
		return pool, root, 0, err
	}
	_, capacity, _, err := lv.StorageVolGetInfo(root)
	if err != nil {
		return pool, root, 0, err
	}
	return pool, root, capacity, deleteVolume(lv, pool, volume)
}

// DropBackupScratch removes the image a Freeze made when no Send will take it.
func (n *Node) DropBackupScratch(ctx context.Context, id string) { n.dropScratch(ctx, id) }

// DropScratch removes what a backup or a restore of the VM cut short left
// beside its disk.
func (n *Node) DropScratch(ctx context.Context, id string) {
	n.dropScratch(ctx, id)
	if err := n.DeleteVolume(ctx, restoreScratchVolume(id)); err != nil {
		n.log.Warn("restore scratch volume left", "vm", id, "err", err)
	}
}

// dropScratch removes a backup's scratch volume, on its own time: it runs
// after failures too, when ctx may be over.
func (n *Node) dropScratch(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.opts.copyTimeout())
	defer cancel()
	if err := n.DeleteVolume(ctx, backupScratchVolume(id)); err != nil {
		n.log.Warn("backup scratch volume left", "vm", id, "err", err)
	}
}

// backupJob runs libvirt's push-mode backup of the root disk into the scratch
// volume and waits for it to end.
func (n *Node) backupJob(ctx context.Context, id string, progress BackupProgress) (Consistency, error) {
	cfg := n.Config()
	consistency := CrashConsistent
	err := n.onDomainFor(ctx, n.opts.copyTimeout(), id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		pool, root, capacity, err := besideDisk(lv, cfg, id, backupScratchVolume(id))
		if err != nil {
			return err
		}
		doc, err := volumeXML(backupScratchVolume(id), capacity, "qcow2")
		if err != nil {
			return err
		}
		scratch, err := lv.StorageVolCreateXML(pool, doc, 0)
		if err != nil {
			return err
		}
		path, err := lv.StorageVolGetPath(scratch)
		if err != nil {
			return err
		}
		rootPath, err := lv.StorageVolGetPath(root)
		if err != nil {
			return err
		}
		live, err := liveDefinition(lv, dom)
		if err != nil {
			return err
		}
		backupDoc, err := backupXML(live, rootPath, path)
		if err != nil {
			return err
		}
		// The backup's instant is when the job starts: the file systems are
		// frozen around that call only, so the guest barely notices.
		if frozen, ferr := lv.DomainFsfreeze(dom, nil, 0); ferr == nil {
			defer func() {
				if _, terr := lv.DomainFsthaw(dom, nil, 0); terr != nil {
					n.log.Warn("guest file systems not thawed", "vm", id, "err", terr)
				}
			}()
			// An agent with no file system to freeze answers 0: nothing
			// was held still, so the backup is no more than crash-consistent.
			if frozen > 0 {
				consistency = FSFrozen
			}
		}
		return lv.DomainBackupBegin(dom, backupDoc, libvirt.OptString{}, libvirt.DomainBackupBeginReuseExternal)
	})
	if err != nil {
		return "", err
	}
	return consistency, n.awaitBackupJob(ctx, id, progress)
}

// awaitBackupJob polls the domain's job until it ends; ctx ending aborts it.
func (n *Node) awaitBackupJob(ctx context.Context, id string, progress BackupProgress) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = n.onDomain(context.WithoutCancel(ctx), id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
				return lv.DomainAbortJob(dom)
			})
			return ctx.Err()
		case <-tick.C:
		}
		var (
			typ    int32
			params []libvirt.TypedParam
		)
		err := n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) (err error) {
			typ, params, err = lv.DomainGetJobStats(dom, 0)
			if err != nil || libvirt.DomainJobType(typ) != libvirt.DomainJobNone {
				return err
			}
			// The job is over: its completed record says how it ended.
			typ, params, err = lv.DomainGetJobStats(dom, libvirt.DomainJobStatsCompleted|libvirt.DomainJobStatsKeepCompleted)
			return err
		})
		if err != nil {
			return err
		}
		switch libvirt.DomainJobType(typ) {
		case libvirt.DomainJobCompleted:
			return nil
		case libvirt.DomainJobFailed, libvirt.DomainJobCancelled, libvirt.DomainJobNone:
			msg := paramString(params, "errmsg")
			if msg == "" {
				msg = "the backup job ended without completing"
			}
			return errors.New(msg)
		}
		if progress != nil {
			if total := paramUint(params, "disk_total"); total > 0 {
				progress(paramUint(params, "disk_processed"), total)
			}
		}
	}
}

// backupXML asks for a push-mode backup of the disk at rootPath into target
// (qcow2, made beforehand), and of no other disk. (libvirtxml has no type for
// <domainbackup>.)
func backupXML(live libvirtxml.Domain, rootPath, target string) (string, error) {
	type driver struct {
		Type string `xml:"type,attr"`
	}
	type file struct {
		File string `xml:"file,attr"`
	}
	type disk struct {
		Name   string  `xml:"name,attr"`
		Backup string  `xml:"backup,attr"`
		Type   string  `xml:"type,attr,omitempty"`
		Driver *driver `xml:"driver"`
		Target *file   `xml:"target"`
	}
	var doc struct {
		XMLName xml.Name `xml:"domainbackup"`
		Mode    string   `xml:"mode,attr"`
		Disks   []disk   `xml:"disks>disk"`
	}
	doc.Mode = "push"
	found := false
	for _, d := range live.Devices.Disks {
		if d.Target == nil {
			continue
		}
		dk := disk{Name: d.Target.Dev, Backup: "no"}
		if d.Source != nil && d.Source.File != nil && d.Source.File.File == rootPath ||
			d.Source != nil && d.Source.Volume != nil && strings.HasSuffix(rootPath, "/"+d.Source.Volume.Volume) {
			found = true
			dk.Backup, dk.Type = "yes", "file"
			dk.Driver, dk.Target = &driver{Type: "qcow2"}, &file{File: target}
		}
		doc.Disks = append(doc.Disks, dk)
	}
	if !found {
		return "", fmt.Errorf("%w: the VM's disk %s is not attached", ErrConflict, rootPath)
	}
	out, err := xml.Marshal(doc)
	return string(out), err
}

func liveDefinition(lv *libvirt.Libvirt, dom libvirt.Domain) (libvirtxml.Domain, error) {
	var d libvirtxml.Domain
	doc, err := lv.DomainGetXMLDesc(dom, 0)
	if err == nil {
		err = d.Unmarshal(doc)
	}
	if err == nil && d.Devices == nil {
		err = errors.New("the domain has no devices")
	}
	return d, err
}

func rootCapacity(lv *libvirt.Libvirt, cfg NodeConfig, id string) (uint64, error) {
	pool, err := lv.StoragePoolLookupByName(cfg.Pool)
	if err != nil {
		return 0, err
	}
	root, err := lv.StorageVolLookupByName(pool, rootVolume(id))
	if err != nil {
		return 0, err
	}
	_, capacity, _, err := lv.StorageVolGetInfo(root)
	return capacity, err
}

func paramUint(params []libvirt.TypedParam, field string) uint64 {
	for _, p := range params {
		if p.Field == field {
			switch v := p.Value.I.(type) {
			case uint64:
				return v
			case int64:
				return uint64(v)
			case uint32:
				return uint64(v)
			case int32:
				return uint64(v)
			}
		}
	}
	return 0
}

func paramString(params []libvirt.TypedParam, field string) string {
	for _, p := range params {
		if p.Field == field {
			if s, ok := p.Value.I.(string); ok {
				return s
			}
		}
	}
	return ""
}
