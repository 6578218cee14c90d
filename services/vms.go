package services

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// SSHKeyResolver turns a customer's key ids into public keys; unknown or
// foreign ids are a validation error naming ssh_key_ids.
type SSHKeyResolver interface {
	PublicKeys(ctx context.Context, p Principal, ids []int64) ([]string, error)
}

// VMConfig tunes the VM service and its workers.
type VMConfig struct {
	// ShutdownDeadline is how long a graceful shutdown waits before powering off.
	ShutdownDeadline time.Duration
	// MaxAttempts bounds provisioning attempts that fail for reasons other than
	// an unavailable hypervisor.
	MaxAttempts int
	// GiveUpAfter bounds how long an order waits for a hypervisor before it is refunded.
	GiveUpAfter time.Duration
	// RetryBase and RetryMax shape the provisioner's exponential backoff.
	RetryBase, RetryMax time.Duration
	// PollInterval is how often the provisioner looks for due orders without being woken.
	PollInterval time.Duration
	// ReconcileInterval is how often every node's domains are compared with the records.
	ReconcileInterval time.Duration
	// BillingInterval is how often the biller looks for hours that came due.
	BillingInterval time.Duration
	// UsageInterval is how often the usage sampler reads every node's
	// counters (30 s: the finest step its samples are kept at).
	UsageInterval time.Duration
	// UnpaidGrace is how long a VM held for want of funds waits before it is
	// suspended (7 days).
	UnpaidGrace time.Duration
	// UnpaidDeleteAfter, when set, deletes a VM held for want of funds that long
	// (its disk copied to a final backup first, its owner warned 72 hours
	// before). Zero, the default, never deletes anything for want of funds.
	UnpaidDeleteAfter time.Duration
	// FirstBoot is how long a new VM's first boot is watched before its order
	// counts as fulfilled, unless its guest agent answers sooner (see first_boot.go).
	FirstBoot time.Duration
	// AgentBootWait is how long after a boot began a root password change
	// waits for the guest's agent (see vm_agent_boot.go). Default 90 s.
	AgentBootWait time.Duration
	// RescueTemplate is the template whose system rescue mode boots (read-only,
	// with the VM's disk second). Default tiny-linux.
	RescueTemplate string
	// AddressQuarantine is how long a released address rests before another VM
	// gets it, so a stale DNS record never points at a new customer. Default 24 h.
	AddressQuarantine time.Duration
	// Now is the clock that money is measured by (paid hours); tests move it.
	// Default time.Now.
	Now func() time.Time
	// Backups are the operator's settings for backups and the recycle bin.
	Backups BackupConfig
	// MigrationBandwidthMiB caps a live migration's copy, in MiB/s (0: no cap).
	MigrationBandwidthMiB uint64
	// DrainInterval is how often the panel looks for nodes an operator asked
	// to empty, and for what earlier moves left to tidy (5 s).
	DrainInterval time.Duration
}

// AddressQuarantineOrDefault is AddressQuarantine, a day when unset.
func (c VMConfig) AddressQuarantineOrDefault() time.Duration {
	if c.AddressQuarantine <= 0 {
		return 24 * time.Hour
	}
	return c.AddressQuarantine
}

func (c VMConfig) withDefaults() VMConfig {
	if c.ShutdownDeadline <= 0 {
		c.ShutdownDeadline = 60 * time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.GiveUpAfter <= 0 {
		c.GiveUpAfter = 24 * time.Hour
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 2 * time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = time.Minute
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 5 * time.Second
	}
	if c.ReconcileInterval <= 0 {
		c.ReconcileInterval = 15 * time.Second
	}
	if c.UnpaidGrace <= 0 {
		c.UnpaidGrace = 7 * 24 * time.Hour
	}
	if c.BillingInterval <= 0 {
		c.BillingInterval = time.Minute
	}
	if c.UsageInterval <= 0 {
		c.UsageInterval = store.MetricStep30s * time.Second
	}
	if c.FirstBoot <= 0 {
		c.FirstBoot = time.Minute
	}
	if c.AgentBootWait <= 0 {
		c.AgentBootWait = DefaultAgentBootWait
	}
	if c.RescueTemplate == "" {
		c.RescueTemplate = "tiny-linux"
	}
	c.AddressQuarantine = c.AddressQuarantineOrDefault()
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.DrainInterval <= 0 {
		c.DrainInterval = 5 * time.Second
	}
	c.Backups = c.Backups.withDefaults()
	return c
}

// vmCore is what the VM service and its workers share: the records, the fleet,
// and the operations that outlive their request.
type vmCore struct {
	db    *store.DB
	fleet *hypervisor.Fleet
	audit *Audit
	keys  SSHKeyResolver
	log   *slog.Logger
	cfg   VMConfig
	mail  *Mailer // notices; nil: none
	// hooks queues the webhook events the workers see happen (alerts, backups, low balances).
	hooks hookEmitter

	// consoles, when set, hears every status the reconciler corrects (it
	// closes the consoles of VMs found stopped or gone) and closes a moved
	// VM's consoles.
	consoles VMConsoles
	// draining are the nodes that take no new VM, as SyncNodes last read them
	// (placement asks the database itself).
	draining atomic.Pointer[map[int64]bool]
	// moving are the VMs this panel is moving now.
	moving inFlight

	// crashes per node and address shortages per region, for the metrics.
	crashes  counts[int64]
	shortage counts[string]
	// backupFailures counts failed backups per region, for the metrics.
	backupFailures counts[string]
	// uploads are the template uploads this panel has under way.
	uploads inFlight
	// diskUse remembers each VM's last guest-agent answer for a while (see vm_usage.go).
	diskUse diskUseCache
	// agent, when set (tests only), stands in for the guests' agents (agentOf).
	agent atomic.Pointer[GuestAgent]
	// backupsRunning are the nodes with a scheduled backup under way.
	backupsRunning inFlight
	// strangers are the domains the reconciler has reported as unknown.
	strangers inFlight
	// usage holds the sampler's last reading of each VM.
	usage usageReadings

	wake chan struct{}
	// drainWake wakes the drain loop (a drain asked through this panel).
	drainWake chan struct{}
	// running tracks operations that outlive their request, so shutdown waits for them.
	running sync.WaitGroup
	bg      context.Context
	stop    context.CancelFunc
}

// VMConsoles is what the VM service needs of the open consoles.
type VMConsoles interface {
	// OnVMStatus closes a VM's consoles when its status means its screen is gone.
	OnVMStatus(uuid string, status vmstatus.Status)
	// CloseVM closes every console of a VM, for reason.
	CloseVM(uuid, reason string)
}

// VMs is what customers do with their VMs, through either door: ownership and
// scopes are checked here, money moves here, and the fleet is driven from here.
type VMs struct{ *vmCore }

// Workers keep the records and the fleet in step in the background: lifecycle
// events, the reconciler, the provisioner (with the first-boot watch), the
// biller, the template uploads, the backups, the usage samples, and each
// node's health. Prepare readies them (workers.go); app.Start starts their
// loops.
type Workers struct{ *vmCore }

// NewVMs builds the service and its workers (app.Start starts their loops).
// mail sends the notices (VM ready, powered off for funds, low balance, moved;
// nil: none); consoles hears every status the reconciler corrects and closes
// the consoles of a VM that moved (nil: no consoles).
func NewVMs(db *store.DB, fleet *hypervisor.Fleet, audit *Audit, keys SSHKeyResolver, mail *Mailer,
	consoles VMConsoles, log *slog.Logger, cfg VMConfig) (*VMs, *Workers) {
	bg, stop := context.WithCancel(context.Background())
	c := &vmCore{db: db, fleet: fleet, audit: audit, keys: keys, mail: mail, consoles: consoles, log: log, cfg: cfg.withDefaults(),
		hooks: hookEmitter{db: db, log: log}, wake: make(chan struct{}, 1), drainWake: make(chan struct{}, 1), bg: bg, stop: stop}
	return &VMs{c}, &Workers{c}
}

// Close stops the workers and waits for operations in flight.
func (s *vmCore) Close() {
	s.stop()
	s.running.Wait()
}

// Paging of the API's lists: the contract's default and bounds.
const (
	DefaultListLimit = 50
	MaxListLimit     = 200
)

// checkPage refuses a page outside the bounds, naming the parameter.
func checkPage(limit, offset int) error {
	if limit < 1 || limit > MaxListLimit {
		return Invalid(map[string]string{"limit": "vm.limit_invalid"})
	}
	if offset < 0 {
		return Invalid(map[string]string{"offset": "vm.offset_invalid"})
	}
	return nil
}

// ListInput filters a list of VMs.
type ListInput struct {
	Status string
	Q      string
	// Region is a region's slug (seed 004's location).
	Region        string
	Limit, Offset int
}

// List returns one page of the principal's VMs.
func (s *VMs) List(ctx context.Context, p Principal, in ListInput) ([]VM, int, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return nil, 0, err
	}
	if in.Status != "" && !vmstatus.Valid(in.Status) {
		return nil, 0, Invalid(map[string]string{"status": "vm.status_invalid"})
	}
	if err := checkPage(in.Limit, in.Offset); err != nil {
		return nil, 0, err
	}
	vms, total, err := s.db.ListVMs(ctx, store.VMFilter{UserID: p.UserID, Status: vmstatus.Status(in.Status), Q: in.Q, Region: in.Region,
		Limit: in.Limit, Offset: in.Offset})
	if err != nil {
		return nil, 0, Internal(err)
	}
	return s.vmsOf(vms), total, nil
}

// Get returns one of the principal's VMs; anyone else's is 404.
func (s *VMs) Get(ctx context.Context, p Principal, uuid string) (VM, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return VM{}, err
	}
	vm, err := s.own(ctx, p, uuid)
	return s.vmOf(vm), err
}

// own loads a VM of the principal without a scope check (callers check their own scope).
func (s *VMs) own(ctx context.Context, p Principal, uuid string) (store.VM, error) {
	vm, err := s.db.VMForUser(ctx, p.UserID, uuid)
	if errors.Is(err, store.ErrNotFound) {
		return vm, NotFound()
	}
	if err != nil {
		return vm, Internal(err)
	}
	return vm, nil
}

// Page is what a VM's page shows of it that changes by itself: the VM, its
// latest actions and its activity. The page's 2-second poll reads this and
// nothing more (three queries); the catalog and snapshots the full page adds.
type Page struct {
	VM      VM
	Actions []Action
	Events  []Event
}

// Page reads one of the principal's VMs for its page.
func (s *VMs) Page(ctx context.Context, p Principal, uuid string, actions, events int) (Page, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return Page{}, err
	}
	vm, err := s.own(ctx, p, uuid)
	if err != nil {
		return Page{}, err
	}
	acts, _, err := s.db.ActionsForVM(ctx, vm.ID, actions, 0)
	if err != nil {
		return Page{}, Internal(err)
	}
	ev, _, err := s.db.AuditEvents(ctx, store.AuditFilter{UserID: p.UserID, TargetType: "vm", TargetID: uuid, Limit: events})
	if err != nil {
		return Page{}, Internal(err)
	}
	return Page{VM: s.vmOf(vm), Actions: convert(acts, actionOf), Events: eventsOf(ev)}, nil
}
