package hypervisor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// moveCold shuts the VM down, copies its volumes and snapshots to the target,
// defines it there and starts it if it ran; then it removes the VM from n. A
// failure before the VM is whole on the target removes it there and starts it
// again on n.
func (n *Node) moveCold(ctx context.Context, to *Node, p *movePlan, opts MigrateOptions, res *MigrateResult) error {
	var stopped time.Time
	if p.running {
		stopped = time.Now()
		if err := n.stopForMove(ctx, p.id, opts.ShutdownTimeout); err != nil {
			return n.undoCold(ctx, to, p, false, res, fmt.Errorf("shut down: %w", err))
		}
	}
	started, err := n.coldCopy(ctx, to, p, opts, res)
	if err != nil {
		return n.undoCold(ctx, to, p, started, res, err)
	}
	if p.running {
		res.Downtime = time.Since(stopped)
	}
	res.SourceDirty = n.dropMoved(ctx, p.id)
	return nil
}

// stopForMove powers the guest down: gracefully while it runs, at once when
// it is paused or suspended (it cannot hear the power button then).
func (n *Node) stopForMove(ctx context.Context, id string, deadline time.Duration) error {
	var paused bool
	err := n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		s, _, err := lv.DomainGetState(dom, 0)
		paused = libvirt.DomainState(s) == libvirt.DomainPaused || libvirt.DomainState(s) == libvirt.DomainPmsuspended
		return err
	})
	if err != nil {
		return err
	}
	if paused {
		return n.PowerOff(ctx, id)
	}
	return n.Shutdown(ctx, id, deadline)
}

// coldCopy makes the VM on the target from n's copy. started says whether it
// got as far as asking the target to start the VM.
func (n *Node) coldCopy(ctx context.Context, to *Node, p *movePlan, opts MigrateOptions, res *MigrateResult) (started bool, err error) {
	fromCaps, err := n.Capabilities(ctx)
	if err != nil {
		return false, err
	}
	var copied []volumeCopy
	for _, name := range p.owned {
		c, err := n.volumeToCopy(ctx, name)
		if err != nil {
			return false, err
		}
		copied = append(copied, c)
	}
	var total, done uint64
	for _, c := range copied {
		total += uint64(c.size)
	}
	start := time.Now()
	for _, c := range copied {
		if !fromCaps.keepsVolumeData() || !p.toCaps.keepsVolumeData() {
			err = to.makeVolume(ctx, c.name, c.capacity, c.format, "")
		} else {
			base := done
			err = n.copyVolume(ctx, to, c, func(k int64) {
				if opts.Progress != nil {
					opts.Progress(base+uint64(k), total)
				}
			})
		}
		if err != nil {
			return false, fmt.Errorf("copy %s: %w", c.name, err)
		}
		done += uint64(c.size)
		res.Bytes += uint64(c.size)
	}
	res.Copying = time.Since(start)
	def := p.def
	if err := p.retarget(&def, p.toCaps.DomainType); err != nil {
		return false, err
	}
	doc, err := def.Marshal()
	if err != nil {
		return false, err
	}
	snaps, err := n.snapshotDefinitions(ctx, p)
	if err != nil {
		return false, err
	}
	err = to.onDomain(ctx, p.id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		if _, err := lv.DomainDefineXMLFlags(doc, 0); err != nil {
			return err
		}
		for _, s := range snaps {
			if _, err := lv.DomainSnapshotCreateXML(dom, s.doc, uint32(s.flags)); err != nil {
				return fmt.Errorf("snapshot %s: %w", s.name, err)
			}
		}
		return nil
	})
	if err != nil || !p.running {
		return false, err
	}
	return true, to.Start(ctx, p.id)
}

// snapshot is a snapshot's definition as the target takes it back.
type snapshotDef struct {
	name  string
	doc   string
	flags libvirt.DomainSnapshotCreateFlags
}

// snapshotDefinitions reads the VM's snapshots, parents first, rewritten for
// the target. Their data is inside the disk, which travels whole; libvirt
// keeps only their definitions apart, and takes them back with REDEFINE.
func (n *Node) snapshotDefinitions(ctx context.Context, p *movePlan) ([]snapshotDef, error) {
	var out []snapshotDef
	err := n.onDomain(ctx, p.id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		snaps, _, err := lv.DomainListAllSnapshots(dom, 1, uint32(libvirt.DomainSnapshotListTopological))
		if err != nil {
			return err
		}
		current := ""
		if cur, err := lv.DomainSnapshotCurrent(dom, 0); err == nil {
			current = cur.Name
		} else if !isCode(err, libvirt.ErrNoDomainSnapshot) {
			return err
		}
		for _, s := range snaps {
			doc, err := lv.DomainSnapshotGetXMLDesc(s, uint32(libvirt.DomainSnapshotXMLSecure))
			if err != nil {
				return err
			}
			var d libvirtxml.DomainSnapshot
			if err := d.Unmarshal(doc); err != nil {
				return err
			}
			if err := p.retargetSnapshot(&d); err != nil {
				return err
			}
			if doc, err = d.Marshal(); err != nil {
				return err
			}
			flags := libvirt.DomainSnapshotCreateRedefine
			if s.Name == current {
				flags |= libvirt.DomainSnapshotCreateCurrent
			}
			out = append(out, snapshotDef{name: s.Name, doc: doc, flags: flags})
		}
		return nil
	})
	return out, err
}

// undoCold takes a failed cold move back: what the target holds of the VM
// goes, and the VM runs again on n if it ran. When the target was asked to
// start the VM and cannot now say that it does not run it, n leaves it off:
// two copies of one VM on the network are worse than a stopped one.
func (n *Node) undoCold(ctx context.Context, to *Node, p *movePlan, started bool, res *MigrateResult, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.opts.copyTimeout())
	defer cancel()
	if err := to.Delete(ctx, p.id); err != nil {
		res.TargetDirty = true
		n.log.Warn("a failed move's rest left on the target", "vm", p.id, "target", p.to.Name, "err", err)
		if started {
			res.Unsettled = true
			return fmt.Errorf("%w (%w); %w", cause, err, errUnsettled)
		}
	}
	if !p.running {
		return cause
	}
	if err := n.Start(ctx, p.id); err != nil && !errors.Is(err, ErrInvalidState) {
		return fmt.Errorf("%w; and the VM did not start again where it was: %w", cause, err)
	}
	return cause
}

// volumeCopy is one volume to copy: its bytes on the node (a qcow2 file's
// size, not the disk's) and what the target needs to make it.
type volumeCopy struct {
	name     string
	size     int64
	capacity uint64
	format   string
}

func (n *Node) volumeToCopy(ctx context.Context, name string) (volumeCopy, error) {
	c := volumeCopy{name: name}
	cfg := n.Config()
	err := n.call(ctx, func(lv *libvirt.Libvirt) error {
		pool, err := lv.StoragePoolLookupByName(cfg.Pool)
		if err != nil {
			return err
		}
		vol, err := lv.StorageVolLookupByName(pool, name)
		if err != nil {
			return err
		}
		_, capacity, physical, err := lv.StorageVolGetInfoFlags(vol, uint32(libvirt.StorageVolGetPhysical))
		if isCode(err, libvirt.ErrNoSupport) {
			// The test driver keeps records only: no file, no bytes to copy.
			_, capacity, physical, err = lv.StorageVolGetInfo(vol)
		}
		if err != nil {
			return err
		}
		c.size, c.capacity = int64(physical), capacity
		doc, err := lv.StorageVolGetXMLDesc(vol, 0)
		if err != nil {
			return err
		}
		var v libvirtxml.StorageVolume
		if err := v.Unmarshal(doc); err != nil {
			return err
		}
		c.format = "raw"
		if v.Target != nil && v.Target.Format != nil && v.Target.Format.Type != "" {
			c.format = v.Target.Format.Type
		}
		return nil
	})
	return c, err
}

// copyVolume copies a volume from n to the same name in to's pool, each end on
// a connection of its own, and reads the copy back: it succeeds only when the
// target holds the bytes the source held (SHA-256). The copy is made raw and
// exactly as long as the file, so no byte of an older file stays behind it;
// the pool's refresh then finds its format. A failed copy leaves nothing.
func (n *Node) copyVolume(ctx context.Context, to *Node, c volumeCopy, progress func(int64)) error {
	// A stream that stalls (seen, rarely, on a machine loaded far beyond its
	// cores; libvirt's stream that never starts) is tried again whole, on new
	// connections and a new pipe, up to copyTries; past them, or on any other
	// failure, the move fails and is undone instead of held.
	ctx, cancel := context.WithTimeout(ctx, 2*n.uploadTimeout(c.size))
	defer cancel()
	var err error
	for try := 1; try <= copyTries; try++ {
		if err = n.copyVolumeOnce(ctx, to, c, progress); !errors.Is(err, errStalled) {
			return err
		}
		n.log.Warn("a volume's copy stalled; trying again", "volume", c.name, "to", to.Config().Name, "try", try)
	}
	return err
}

// copyTries bounds the tries of one volume's copy that stall.
const copyTries = 3

func (n *Node) copyVolumeOnce(ctx context.Context, to *Node, c volumeCopy, progress func(int64)) error {
	pr, pw := io.Pipe()
	sent := sha256.New()
	got := make(chan int64, 1)
	go func() {
		k, err := n.DownloadVolume(ctx, c.name, io.MultiWriter(pw, sent))
		pw.CloseWithError(err)
		got <- k
	}()
	err := to.UploadVolume(ctx, c.name, &countingReader{r: pr, report: progress}, c.size, uint64(c.size), "raw")
	pr.CloseWithError(errors.New("the upload ended"))
	read := <-got
	if err == nil && read != c.size {
		err = fmt.Errorf("read %d bytes of %d", read, c.size)
	}
	if err == nil {
		err = to.call(ctx, func(lv *libvirt.Libvirt) error {
			pool, err := lv.StoragePoolLookupByName(to.Config().Pool)
			if err != nil {
				return err
			}
			return lv.StoragePoolRefresh(pool, 0)
		})
	}
	if err == nil {
		back := sha256.New()
		var k int64
		if k, err = to.DownloadVolume(ctx, c.name, back); err == nil {
			want, have := hex.EncodeToString(sent.Sum(nil)), hex.EncodeToString(back.Sum(nil))
			if k != c.size || want != have {
				err = fmt.Errorf("%w: the copy reads back as %d bytes with sha256 %s, not %d with %s",
					ErrConflict, k, have, c.size, want)
			}
		}
	}
	if err != nil {
		_ = to.DeleteVolume(context.WithoutCancel(ctx), c.name)
	}
	return err
}

// makeVolume makes an empty volume on the node (replacing one of that name).
// compat "1.1" makes a qcow2 v3 image, which keeps zeroes written to it as
// metadata instead of data.
func (n *Node) makeVolume(ctx context.Context, name string, capacity uint64, format, compat string) error {
	cfg := n.Config()
	return n.call(ctx, func(lv *libvirt.Libvirt) error {
		pool, err := ensurePool(lv, cfg)
		if err != nil {
			return err
		}
		if err := deleteVolume(lv, pool, name); err != nil {
			return err
		}
		v := libvirtxml.StorageVolume{
			Name:     name,
			Capacity: &libvirtxml.StorageVolumeSize{Value: capacity, Unit: "bytes"},
			Target: &libvirtxml.StorageVolumeTarget{
				Format: &libvirtxml.StorageVolumeTargetFormat{Type: format}, Compat: compat},
		}
		doc, err := v.Marshal()
		if err != nil {
			return err
		}
		_, err = lv.StorageVolCreateXML(pool, doc, 0)
		return err
	})
}
