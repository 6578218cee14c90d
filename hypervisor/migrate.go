package hypervisor

import (
	"context"
	"fmt"
	"slices"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"abrak/vmstatus"
)

// MoveMode is how a VM went from one node to another.
type MoveMode string

const (
	// LiveMove: the guest ran on while its memory and disk were copied, and
	// paused only for the switch (libvirt's peer-to-peer migration with the
	// disk copied, VIR_MIGRATE_NON_SHARED_DISK).
	LiveMove MoveMode = "live"
	// ColdMove: the guest was shut down (when it ran), its volumes were copied
	// through the storage API, and it was defined and started on the target.
	ColdMove MoveMode = "cold"
)

// ColdReason says why a VM moved cold.
type ColdReason string

const (
	// ColdAsked: MigrateOptions.Cold.
	ColdAsked ColdReason = "asked"
	// ColdNotRunning: the VM was not running, so nothing had to keep running.
	ColdNotRunning ColdReason = "not-running"
	// ColdSnapshots: libvirt migrates no domain with snapshots live; moved
	// cold, its internal snapshots go with its disk.
	ColdSnapshots ColdReason = "snapshots"
	// ColdNoLivePath: the target takes no live migrations (no MigrationAddress),
	// or a node runs libvirt's test driver.
	ColdNoLivePath ColdReason = "no-live-path"
	// ColdAccelerators: the nodes run guests under different accelerators (kvm,
	// qemu); a running guest's state does not cross from one to the other.
	ColdAccelerators ColdReason = "accelerators"
)

// MigrateOptions tune a move.
type MigrateOptions struct {
	// Cold asks for a cold move where a live migration could run.
	Cold bool
	// ShutdownTimeout is how long a cold move waits for a running guest to power
	// down before it pulls the plug; Options.ShutdownTimeout when 0.
	ShutdownTimeout time.Duration
	// BandwidthMiB caps a live migration's copy, memory and disk alike, in MiB/s;
	// 0 leaves it to libvirt (no cap).
	BandwidthMiB uint64
	// Progress hears how many bytes of the copy are done, of how many.
	Progress BackupProgress
}

// MigrateResult is what a move did; a failed move returns one too.
type MigrateResult struct {
	Mode MoveMode
	// Cold is why the VM moved cold; empty after a live migration.
	Cold ColdReason
	// Running: the VM was running (or paused) before the move, so it runs after.
	Running bool
	// Took is the whole move. Downtime is how long the guest did not run: the
	// switch-over of a live migration as QEMU measured it, or from the shutdown
	// of a cold move to the start on the target.
	Took, Downtime time.Duration
	// Copying is the part of Took spent copying: a live migration's own run,
	// or a cold move's volumes (its shutdown and boot are the rest).
	Copying time.Duration
	// Bytes travelled: memory and disk of a live migration, volumes of a cold move.
	Bytes uint64
	// TargetDirty: the move failed and could not remove what it made on the
	// target, which stopped answering. The VM is on the source; call
	// to.Delete(id) once the target answers.
	TargetDirty bool
	// SourceDirty: the VM moved, but its copy on the source could not be
	// removed; call from.Delete(id) once the source answers.
	SourceDirty bool
	// Unsettled: the move broke off where a node could not say whether the
	// target runs the VM. It is not started again on the source (two copies
	// on one network are worse than a stopped VM); once both nodes answer,
	// State on each says where it is.
	Unsettled bool
}

// hushAfterMove is how long a node keeps quiet about a VM that left it or
// never arrived: the undefine's events arrive after the move returns.
const hushAfterMove = 30 * time.Second

// Migrate moves the VM from n to the node to and returns once it is there,
// running if it ran. A running VM migrates live with its disk copied when the
// target has a MigrationAddress, both nodes run guests under the same
// accelerator and the VM has no snapshots (see ColdReason); otherwise, or with
// opts.Cold, it moves cold: shut down (gracefully, then off after
// ShutdownTimeout), its disk, seed and snapshots copied and checked, defined on
// the target with the same UUID, name, MAC, addresses and console password, and
// started there. Either way the source holds nothing of it afterwards.
//
// A move that fails leaves the VM where it was, running as before, and removes
// what it made on the target (see MigrateResult.TargetDirty when it cannot).
// While a VM moves neither node reports its lifecycle events: the move's own
// stops and starts are not the VM's; the caller records the outcome. Migrate
// takes no lock of its own: the caller keeps every other operation off the VM.
func (n *Node) Migrate(ctx context.Context, id string, to *Node, opts MigrateOptions) (MigrateResult, error) {
	start := time.Now()
	if to == nil || to == n || to.id() == n.id() {
		return MigrateResult{}, fmt.Errorf("%w: migrate %s: the target is the VM's own node", ErrInvalidState, id)
	}
	n.hush(id)
	to.hush(id)
	p, err := n.planMove(ctx, id, to, opts)
	if err != nil {
		n.unhush(id, 0)
		to.unhush(id, 0)
		return MigrateResult{}, wrapf(err, "migrate %s", id)
	}
	res := MigrateResult{Mode: ColdMove, Cold: p.cold, Running: p.running}
	if p.cold == "" {
		res.Mode = LiveMove
		err = n.migrateLive(ctx, to, p, opts, &res)
	} else {
		err = n.moveCold(ctx, to, p, opts, &res)
	}
	res.Took = time.Since(start)
	// The node the VM left, or never reached, stays quiet a while longer: the
	// events of its removal there arrive after the call returns.
	if err != nil {
		n.unhush(id, 0)
		to.unhush(id, hushAfterMove)
		return res, wrapf(err, "migrate %s to %s", id, to.Config().Name)
	}
	to.unhush(id, 0)
	n.unhush(id, hushAfterMove)
	return res, nil
}

// movePlan is what a move needs to know of the VM and the two nodes.
type movePlan struct {
	id      string
	running bool
	// paused: it was paused or suspended (and so stays, after a live move).
	paused bool
	// def is the VM's persistent definition, with its console password.
	def libvirtxml.Domain
	// owned are the VM's own volumes on the source (its disk first), which
	// travel; shared the other volumes its definition names (a template's
	// kernel, an ISO, a rescue system), which the target must hold already.
	owned, shared []string
	// names maps the host paths the definition names to volumes of the
	// source's pool; paths maps shared volumes to their paths on the target.
	names, paths map[string]string
	rootDev      string
	rootCapacity uint64
	// leftover: the target holds a stopped domain of this UUID, from a move
	// that failed where it could not clean up.
	leftover bool
	cold     ColdReason
	from, to NodeConfig
	toCaps   Caps
}

// planMove reads the VM and both nodes and decides how it moves. It changes
// nothing but a leftover of an earlier move on the target.
func (n *Node) planMove(ctx context.Context, id string, to *Node, opts MigrateOptions) (*movePlan, error) {
	fromCaps, err := n.Capabilities(ctx)
	if err != nil {
		return nil, err
	}
	toCaps, err := to.Capabilities(ctx)
	if err != nil {
		return nil, err
	}
	p := &movePlan{id: id, from: n.Config(), to: to.Config(), toCaps: toCaps,
		names: map[string]string{}, paths: map[string]string{}}
	var snapshots int
	err = n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		s, reason, err := lv.DomainGetState(dom, 0)
		if err != nil {
			return err
		}
		switch st, _ := stateOf(lv, dom, s, reason); st {
		case vmstatus.Paused, vmstatus.Suspended:
			p.paused = true
			p.running = true
		case vmstatus.Running:
			p.running = true
		}
		doc, err := lv.DomainGetXMLDesc(dom, libvirt.DomainXMLInactive|libvirt.DomainXMLSecure|libvirt.DomainXMLMigratable)
		if err != nil {
			return err
		}
		if err := p.def.Unmarshal(doc); err != nil {
			return err
		}
		snaps, _, err := lv.DomainListAllSnapshots(dom, 1, 0)
		if err != nil {
			return err
		}
		snapshots = len(snaps)
		return p.readVolumes(lv)
	})
	if err != nil {
		return nil, err
	}
	if err := to.checkTarget(ctx, p); err != nil {
		return nil, err
	}
	live := !opts.Cold && p.running && snapshots == 0 && p.to.MigrationAddress != "" &&
		fromCaps.RunsGuests() && toCaps.RunsGuests() && fromCaps.DomainType == toCaps.DomainType
	switch {
	case live:
		if _, _, err := migrationURIs(p.to.MigrationAddress, id); err != nil {
			return nil, err
		}
	case opts.Cold:
		p.cold = ColdAsked
	case !p.running:
		p.cold = ColdNotRunning
	case snapshots > 0:
		p.cold = ColdSnapshots
	case p.to.MigrationAddress == "" || !fromCaps.RunsGuests() || !toCaps.RunsGuests():
		p.cold = ColdNoLivePath
	default:
		p.cold = ColdAccelerators
	}
	if p.leftover {
		// The source holds the VM, so what the target holds of it is a
		// failed move's rest, stopped: it goes before it is made again.
		if err := to.Delete(ctx, id); err != nil {
			return nil, fmt.Errorf("remove an earlier move's rest on the target: %w", err)
		}
	}
	return p, nil
}

// readVolumes sorts the volumes the definition names into the VM's own and
// shared ones, and finds its disk.
func (p *movePlan) readVolumes(lv *libvirt.Libvirt) error {
	pool, err := lv.StoragePoolLookupByName(p.from.Pool)
	if err != nil {
		return err
	}
	own := map[string]bool{}
	for _, name := range []string{rootVolume(p.id), seedVolume(p.id), rescueSeedVolume(p.id)} {
		vol, ok, err := lookupVolume(lv, pool, name)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if name == rootVolume(p.id) {
			if _, p.rootCapacity, _, err = lv.StorageVolGetInfo(vol); err != nil {
				return err
			}
		}
		own[name] = true
		p.owned = append(p.owned, name)
	}
	if !own[rootVolume(p.id)] {
		return fmt.Errorf("%w: the VM's disk %s", ErrNotFound, rootVolume(p.id))
	}
	named := func(path string) (string, error) {
		if path == "" {
			return "", nil
		}
		vol, err := lv.StorageVolLookupByPath(path)
		if isCode(err, libvirt.ErrNoStorageVol) {
			return "", fmt.Errorf("%w: %s is in no storage pool, so no other node has it", ErrConflict, path)
		}
		if err != nil {
			return "", err
		}
		p.names[path] = vol.Name
		return vol.Name, nil
	}
	var referenced []string
	if os := p.def.OS; os != nil {
		for _, path := range []string{os.Kernel, os.Initrd} {
			name, err := named(path)
			if err != nil {
				return err
			}
			referenced = append(referenced, name)
		}
	}
	if p.def.Devices != nil {
		for _, d := range p.def.Devices.Disks {
			switch {
			case d.Source == nil:
			case d.Source.Volume != nil:
				referenced = append(referenced, d.Source.Volume.Volume)
				if d.Source.Volume.Volume == rootVolume(p.id) && d.Target != nil {
					p.rootDev = d.Target.Dev
				}
			case d.Source.File != nil:
				name, err := named(d.Source.File.File)
				if err != nil {
					return err
				}
				referenced = append(referenced, name)
				if name == rootVolume(p.id) && d.Target != nil {
					p.rootDev = d.Target.Dev
				}
			}
		}
	}
	for _, name := range referenced {
		if name != "" && !own[name] && !slices.Contains(p.shared, name) {
			p.shared = append(p.shared, name)
		}
	}
	if p.rootDev == "" {
		return fmt.Errorf("%w: the VM's disk %s is not attached", ErrConflict, rootVolume(p.id))
	}
	return nil
}

// checkTarget makes sure the target can take the VM: its pool, the shared
// volumes the VM names, a bridge when the VM has addresses, no running domain
// of the same UUID.
func (n *Node) checkTarget(ctx context.Context, p *movePlan) error {
	if p.def.Devices != nil && p.to.Bridge == "" {
		for _, iface := range p.def.Devices.Interfaces {
			if iface.Source != nil && iface.Source.Bridge != nil {
				return fmt.Errorf("%w: the VM's addresses need a bridge, and %s has none", ErrConflict, p.to.Name)
			}
		}
	}
	return n.call(ctx, func(lv *libvirt.Libvirt) error {
		pool, err := ensurePool(lv, p.to)
		if err != nil {
			return err
		}
		for _, name := range p.shared {
			vol, ok, err := lookupVolume(lv, pool, name)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: %s lacks the volume %s the VM uses", ErrConflict, p.to.Name, name)
			}
			if p.paths[name], err = lv.StorageVolGetPath(vol); err != nil {
				return err
			}
		}
		dom, err := lookupDomain(lv, p.id)
		if err != nil {
			return err
		}
		active, err := domainIsActive(lv, dom)
		switch {
		case isCode(err, libvirt.ErrNoDomain):
			return nil
		case err != nil:
			return err
		case active:
			return fmt.Errorf("%w: the VM already runs on %s", ErrConflict, p.to.Name)
		}
		p.leftover = true
		return nil
	})
}

// whereabouts says whether the VM's domain is on the node and running there;
// an error when the node cannot tell.
func (n *Node) whereabouts(ctx context.Context, id string) (defined, active bool, err error) {
	err = n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		var err error
		active, err = domainIsActive(lv, dom)
		if isCode(err, libvirt.ErrNoDomain) {
			return nil
		}
		defined = err == nil
		return err
	})
	return defined, active, err
}

// dropMoved removes the VM's domain and volumes from the node it left; it
// reports whether that failed (the caller then tries again later).
func (n *Node) dropMoved(ctx context.Context, id string) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.opts.copyTimeout())
	defer cancel()
	if err := n.Delete(ctx, id); err != nil {
		n.log.Warn("a moved VM's rest left on its old node", "vm", id, "err", err)
		return true
	}
	return false
}

// hush keeps the node from reporting the VM's events until unhush.
func (n *Node) hush(id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.quiet == nil {
		n.quiet = map[string]time.Time{}
	}
	n.quiet[id] = time.Time{}
}

// unhush lets the VM's events through again after d.
func (n *Node) unhush(id string, d time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if d <= 0 {
		delete(n.quiet, id)
		return
	}
	n.quiet[id] = time.Now().Add(d)
}

func (n *Node) hushed(id string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	until, ok := n.quiet[id]
	if ok && !until.IsZero() && time.Now().After(until) {
		delete(n.quiet, id)
		return false
	}
	return ok
}

// errUnsettled: see MigrateResult.Unsettled.
var errUnsettled = fmt.Errorf("%w: the move broke off where it cannot be told whether the target runs the VM; it is left off on the source",
	ErrUnavailable)
