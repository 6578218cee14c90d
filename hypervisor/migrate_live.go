package hypervisor

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// liveFlags: n's libvirtd hands the guest to the target's itself (peer to
// peer), copying the disk beside the memory; the target keeps the definition
// and the source drops it only once the guest runs there. The copy is not
// tunnelled through the daemons: libvirt 9 refuses a tunnelled migration that
// copies storage with a QEMU of blockdev times ("not supported with tunnelled
// migration and this QEMU"), so QEMU sends memory and disk to the target's
// MigrationAddress itself. A guest that dirties memory faster than the link
// carries it is slowed until the copy catches up (auto-converge).
const liveFlags = libvirt.MigrateLive | libvirt.MigratePeer2peer | libvirt.MigratePersistDest |
	libvirt.MigrateUndefineSource | libvirt.MigrateNonSharedDisk | libvirt.MigrateAbortOnError |
	libvirt.MigrateAutoConverge

// migrateLive moves the running VM with libvirt's live migration. Its seed,
// read-only, is not part of the storage copy: it travels through the storage
// API first, and the target gets an empty disk for the copy to fill.
func (n *Node) migrateLive(ctx context.Context, to *Node, p *movePlan, opts MigrateOptions, res *MigrateResult) error {
	params, err := n.liveParams(ctx, to, p, opts)
	if err != nil {
		return n.undoLive(ctx, to, p, res, err)
	}
	watched := n.watchMigration(ctx, p.id, opts.Progress)
	start := time.Now()
	err = n.onOwnConn(ctx, nil, func(lv *libvirt.Libvirt) error {
		dom, err := lookupDomain(lv, p.id)
		if err != nil {
			return err
		}
		_, err = lv.DomainMigratePerform3Params(dom, libvirt.OptString{p.to.PeerURI}, params, nil, liveFlags)
		return err
	})
	watched()
	res.Copying = time.Since(start)
	if err != nil {
		return n.settleLive(ctx, to, p, res, err)
	}
	// The target keeps the finished job's figures: QEMU's own downtime.
	_ = to.onDomain(ctx, p.id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		_, stats, err := lv.DomainGetJobStats(dom, libvirt.DomainJobStatsCompleted)
		res.Downtime = time.Duration(paramUint(stats, "downtime")) * time.Millisecond
		res.Bytes = paramUint(stats, "data_processed")
		return err
	})
	res.SourceDirty = n.dropMoved(ctx, p.id)
	return nil
}

// liveParams readies the target (seed, empty disk) and says what the
// migration is to do: the definitions for the target, where its QEMU listens.
func (n *Node) liveParams(ctx context.Context, to *Node, p *movePlan, opts MigrateOptions) ([]libvirt.TypedParam, error) {
	uri, disks, err := migrationURIs(p.to.MigrationAddress, p.id)
	if err != nil {
		return nil, err
	}
	for _, name := range p.owned {
		if name == rootVolume(p.id) {
			continue
		}
		c, err := n.volumeToCopy(ctx, name)
		if err == nil {
			err = n.copyVolume(ctx, to, c, func(int64) {})
		}
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", name, err)
		}
	}
	if err := to.makeVolume(ctx, rootVolume(p.id), p.rootCapacity, "qcow2", "1.1"); err != nil {
		return nil, err
	}
	persist := p.def
	if err := p.retarget(&persist, ""); err != nil {
		return nil, err
	}
	var live libvirtxml.Domain
	err = n.onDomain(ctx, p.id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		doc, err := lv.DomainGetXMLDesc(dom, libvirt.DomainXMLSecure|libvirt.DomainXMLMigratable)
		if err == nil {
			err = live.Unmarshal(doc)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := p.retarget(&live, ""); err != nil {
		return nil, err
	}
	liveDoc, err := live.Marshal()
	if err != nil {
		return nil, err
	}
	persistDoc, err := persist.Marshal()
	if err != nil {
		return nil, err
	}
	str := func(field, v string) libvirt.TypedParam {
		return libvirt.TypedParam{Field: field, Value: *libvirt.NewTypedParamValueString(v)}
	}
	params := []libvirt.TypedParam{
		str(libvirt.MigrateParamDestXML, liveDoc),
		str(libvirt.MigrateParamPersistXML, persistDoc),
		str(libvirt.MigrateParamURI, uri),
		str(libvirt.MigrateParamDisksURI, disks),
		str(libvirt.MigrateParamMigrateDisks, p.rootDev),
	}
	if opts.BandwidthMiB > 0 {
		params = append(params, libvirt.TypedParam{Field: libvirt.MigrateParamBandwidth,
			Value: *libvirt.NewTypedParamValueUllong(opts.BandwidthMiB)})
	}
	return params, nil
}

// migrationURIs are where the target's QEMU listens for the guest's memory and
// for its disk: at the host of a tcp:// address, on ports libvirt picks, or on
// sockets of the VM's own in the folder of a unix:// one.
func migrationURIs(addr, id string) (memory, disks string, err error) {
	u, err := url.Parse(addr)
	switch {
	case err != nil:
	case u.Scheme == "unix" && u.Path != "":
		dir := "unix://" + strings.TrimRight(u.Path, "/") + "/" + id
		return dir + ".sock", dir + "-disks.sock", nil
	case u.Scheme == "tcp" && u.Hostname() != "":
		return "tcp://" + u.Host, "tcp://" + u.Hostname(), nil
	}
	return "", "", fmt.Errorf("%w: migration address %q: want tcp://HOST or unix:///DIR", ErrConflict, addr)
}

// watchMigration reports the migration's progress until the returned func is
// called; when ctx ends first it aborts the migration, which n's libvirtd
// would otherwise finish on its own.
func (n *Node) watchMigration(ctx context.Context, id string, progress BackupProgress) func() {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				_ = n.onDomain(context.WithoutCancel(ctx), id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
					return lv.DomainAbortJob(dom)
				})
				return
			case <-tick.C:
			}
			if progress == nil {
				continue
			}
			_ = n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
				_, stats, err := lv.DomainGetJobStats(dom, 0)
				if total := paramUint(stats, "data_total"); err == nil && total > 0 {
					progress(paramUint(stats, "data_processed"), total)
				}
				return err
			})
		}
	}()
	return func() {
		close(stop)
		<-done
	}
}

// undoLive removes what a live migration that never began made on the target;
// the VM ran on undisturbed.
func (n *Node) undoLive(ctx context.Context, to *Node, p *movePlan, res *MigrateResult, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.opts.copyTimeout())
	defer cancel()
	if err := to.Delete(ctx, p.id); err != nil {
		res.TargetDirty = true
		n.log.Warn("a failed move's rest left on the target", "vm", p.id, "target", p.to.Name, "err", err)
	}
	return cause
}

// settleLive finds out where a live migration that returned an error left
// the VM. libvirt gives the guest back to the source on failure, running; but
// the error may also be only the answer lost after the hand-over, or the
// source's daemon gone. Whichever node runs the VM keeps it, and the other's
// copy goes; when that cannot be told, nothing is touched.
func (n *Node) settleLive(ctx context.Context, to *Node, p *movePlan, res *MigrateResult, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.opts.copyTimeout())
	defer cancel()
	srcDefined, srcActive, srcErr := n.whereabouts(ctx, p.id)
	_, dstActive, dstErr := to.whereabouts(ctx, p.id)
	switch {
	case srcErr == nil && srcActive:
		if err := n.resumeAfterMove(ctx, p); err != nil {
			cause = fmt.Errorf("%w; and the VM did not resume: %w", cause, err)
		}
		return n.undoLive(ctx, to, p, res, cause)
	case srcErr == nil && dstErr == nil && dstActive:
		n.log.Warn("a live migration reported an error after the hand-over", "vm", p.id, "err", cause)
		res.SourceDirty = n.dropMoved(ctx, p.id)
		return nil
	case srcErr == nil && srcDefined && dstErr == nil:
		// Neither runs it: the source's disk is the one the guest last wrote.
		cause = n.undoLive(ctx, to, p, res, cause)
		if err := n.Start(ctx, p.id); err != nil {
			return fmt.Errorf("%w; and the VM did not start again where it was: %w", cause, err)
		}
		return cause
	}
	res.TargetDirty = dstErr != nil
	res.Unsettled = true
	return fmt.Errorf("%w; %w", cause, errUnsettled)
}

// resumeAfterMove resumes a guest the migration left paused, unless it was
// paused before.
func (n *Node) resumeAfterMove(ctx context.Context, p *movePlan) error {
	if p.paused {
		return nil
	}
	return n.onDomain(ctx, p.id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		s, _, err := lv.DomainGetState(dom, 0)
		if err != nil || libvirt.DomainState(s) != libvirt.DomainPaused {
			return err
		}
		return lv.DomainResume(dom)
	})
}
