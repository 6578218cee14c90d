package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// BackupConfig is the operator's settings for backups and the recycle bin.
type BackupConfig struct {
	// PricePercent is a VM's backups' hourly price as a share of its plan's
	// (the panel's setting is 20 %, as Hetzner and DigitalOcean charge; 0 makes
	// them free).
	PricePercent int
	// WindowStart (after midnight in Zone) and WindowLength bound the daily
	// backups, spread over the window by VM (01:00–05:00 in Tehran).
	WindowStart, WindowLength time.Duration
	Zone                      *time.Location
	// Keep is how many scheduled backups a VM keeps (7).
	Keep int
	// ManualPerDay bounds the backups a customer asks for, per VM and 24 hours
	// (3); they are kept ManualKeep (7 days) unless deleted sooner.
	ManualPerDay int
	ManualKeep   time.Duration
	// Attempts bounds the tries of one day's scheduled backup, RetryAfter
	// apart (3, 10 minutes); past them the day's backup is reported failed.
	Attempts   int
	RetryAfter time.Duration
	// AfterDelete is how long backups outlive their VM (7 days).
	AfterDelete time.Duration
	// RecycleGrace is how long a deleted VM waits in the recycle bin (24 hours).
	RecycleGrace time.Duration
	// Interval is how often the backup worker looks for work (a minute).
	Interval time.Duration
}

func (c BackupConfig) withDefaults() BackupConfig {
	c.PricePercent = max(c.PricePercent, 0)
	if c.WindowLength <= 0 {
		c.WindowStart, c.WindowLength = time.Hour, 4*time.Hour
	}
	if c.Zone == nil {
		c.Zone = tehran
	}
	if c.Keep <= 0 {
		c.Keep = 7
	}
	if c.ManualPerDay <= 0 {
		c.ManualPerDay = 3
	}
	if c.ManualKeep <= 0 {
		c.ManualKeep = 7 * 24 * time.Hour
	}
	if c.Attempts <= 0 {
		c.Attempts = 3
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = 10 * time.Minute
	}
	if c.AfterDelete <= 0 {
		c.AfterDelete = 7 * 24 * time.Hour
	}
	if c.RecycleGrace <= 0 {
		c.RecycleGrace = 24 * time.Hour
	}
	if c.Interval <= 0 {
		c.Interval = time.Minute
	}
	return c
}

var tehran = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Tehran"); err == nil {
		return l
	}
	return time.FixedZone("IRST", 3*3600+1800)
}()

// BackupPrice is what backups add to a plan's hourly price: PricePercent of
// it, rounded up to a whole rial.
func (s *vmCore) BackupPrice(planHourly int64) int64 {
	pct := int64(s.cfg.Backups.PricePercent)
	return (planHourly*pct + 99) / 100
}

// Backup is one backup of a VM's disk, as customers see it.
type Backup struct {
	ID     int64
	VMUUID string
	// Kind is scheduled, manual or final (the copy kept of a VM deleted for non-payment).
	Kind string
	// Status is in-progress or completed: a backup that failed is never listed.
	Status string
	// Consistency is fs-frozen (the guest's agent froze its file systems),
	// crash (what a power cut would leave) or powered-off.
	Consistency string
	Size        int64
	Capacity    int64
	SHA256      string
	ActionID    int64
	CreatedAt   time.Time
	CompletedAt time.Time
}

func backupOf(b store.Backup) Backup {
	return Backup{ID: b.ID, VMUUID: b.VMUUID, Kind: b.Kind, Status: b.Status, Consistency: b.Consistency, Size: b.Size,
		Capacity: b.Capacity, SHA256: b.SHA256, ActionID: b.ActionID, CreatedAt: b.CreatedAt, CompletedAt: b.CompletedAt}
}

// Backups lists a VM's backups, newest first: those completed and those under
// way. A deleted VM's backups are listed while they outlive it.
func (s *VMs) Backups(ctx context.Context, p Principal, uuid string) ([]Backup, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return nil, err
	}
	vm, err := s.own(ctx, p, uuid)
	if err != nil {
		return nil, err
	}
	list, err := s.db.BackupsOfVM(ctx, vm.ID)
	return convert(list, backupOf), internal(err)
}

// BackupOffer is what a VM's Backups tab tells before the customer acts: the
// hourly price of its backups (fixed while they are on; what turning them on
// costs now while they are off), how many backups on demand are left in the
// last 24 hours, how many daily ones are kept, and whether its region has a
// store off its node to take one at all.
type BackupOffer struct {
	PriceHourly       int64
	LeftToday, PerDay int
	Keep              int
	Available         bool
}

// BackupOffer reads the VM's offer (see the type).
func (s *VMs) BackupOffer(ctx context.Context, p Principal, uuid string) (BackupOffer, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return BackupOffer{}, err
	}
	vm, err := s.own(ctx, p, uuid)
	if err != nil {
		return BackupOffer{}, err
	}
	cfg := s.cfg.Backups
	o := BackupOffer{PriceHourly: vm.HourlyBackups(), PerDay: cfg.ManualPerDay, Keep: cfg.Keep}
	if !vm.BackupsEnabled {
		o.PriceHourly = s.BackupPrice(vm.PriceHourly)
	}
	n, _, err := s.db.BackupTries(ctx, vm.ID, store.BackupManual, s.cfg.Now().Add(-24*time.Hour))
	if err != nil {
		return BackupOffer{}, Internal(err)
	}
	o.LeftToday = max(cfg.ManualPerDay-n, 0)
	_, _, err = s.backupStoreFor(ctx, vm)
	o.Available = err == nil
	return o, nil
}

// SetBackups turns a VM's daily backups on or off. Their price is fixed when
// they are turned on, from the plan's price then (BackupPrice), and is
// charged with every hour of the VM from the next one.
func (s *VMs) SetBackups(ctx context.Context, p Principal, uuid string, on bool) (VM, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return VM{}, err
	}
	if vm.BackupsEnabled != on {
		price := int64(0)
		if on {
			price = s.BackupPrice(vm.PriceHourly)
		}
		if err := s.db.SetBackups(ctx, vm.ID, on, price); err != nil {
			return VM{}, Internal(err)
		}
		what := map[bool]string{true: "vm.backups_on", false: "vm.backups_off"}[on]
		s.audit.Record(ctx, p, what, SeverityInfo, "vm", vm.UUID, strconv.FormatInt(price, 10))
	}
	vm, err = s.db.VMByID(ctx, vm.ID)
	return s.vmOf(vm), internal(err)
}

// BackupNow takes a backup of the VM at once, as an action. A VM may ask for
// ManualPerDay in 24 hours; a region without a backup store off the VM's node
// cannot take one.
func (s *VMs) BackupNow(ctx context.Context, p Principal, uuid string) (Action, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return Action{}, err
	}
	if err := built(vm); err != nil {
		return Action{}, err
	}
	n, _, err := s.db.BackupTries(ctx, vm.ID, store.BackupManual, s.cfg.Now().Add(-24*time.Hour))
	if err != nil {
		return Action{}, Internal(err)
	}
	if n >= s.cfg.Backups.ManualPerDay {
		e := Conflict("backup.daily_limit", "max", strconv.Itoa(s.cfg.Backups.ManualPerDay))
		e.Code = "backup_limit"
		return Action{}, e
	}
	st, target, err := s.backupStoreFor(ctx, vm)
	if err != nil {
		return Action{}, err
	}
	node, err := s.nodeOf(vm)
	if err != nil {
		return Action{}, err
	}
	if err := s.lock(ctx, vm); err != nil {
		return Action{}, err
	}
	a, err := s.db.StartAction(ctx, p.UserID, vm.ID, "backup")
	if err != nil {
		_ = s.db.SetVMLocked(ctx, vm.ID, false)
		return Action{}, Internal(err)
	}
	a.VMUUID = vm.UUID
	s.audit.Record(ctx, p, "vm.backup", SeverityInfo, "vm", vm.UUID, "")
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		_, _ = s.backUp(vm, node, st, target, store.BackupManual, a.ID)
	}()
	return actionOf(a), nil
}

// backUp takes one backup of vm into the store, ends its action (if any) and
// returns the backup's id. The VM is locked (by the caller) while its image is
// made on the node, and unlocked before the image travels, so the VM can be
// operated on meanwhile. A backup that fails leaves no file and is never listed.
func (s *vmCore) backUp(vm store.VM, node *hypervisor.Node, st store.BackupStore, target backupTarget, kind string, actionID int64) (int64, error) {
	ctx, cancel := context.WithTimeout(s.bg, backupTimeout(vm))
	defer cancel()
	unlock := func() { s.unlock(vm) }
	bk, err := s.db.StartBackup(ctx, store.Backup{VMID: vm.ID, StoreID: st.ID, Kind: kind, ActionID: actionID, CreatedAt: s.cfg.Now()})
	if err != nil {
		unlock()
		s.endBackupAction(actionID, err)
		return 0, err
	}
	file := fmt.Sprintf("%s-%d.qcow2", vm.UUID, bk.ID)
	progress := s.progressOf(ctx, actionID, 0, 90)
	err = s.db.SetBackupFile(ctx, bk.ID, file)
	var img hypervisor.Backup
	if err == nil {
		img, err = node.Freeze(ctx, vm.UUID, progress)
	}
	unlock()
	var size int64
	var sum string
	if err == nil {
		err = target.Put(ctx, file, func(w io.Writer) error {
			var serr error
			size, sum, serr = node.Send(ctx, vm.UUID, w)
			return serr
		})
	}
	if err == nil {
		err = s.db.CompleteBackup(ctx, bk.ID, string(img.Consistency), size, int64(img.Capacity), sum)
	}
	if err != nil {
		s.log.Warn("backup failed", "vm", vm.UUID, "backup", bk.ID, "store", st.Name, "kind", kind, "err", err)
		if ferr := s.db.FailBackup(context.Background(), bk.ID, err.Error()); ferr != nil {
			s.log.Error("recording a failed backup", "backup", bk.ID, "err", ferr)
		}
		_ = target.Delete(context.WithoutCancel(ctx), file)
		// A store that failed before it read anything leaves the image on the node.
		node.DropBackupScratch(context.WithoutCancel(ctx), vm.UUID)
		s.backupFailures.add(st.Region)
	} else {
		s.log.Info("backup completed", "vm", vm.UUID, "backup", bk.ID, "store", st.Name, "kind", kind,
			"bytes", size, "consistency", img.Consistency, "took", img.Took)
	}
	data := map[string]any{"id": bk.ID, "vm_uuid": vm.UUID, "kind": kind, "action_id": actionID,
		"created_at": rfc3339OrNil(bk.CreatedAt)}
	if err != nil {
		data["status"], data["error"] = "failed", actionError(err)
		s.hooks.emit(context.WithoutCancel(ctx), vm.UserID, vm.ID, EventBackupFailed, data)
	} else {
		data["status"], data["consistency"], data["size"], data["capacity"], data["sha256"], data["completed_at"] =
			store.BackupCompleted, string(img.Consistency), size, int64(img.Capacity), sum, rfc3339OrNil(s.cfg.Now())
		s.hooks.emit(ctx, vm.UserID, vm.ID, EventBackupCompleted, data)
	}
	s.endBackupAction(actionID, err)
	return bk.ID, err
}

// backupTimeout bounds one backup by the size of the disk: at least an hour,
// and two more minutes for each GiB beyond 10.
func backupTimeout(vm store.VM) time.Duration {
	return time.Hour + time.Duration(max(vm.DiskGB-10, 0))*2*time.Minute
}

func (s *vmCore) endBackupAction(actionID int64, err error) {
	if actionID == 0 {
		return
	}
	msg := ""
	if err != nil {
		msg = actionError(err)
	}
	if _, err := s.db.EndAction(context.Background(), actionID, msg); err != nil {
		s.log.Error("ending action", "action", actionID, "err", err)
	}
}

// progressOf records a long action's progress, from..to percent of it as the
// work reports done of total, only when it moved by 5 points.
func (s *vmCore) progressOf(ctx context.Context, actionID int64, from, to int) hypervisor.BackupProgress {
	last := -1
	return func(done, total uint64) {
		if actionID == 0 || total == 0 {
			return
		}
		pct := from + int(float64(to-from)*float64(done)/float64(total))
		if pct-last < 5 && pct != to {
			return
		}
		last = pct
		if err := s.db.SetActionProgress(ctx, actionID, pct); err != nil {
			s.log.Warn("recording progress", "action", actionID, "err", err)
		}
	}
}

// backupStoreFor is where a new backup of vm goes: an enabled store of its
// region that is not on its node, since a node that dies must not take its
// VMs' backups with it.
func (s *vmCore) backupStoreFor(ctx context.Context, vm store.VM) (store.BackupStore, backupTarget, error) {
	stores, err := s.db.BackupStores(ctx)
	if err != nil {
		return store.BackupStore{}, nil, Internal(err)
	}
	for _, st := range stores {
		if !st.Enabled || st.Region != vm.Region || st.Kind == store.BackupStorePool && st.NodeID == vm.NodeID {
			continue
		}
		target, err := targetOf(s.fleet, st)
		if err != nil {
			s.log.Warn("backup store unavailable", "store", st.Name, "err", err)
			continue
		}
		return st, target, nil
	}
	e := Unavailable("backup.no_store", errors.New("no backup store off the VM's node"))
	e.Code = "no_backup_store"
	return store.BackupStore{}, nil, e
}

// backupOfVM loads a completed backup of vm and the target that holds it.
func (s *vmCore) backupOfVM(ctx context.Context, vm store.VM, id int64) (store.Backup, backupTarget, error) {
	bk, err := s.db.BackupByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && (bk.VMID != vm.ID || bk.Status != store.BackupCompleted) {
		return bk, nil, NotFound()
	}
	if err != nil {
		return bk, nil, Internal(err)
	}
	st, err := s.db.BackupStoreByID(ctx, bk.StoreID)
	if err != nil {
		return bk, nil, Internal(err)
	}
	target, err := targetOf(s.fleet, st)
	if err != nil {
		return bk, nil, Unavailable("backup.store_unavailable", err)
	}
	return bk, target, nil
}

// imageOf is a completed backup as a disk image for the hypervisor.
func imageOf(bk store.Backup, target backupTarget) hypervisor.DiskImage {
	return hypervisor.DiskImage{Size: bk.Size, Capacity: uint64(bk.Capacity), SHA256: bk.SHA256,
		Open: func(ctx context.Context) (io.ReadCloser, error) { return target.Open(ctx, bk.File) }}
}

// DeleteBackup removes a backup from its store at once.
func (s *VMs) DeleteBackup(ctx context.Context, p Principal, uuid string, id int64) error {
	if err := p.Require(ScopeVMWrite); err != nil {
		return err
	}
	vm, err := s.own(ctx, p, uuid)
	if err != nil {
		return err
	}
	bk, target, err := s.backupOfVM(ctx, vm, id)
	if err != nil {
		return err
	}
	if err := target.Delete(ctx, bk.File); err != nil {
		return Unavailable("backup.store_unavailable", err)
	}
	if err := s.db.MarkBackupDeleted(ctx, bk.ID); err != nil {
		return Internal(err)
	}
	s.audit.Record(ctx, p, "vm.backup_delete", SeverityWarning, "vm", vm.UUID, strconv.FormatInt(bk.ID, 10))
	return nil
}

// RestoreBackup gives the VM the disk of one of its backups: it is powered
// off, its disk replaced, and started again if it ran. It keeps its
// addresses, MAC and name; what was written since the backup is lost, and so
// are its snapshots.
func (s *VMs) RestoreBackup(ctx context.Context, p Principal, uuid string, id int64) (Action, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return Action{}, err
	}
	if err := built(vm); err != nil {
		return Action{}, err
	}
	bk, target, err := s.backupOfVM(ctx, vm, id)
	if err != nil {
		return Action{}, err
	}
	node, err := s.nodeOf(vm)
	if err != nil {
		return Action{}, err
	}
	s.audit.Record(ctx, p, "vm.backup_restore", SeverityWarning, "vm", vm.UUID, strconv.FormatInt(bk.ID, 10))
	return s.exclusiveAction(ctx, p, vm, "backup_restore", backupTimeout(vm), func(ctx context.Context, actionID int64) error {
		wasOn := vm.Status.Active()
		if err := node.PowerOff(ctx, vm.UUID); err != nil && !errors.Is(err, hypervisor.ErrInvalidState) {
			return err
		}
		_ = s.db.SetVMStatus(ctx, vm.ID, vmstatus.Stopped)
		img := imageOf(bk, target)
		img.Progress = s.progressOf(ctx, actionID, 0, 95)
		if err := node.RestoreDisk(ctx, vm.UUID, img); err != nil {
			return err
		}
		if !wasOn {
			return nil
		}
		if err := node.Start(ctx, vm.UUID); err != nil {
			return err
		}
		return s.db.SetVMStatus(ctx, vm.ID, vmstatus.Running)
	})
}

// gib is a GiB, the unit of plans' disks.
const gib = 1 << 30

// diskOf is a completed backup as the disk of a VM built from it. A backup
// gone meanwhile (deleted, expired) fails the build, which is then refunded.
func (s *vmCore) diskOf(ctx context.Context, backupID int64) (*hypervisor.DiskImage, error) {
	bk, err := s.db.BackupByID(ctx, backupID)
	if err != nil {
		return nil, err
	}
	if bk.Status != store.BackupCompleted {
		return nil, fmt.Errorf("backup %d is %s", bk.ID, bk.Status)
	}
	st, err := s.db.BackupStoreByID(ctx, bk.StoreID)
	if err != nil {
		return nil, err
	}
	target, err := targetOf(s.fleet, st)
	if err != nil {
		return nil, err
	}
	img := imageOf(bk, target)
	return &img, nil
}

// RestoreBackupAsNew orders a new VM built from one of a VM's backups, in the
// backup's region, on any node there with room: a normal order (plan, access,
// names, backups), charged as one; its OS is the backup's. The VM may have
// been deleted since, while its backups outlive it. The plan's disk must hold
// the backup's.
func (s *VMs) RestoreBackupAsNew(ctx context.Context, p Principal, uuid string, id int64, in CreateVMInput) (Ordered, error) {
	if err := p.Require(ScopeVMCreate); err != nil {
		return Ordered{}, err
	}
	src, err := s.own(ctx, p, uuid)
	if err != nil {
		return Ordered{}, err
	}
	bk, _, err := s.backupOfVM(ctx, src, id)
	if err != nil {
		return Ordered{}, err
	}
	if in.Region != "" && in.Region != src.Region {
		return Ordered{}, Invalid(map[string]string{"region": "backup.region_other"})
	}
	if err := s.requireVerified(ctx, p.UserID); err != nil {
		return Ordered{}, err
	}
	in.OSTemplateSlug, in.Region, in.from = src.OSTemplateSlug, src.Region, &bk
	order, err := s.checkOrder(ctx, p, in)
	if err != nil {
		return Ordered{}, err
	}
	s.audit.Record(ctx, p, "vm.backup_restore_new", SeverityInfo, "vm", src.UUID, strconv.FormatInt(bk.ID, 10))
	return s.recordOrder(ctx, p, order)
}
