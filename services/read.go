package services

import (
	"net"
	"net/netip"
	"time"

	"abrak/store"
	"abrak/vmstatus"
)

// The read types: what the services hand the doors. Each is a deliberate copy
// of the fields a page or the API may show, so that a column added to a table
// (a VNC password, a token's hash, a template's volume) cannot reach either by
// accident, and handlers know nothing of the store.

// VM is a customer's VM as the doors show it.
type VM struct {
	UUID, DisplayName, Hostname string
	Status                      vmstatus.Status
	PlanSlug                    string
	PlanNameFA, PlanNameEN      string
	OSTemplateSlug              string
	OSTemplateName              string
	Region                      string // slug
	RegionNameFA, RegionNameEN  string
	PublicIP                    string
	// Netmask and Gateway of the public IPv4 address, from its pool.
	Netmask, Gateway string
	// The public IPv6 address, its prefix length and gateway.
	IPv6, Gateway6 string
	Prefix6        int
	MAC            string
	// Boot is what it boots from (BootDisk, BootCDROM, BootRescue); BootISO the
	// ISO for BootCDROM.
	Boot, BootISO string
	// Traffic of TrafficMonth (YYYY-MM, UTC): what the VM received and sent.
	TrafficMonth            string
	Received, Sent          int64
	VCPUs, MemoryMB, DiskGB int
	PriceHourly             int64
	// Locked: an operation holds the VM. NodeDown: its host does not answer.
	Locked, NodeDown bool
	// AdminLockReason, when set, is why the operator locked the VM: its
	// customer changes nothing of it until it is unlocked.
	AdminLockReason string
	// Busy: being built, locked, or an action on it is in progress; pages poll it.
	Busy bool
	// Held: off because its wallet could not pay an hour (see biller.go).
	Held bool
	// Suspended: held past the grace period; only deleting it is allowed until money comes in.
	Suspended bool
	CreatedAt time.Time
	// UpdatedAt is when its row last changed (a status, a name, a plan, backups).
	UpdatedAt time.Time
	Order     vmstatus.Order
	// Waiting: the order found no hypervisor (or, NoAddress, no free address in
	// its region) yet and will be tried again.
	Waiting, NoAddress bool
	Attempts           int
	// BackupsEnabled: backed up daily, for BackupPriceHourly beside the
	// plan's PriceHourly. BackupIDs are its usable backups, oldest first.
	BackupsEnabled    bool
	BackupPriceHourly int64
	BackupIDs         []int64
	// DeletedAt is when it went into the recycle bin, PurgeAt when the bin
	// destroys it (DeletedAt and the grace); both zero unless deleted.
	DeletedAt, PurgeAt time.Time
}

// Live reports a VM that exists and can be operated on.
func (v VM) Live() bool { return v.Status.Live() }

// HourlyCost is what an hour of the VM costs: its plan and its backups.
func (v VM) HourlyCost() int64 { return v.PriceHourly + v.BackupPriceHourly }

func (s *vmCore) vmOf(v store.VM) VM {
	return readVM(&v, store.TrafficMonth(time.Now()), &netForms{}, s.cfg.Backups.RecycleGrace)
}

// vmsOf reads a list: the month and each pool's forms are worked out once for
// the list, not for every VM in it (they were a twentieth of a cold API list).
func (s *vmCore) vmsOf(in []store.VM) []VM {
	month, forms := store.TrafficMonth(time.Now()), &netForms{}
	out := make([]VM, len(in))
	for i := range in {
		out[i] = readVM(&in[i], month, forms, s.cfg.Backups.RecycleGrace)
	}
	return out
}

// readVM copies a VM for the doors; grace is how long the recycle bin keeps it.
func readVM(v *store.VM, month string, forms *netForms, grace time.Duration) VM {
	out := VM{UUID: v.UUID, DisplayName: v.DisplayName, Hostname: v.Hostname, Status: v.Status, PlanSlug: v.PlanSlug, PlanNameFA: v.PlanNameFA, PlanNameEN: v.PlanNameEN,
		OSTemplateSlug: v.OSTemplateSlug, OSTemplateName: v.OSTemplateName, Region: v.Region, RegionNameFA: v.RegionNameFA, RegionNameEN: v.RegionNameEN, PublicIP: v.PublicIP,
		Netmask: forms.netmask(v.Network4), Gateway: v.Gateway4,
		IPv6: v.PublicIPv6, Gateway6: v.Gateway6, Prefix6: forms.prefixLen(v.Network6), MAC: v.MAC,
		TrafficMonth: month, Received: v.Received, Sent: v.Sent,
		Boot: bootOf(v), BootISO: v.BootISO,
		VCPUs: v.VCPUs, MemoryMB: v.MemoryMB, DiskGB: v.DiskGB, PriceHourly: v.PriceHourly,
		Locked: v.Locked, NodeDown: v.NodeDown, AdminLockReason: v.AdminLockReason, Busy: v.Status == vmstatus.Creating || v.Locked || v.OpenActions > 0,
		Held: v.Held(), Suspended: v.Suspended(), CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, Order: v.OrderStatus,
		Waiting:   v.Status == vmstatus.Creating && v.OrderStatus == vmstatus.OrderPending && v.OrderError != "",
		NoAddress: v.Status == vmstatus.Creating && v.OrderError == store.ErrNoAddress.Error(),
		Attempts:  v.Attempts, BackupsEnabled: v.BackupsEnabled, BackupPriceHourly: v.HourlyBackups(), BackupIDs: v.BackupIDs,
		DeletedAt: v.DeletedAt}
	if v.Status == vmstatus.Deleted && !v.DeletedAt.IsZero() {
		out.PurgeAt = v.DeletedAt.Add(grace)
	}
	return out
}

// netForms remembers the last pool's mask and prefix length: a list's VMs
// come from a handful of pools, mostly one after another.
type netForms struct {
	net4, mask4 string
	net6        string
	bits6       int
}

func (f *netForms) netmask(network string) string {
	if network != f.net4 {
		f.net4, f.mask4 = network, netmask(network)
	}
	return f.mask4
}

func (f *netForms) prefixLen(network string) int {
	if network != f.net6 {
		f.net6, f.bits6 = network, prefixLen(network)
	}
	return f.bits6
}

// Action is the record of an asynchronous operation on a VM.
type Action struct {
	ID          int64
	VMUUID      string
	Region      string
	Type        string
	Status      string // in-progress, completed, errored
	Error       string // a message key (ActionErrorKey), or ""
	StartedAt   time.Time
	CompletedAt *time.Time
	// Progress is how far it got, in percent: long actions (backups, restores) move it.
	Progress int
	// Result is how a shutdown ended: "acpi" (the guest stopped when asked) or
	// "forced" (powered off after the wait); "" for other actions.
	Result string
}

// InProgress reports an action still running.
func (a Action) InProgress() bool { return a.Status == store.ActionInProgress }

func actionOf(a store.Action) Action {
	out := Action{ID: a.ID, VMUUID: a.VMUUID, Region: a.Region, Type: a.Type, Status: a.Status, StartedAt: a.StartedAt, CompletedAt: a.CompletedAt, Progress: a.Progress, Result: a.Result}
	if a.Error != "" {
		out.Error = ActionErrorKey(a.Error)
	}
	return out
}

// Move is one VM's move between nodes as the operator reads it.
type Move struct {
	VMUUID, VMName string
	// From and To are node names; To is "" for a move that could not begin.
	From, To string
	// Status is moving, moved, failed or unsettled (store.Move*).
	Status string
	// Mode is live or cold; ColdReason why cold (hypervisor.ColdReason).
	Mode, ColdReason string
	Downtime, Took   time.Duration
	// Error is why it failed, in the operator's words.
	Error string
}

func moveOf(m store.Move) Move {
	return Move{VMUUID: m.VMUUID, VMName: m.VMName, From: m.FromNode, To: m.ToNode, Status: m.Status, Mode: m.Mode,
		ColdReason: m.ColdReason, Downtime: m.Downtime, Took: m.Took, Error: m.Error}
}

// Plan is a size customers order.
type Plan struct {
	Slug, NameFA, NameEN string
	VCPUs, MemoryMB      int
	DiskGB               int
	PriceHourlyRials     int64
	// TrafficGB is the monthly traffic allowance; 0 is unlimited.
	TrafficGB int
}

func planOf(p store.Plan) Plan {
	return Plan{Slug: p.Slug, NameFA: p.NameFA, NameEN: p.NameEN, VCPUs: p.VCPUs, MemoryMB: p.MemoryMB, DiskGB: p.DiskGB,
		PriceHourlyRials: p.PriceHourlyRials, TrafficGB: p.TrafficGB}
}

// OSTemplate is an image customers order VMs from.
type OSTemplate struct {
	Slug, Name string
	MinDiskGB  int
}

func templateOf(t store.OSTemplate) OSTemplate {
	return OSTemplate{Slug: t.Slug, Name: t.Name, MinDiskGB: t.MinDiskGB}
}

// Region is where VMs run, with the network their public addresses come from.
type Region struct {
	Slug, NameFA, NameEN string
	Network, Gateway     string
}

func regionOf(r store.Region) Region {
	return Region{Slug: r.Slug, NameFA: r.NameFA, NameEN: r.NameEN, Network: r.IPNetwork, Gateway: r.Gateway}
}

// SSHKey is one of a customer's public keys.
type SSHKey struct {
	ID          int64
	Name        string
	PublicKey   string
	Fingerprint string
	CreatedAt   time.Time
}

func sshKeyOf(k store.SSHKey) SSHKey {
	return SSHKey{ID: k.ID, Name: k.Name, PublicKey: k.PublicKey, Fingerprint: k.Fingerprint, CreatedAt: k.CreatedAt}
}

// Token is one of a customer's API tokens (never its secret or the secret's hash).
type Token struct {
	ID         int64
	Name       string
	Prefix     string
	Scopes     []string
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time
	LastUsedIP string
	RevokedAt  time.Time
	CreatedAt  time.Time
	Expired    bool
}

// Event is one entry of a customer's activity.
type Event struct {
	Action     string // a message key under "audit."
	Severity   string
	Via        string
	TargetType string
	TargetID   string
	// TargetName is what the customer calls the target (a VM's name, a key's or a
	// token's), where the activity page would otherwise show an id; "" if none.
	TargetName string
	IP         string
	CreatedAt  time.Time
	// ActorID and ActorName are the person who did it.
	ActorID   int64
	ActorName string
}

func eventOf(e store.AuditEvent) Event {
	return Event{Action: e.Action, Severity: e.Severity, Via: e.Via, TargetType: e.TargetType, TargetID: e.TargetID,
		TargetName: nameInDetail(e), IP: e.IP, CreatedAt: e.CreatedAt, ActorID: e.ActorID, ActorName: e.ActorName}
}

func eventsOf(in []store.AuditEvent) []Event { return convert(in, eventOf) }

// LedgerEntry is one change of a wallet's balance.
type LedgerEntry struct {
	AmountRials  int64
	BalanceAfter int64
	Kind         string // vm_order, hourly, refund, topup …
	Ref          string
	CreatedAt    time.Time
}

func ledgerOf(l store.LedgerEntry) LedgerEntry {
	return LedgerEntry{AmountRials: l.AmountRials, BalanceAfter: l.BalanceAfter, Kind: l.Kind, Ref: l.Ref, CreatedAt: l.CreatedAt}
}

// convert maps a slice of rows to read types.
func convert[R, T any](in []R, of func(R) T) []T {
	out := make([]T, len(in))
	for i, r := range in {
		out[i] = of(r)
	}
	return out
}

// internal wraps an unexpected store error; nil stays nil.
func internal(err error) error {
	if err == nil {
		return nil
	}
	return Internal(err)
}

// netmask writes a network's mask in dotted form ("10.0.0.0/24" → "255.255.255.0").
func netmask(network string) string {
	p, err := netip.ParsePrefix(network)
	if err != nil || !p.Addr().Is4() {
		return ""
	}
	return net.IP(net.CIDRMask(p.Bits(), 32)).String()
}

func bootOf(v *store.VM) string {
	switch {
	case v.RescueCrypt != "":
		return BootRescue
	case v.BootISO != "":
		return BootCDROM
	}
	return BootDisk
}
