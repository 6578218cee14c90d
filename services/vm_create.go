package services

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// CreateVMInput is an order for a VM, from the API's JSON or the dashboard's form.
type CreateVMInput struct {
	PlanSlug       string
	OSTemplateSlug string
	AuthMode       string
	CustomPassword string
	SSHKeyIDs      []int64
	DisplayName    string
	Hostname       string
	Region         string
	// UserData is the customer's cloud-config or "#!" script (UserDataProblem).
	UserData string
	// BackupsEnabled turns the VM's daily backups on from the start (priced
	// as BackupPrice of the plan's hourly price, charged from the first hour).
	BackupsEnabled bool
	// IdempotencyKey makes a repeated request return the first VM.
	IdempotencyKey string
	// GeneratePassword asks for a random root password, shown once in the
	// answer (Ordered.RootPassword): seed 001's order names neither keys nor
	// a password, and a root password nobody is told is no way in.
	GeneratePassword bool
	// Size (seed 001's cpu, size and disk_size: vCPUs and GB) orders the
	// smallest active plan holding it when no PlanSlug is given.
	Size *Size
	// from is the backup the VM is built from (RestoreBackupAsNew).
	from *store.Backup
}

// requestHash identifies an order's content, so a reused idempotency key with
// other content is refused rather than silently answered with the first VM.
// The password is left out: an unsalted hash of it would be guessable from the
// database, and the password is never stored in any form but its crypt hash.
func (in CreateVMInput) requestHash() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%v\x00%s\x00%s\x00%s\x00%s\x00%v", in.PlanSlug, in.OSTemplateSlug, in.AuthMode,
		in.SSHKeyIDs, in.DisplayName, in.Hostname, in.Region, in.UserData, in.BackupsEnabled)
	if in.from != nil {
		fmt.Fprintf(h, "\x00backup %d", in.from.ID)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func randomVNCPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Ordered is what Create answers: the VM, and why its order waits when it does
// (a message key: vm.no_capacity while no hypervisor takes it, vm.region_full
// while the region has no free address; "" when it is being built). A waiting
// order is paid and kept and tried again; the API says 503 with the VM's
// Location while it waits, as the contract asks.
type Ordered struct {
	VM      VM
	Waiting string
	// RootPassword is the generated root password (CreateVMInput.GeneratePassword),
	// in this answer only: never stored in clear, not shown by a replay.
	RootPassword string
	// replay is an answer to a repeated request (its idempotency key).
	replay bool
}

// Create orders a VM: it checks the order (checkOrder), then records the VM,
// its addresses, the order and the first hour's charge in one transaction, and
// places the VM on a node (recordOrder).
func (s *VMs) Create(ctx context.Context, p Principal, in CreateVMInput) (Ordered, error) {
	if err := p.Require(ScopeVMCreate); err != nil {
		return Ordered{}, err
	}
	if err := s.requireVerified(ctx, p.UserID); err != nil {
		return Ordered{}, err
	}
	if in.GeneratePassword && in.AuthMode == "" && in.CustomPassword == "" && len(in.SSHKeyIDs) == 0 {
		in.AuthMode, in.CustomPassword = "password", generatedPassword()
	} else {
		in.GeneratePassword = false
	}
	order, err := s.checkOrder(ctx, p, in)
	if err != nil {
		return Ordered{}, err
	}
	o, err := s.recordOrder(ctx, p, order)
	if err == nil && in.GeneratePassword && !o.replay {
		o.RootPassword = in.CustomPassword
	}
	return o, err
}

// checkOrder validates every field of an order, naming each that is wrong,
// and fills in what was left out (a hostname, a display name): the order to
// record.
func (s *VMs) checkOrder(ctx context.Context, p Principal, in CreateVMInput) (store.NewVMOrder, error) {
	in.PlanSlug = strings.TrimSpace(in.PlanSlug)
	in.OSTemplateSlug = strings.TrimSpace(in.OSTemplateSlug)
	in.Hostname = strings.ToLower(strings.TrimSpace(in.Hostname))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if in.PlanSlug == "" && in.Size != nil {
		if in.Size.CPU < 0 || in.Size.RAM < 0 || in.Size.Disk < 0 {
			return store.NewVMOrder{}, Invalid(map[string]string{"size": "api.resize_size"})
		}
		slug, err := s.planHolding(ctx, in.Size.CPU, in.Size.RAM, in.Size.Disk)
		if err != nil {
			return store.NewVMOrder{}, err
		}
		in.PlanSlug = slug
	}
	// Hashed before the defaults below fill in a random hostname, so a repeated
	// request without a hostname still matches its first one.
	requestHash := in.requestHash()
	fields := map[string]string{}

	plan, ok, err := s.activePlan(ctx, in.PlanSlug)
	switch {
	case in.PlanSlug == "":
		fields["plan_slug"] = "form.required"
	case err != nil:
		return store.NewVMOrder{}, err
	case !ok:
		fields["plan_slug"] = "vm.plan_unknown"
	}
	tmpl, ok, err := s.activeTemplate(ctx, in.OSTemplateSlug)
	if in.from != nil {
		// The backup's disk holds the OS its VM was built from, whether or
		// not the template is still offered.
		tmpl, err = s.db.OSTemplate(ctx, in.OSTemplateSlug)
		ok = err == nil
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
	}
	switch {
	case in.OSTemplateSlug == "":
		fields["os_template_slug"] = "form.required"
	case err != nil:
		return store.NewVMOrder{}, err
	case !ok:
		fields["os_template_slug"] = "vm.template_unknown"
	}
	region, err := s.pickRegion(ctx, in.Region)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			return store.NewVMOrder{}, Internal(err)
		}
		fields["region"] = "vm.region_unknown"
	}

	var rootCrypt string
	var sshKeys []string
	switch in.AuthMode {
	case "password":
		if k := passwordProblem(in.CustomPassword, ""); k != "" {
			fields["custom_password"] = k
		} else {
			rootCrypt = hypervisor.CryptPassword(in.CustomPassword)
		}
	case "ssh_key":
		if len(in.SSHKeyIDs) == 0 {
			fields["ssh_key_ids"] = "form.required"
		} else if s.keys == nil {
			fields["ssh_key_ids"] = "vm.ssh_keys_unknown"
		} else if sshKeys, err = s.keys.PublicKeys(ctx, p, in.SSHKeyIDs); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 422 {
				return store.NewVMOrder{}, err
			}
			fields["ssh_key_ids"] = "vm.ssh_keys_unknown"
		}
	case "":
		fields["auth_mode"] = "form.required"
	default:
		fields["auth_mode"] = "vm.auth_mode_invalid"
	}

	// The template's guest must apply what is ordered (seed 002: "the selected image
	// supports setting the password / the SSH key").
	if tmpl.Slug != "" && fields["auth_mode"] == "" {
		switch {
		case in.AuthMode == "password" && !tmpl.Has(FeaturePassword):
			fields["auth_mode"] = "vm.template_no_password"
		case in.AuthMode == "ssh_key" && !tmpl.Has(FeatureSSHKey):
			fields["auth_mode"] = "vm.template_no_ssh_key"
		}
	}

	if k := UserDataProblem(in.UserData); k != "" {
		fields["user_data"] = k
	} else if in.UserData != "" && tmpl.Slug != "" && !tmpl.Has(FeatureUserData) {
		fields["user_data"] = "vm.template_no_user_data"
	}

	id := uuid.NewString()
	if in.Hostname == "" {
		in.Hostname = "vm-" + id[:8]
	} else if !ValidHostname(in.Hostname) {
		fields["hostname"] = "vm.hostname_invalid"
	}
	if in.DisplayName == "" {
		in.DisplayName = in.Hostname
	} else if k := validDisplayName(in.DisplayName); k != "" {
		fields["display_name"] = k
	}
	diskGB := max(plan.DiskGB, tmpl.MinDiskGB)
	var fromID int64
	if in.from != nil {
		// Disks never shrink: the plan must hold the backup's whole disk.
		need := int((in.from.Capacity + gib - 1) / gib)
		if plan.Slug != "" && plan.DiskGB < need {
			fields["plan_slug"] = "backup.plan_too_small"
		}
		diskGB, fromID = max(diskGB, need), in.from.ID
	}
	if len(fields) > 0 {
		return store.NewVMOrder{}, Invalid(fields)
	}

	order := store.NewVMOrder{
		VM: store.VM{UUID: id, UserID: p.UserID, DisplayName: in.DisplayName, Hostname: in.Hostname,
			PlanSlug: plan.Slug, OSTemplateSlug: tmpl.Slug, Region: region.Slug,
			VCPUs: plan.VCPUs, MemoryMB: plan.MemoryMB, DiskGB: diskGB,
			VNCPassword: randomVNCPassword(), RootCrypt: rootCrypt, SSHKeys: sshKeys},
		AmountRials:    plan.PriceHourlyRials,
		IdempotencyKey: in.IdempotencyKey,
		RequestHash:    requestHash,
		Quarantine:     s.cfg.AddressQuarantine,
		UserData:       in.UserData,
		FromBackupID:   fromID,
	}
	if in.BackupsEnabled {
		order.VM.BackupsEnabled, order.VM.BackupPriceHourly = true, s.BackupPrice(plan.PriceHourlyRials)
		order.BackupRials = order.VM.BackupPriceHourly
	}
	return order, nil
}

// recordOrder records a checked order and its first hour's charge, then places
// the VM on a node. A repeated idempotency key answers as its first call did;
// an order with no address or no hypervisor yet is kept, paid, and says why it
// waits.
func (s *VMs) recordOrder(ctx context.Context, p Principal, order store.NewVMOrder) (Ordered, error) {
	var vm store.VM
	var replay, noAddress bool
	err := store.ErrMACTaken
	for try := 0; try < macTries && errors.Is(err, store.ErrMACTaken); try++ {
		order.VM.MAC = newMAC()
		vm, replay, noAddress, err = s.db.CreateVMOrder(ctx, order)
	}
	switch {
	case errors.Is(err, store.ErrInsufficientFunds):
		return Ordered{}, InvalidWith("vm.insufficient_balance", map[string]string{"wallet": "vm.insufficient_balance"})
	case errors.Is(err, store.ErrIdempotencyMismatch):
		return Ordered{}, InvalidWith("error.idempotency_mismatch", map[string]string{"idempotency_key": "error.idempotency_mismatch"})
	case err != nil:
		return Ordered{}, Internal(err)
	}
	if replay {
		// Answered as the first call was, with the VM as it is now: still waiting
		// (that call's 503) while it has no hypervisor.
		o := Ordered{VM: s.vmOf(vm), replay: true}
		if vm.Status == vmstatus.Creating && vm.NodeID == 0 {
			o.Waiting = waitReason(vm.OrderError)
		}
		return o, nil
	}
	if _, err := s.db.StartAction(ctx, p.UserID, vm.ID, "create"); err != nil {
		s.log.Error("recording create action", "vm", vm.UUID, "err", err)
	}
	s.audit.Record(ctx, p, "vm.create", SeverityInfo, "vm", vm.UUID, order.VM.PlanSlug)

	if noAddress {
		// The order is paid and kept; the provisioner gives it an address once one frees.
		s.noAddress(vm)
		return s.waiting(ctx, vm, store.ErrNoAddress), nil
	}
	if _, err := s.place(ctx, vm, order.FromBackupID != 0); err != nil {
		// Say at once why the order waits; the provisioner keeps trying from here.
		s.log.Warn("order waits for a hypervisor", "vm", vm.UUID, "region", vm.Region, "err", err)
		return s.waiting(ctx, vm, err), nil
	}
	s.kick()
	vm, err = s.db.VMByID(ctx, vm.ID)
	if err != nil {
		return Ordered{}, Internal(err)
	}
	return Ordered{VM: s.vmOf(vm)}, nil
}

// waiting defers a new order that cannot be built yet, saying why.
func (s *VMs) waiting(ctx context.Context, vm store.VM, cause error) Ordered {
	if o, err := s.db.OrderForVM(ctx, vm.ID); err == nil {
		_ = s.db.DeferOrder(ctx, o.ID, time.Now().Add(s.cfg.RetryBase), cause.Error())
	}
	if fresh, err := s.db.VMByID(ctx, vm.ID); err == nil {
		vm = fresh
	}
	return Ordered{VM: s.vmOf(vm), Waiting: waitReason(cause.Error())}
}

// waitReason is the message key telling a customer why their order waits.
func waitReason(orderError string) string {
	if orderError == store.ErrNoAddress.Error() {
		return "vm.region_full"
	}
	return "vm.no_capacity"
}

// pickRegion returns the named region, or the first one when none is named;
// a region the operator disabled is offered to no new order (ErrNotFound).
func (s *VMs) pickRegion(ctx context.Context, slug string) (store.Region, error) {
	if slug != "" {
		r, err := s.db.Region(ctx, strings.TrimSpace(slug))
		if err == nil && r.Disabled {
			return store.Region{}, store.ErrNotFound
		}
		return r, err
	}
	regions, err := s.db.Regions(ctx)
	if err != nil {
		return store.Region{}, err
	}
	if len(regions) == 0 {
		return store.Region{}, store.ErrNotFound
	}
	return regions[0], nil
}

// place picks a node for a VM that has none yet and records it. A VM built
// from a template goes where the template is; anyNode lets one built from a
// backup's disk go to any node of its region with room. Draining nodes take
// none.
func (s *vmCore) place(ctx context.Context, vm store.VM, anyNode bool) (int64, error) {
	if vm.NodeID != 0 {
		return vm.NodeID, nil
	}
	used, err := s.nodeUsage(ctx)
	if err != nil {
		return 0, err
	}
	var holders func(int64) bool
	if !anyNode {
		if holders, err = s.nodesWithTemplate(ctx, vm.OSTemplateSlug); err != nil {
			return 0, err
		}
	}
	// A draining node is being emptied: nothing new goes there.
	draining, err := s.db.DrainingNodes(ctx)
	if err != nil {
		return 0, err
	}
	allowed := func(id int64) bool { return !draining[id] && (holders == nil || holders(id)) }
	nodeID, err := s.fleet.PlaceAmong(vm.Region, hypervisor.Resources{VCPUs: vm.VCPUs, MemoryMB: vm.MemoryMB, DiskGB: vm.DiskGB}, used, allowed)
	if err != nil {
		return 0, err
	}
	if err := s.db.SetVMNode(ctx, vm.ID, nodeID); err != nil {
		return 0, err
	}
	return nodeID, nil
}

// nodeUsage is what the live VMs placed on each node take of it.
func (s *vmCore) nodeUsage(ctx context.Context) (map[int64]hypervisor.Resources, error) {
	usage, err := s.db.NodeUsage(ctx)
	if err != nil {
		return nil, err
	}
	used := make(map[int64]hypervisor.Resources, len(usage))
	for id, u := range usage {
		used[id] = hypervisor.Resources{VCPUs: u[0], MemoryMB: u[1], DiskGB: u[2]}
	}
	return used, nil
}

// nodesWithTemplate admits the nodes that hold an imported template's volume
// (nil, every node, for a template whose volume all nodes have).
func (s *vmCore) nodesWithTemplate(ctx context.Context, slug string) (func(int64) bool, error) {
	t, err := s.db.OSTemplate(ctx, slug)
	if err != nil || !t.Imported() {
		return nil, err
	}
	ready, err := s.db.NodesWithTemplate(ctx, slug)
	if err != nil {
		return nil, err
	}
	return func(id int64) bool { return ready[id] }, nil
}

// kick wakes the provisioner without blocking.
func (s *vmCore) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// requireVerified refuses orders from an account whose address is not yet
// confirmed, while the panel has mail to confirm it with: a provider must be
// able to reach whoever runs a server on its network.
func (s *VMs) requireVerified(ctx context.Context, userID int64) error {
	if !s.mail.Enabled() {
		return nil
	}
	u, err := s.db.UserByID(ctx, userID)
	if err != nil {
		return Internal(err)
	}
	if !u.EmailVerified {
		e := Forbidden("vm.email_unverified")
		e.Code = "email_unverified"
		return e
	}
	return nil
}
