package services

import (
	"context"
	"errors"
	"strings"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// writable loads a VM the principal may change, refusing while it is being
// built, is gone, is locked by another operation, or is suspended for
// non-payment (which still lets it be deleted).
func (s *VMs) writable(ctx context.Context, p Principal, uuid, scope string) (store.VM, error) {
	if err := p.Require(scope); err != nil {
		return store.VM{}, err
	}
	vm, err := s.own(ctx, p, uuid)
	if err != nil {
		return vm, err
	}
	switch {
	case vm.Status == vmstatus.Destroyed:
		return vm, NotFound()
	case vm.Locked:
		return vm, Conflict("vm.locked")
	case vm.Suspended() && scope != ScopeVMDelete:
		e := Conflict("vm.suspended_unpaid")
		e.Code = "suspended_unpaid"
		return vm, e
	}
	return vm, nil
}

// Rename changes the display name (a database-only change, recorded as a completed action).
func (s *VMs) Rename(ctx context.Context, p Principal, uuid, name string) (VM, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return VM{}, err
	}
	name = strings.TrimSpace(name)
	if k := validDisplayName(name); k != "" {
		return VM{}, Invalid(map[string]string{"display_name": k})
	}
	if err := s.db.RenameVM(ctx, vm.ID, name); err != nil {
		return VM{}, Internal(err)
	}
	_, _ = s.db.CompletedAction(ctx, p.UserID, vm.ID, "rename")
	s.audit.Record(ctx, p, "vm.rename", SeverityInfo, "vm", vm.UUID, name)
	return s.reload(ctx, vm.ID)
}

// SetHostname records a new RFC 1123 hostname and rewrites the VM's seed, so
// the guest takes it at its next boot.
func (s *VMs) SetHostname(ctx context.Context, p Principal, uuid, hostname string) (VM, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return VM{}, err
	}
	hostname = strings.ToLower(strings.TrimSpace(hostname))
	if hostname == "" {
		return VM{}, Invalid(map[string]string{"hostname": "form.required"})
	}
	if !ValidHostname(hostname) {
		return VM{}, Invalid(map[string]string{"hostname": "vm.hostname_invalid"})
	}
	if err := s.db.SetVMHostname(ctx, vm.ID, hostname); err != nil {
		return VM{}, Internal(err)
	}
	s.refreshSeed(ctx, vm.ID)
	_, _ = s.db.CompletedAction(ctx, p.UserID, vm.ID, "hostname")
	s.audit.Record(ctx, p, "vm.hostname", SeverityInfo, "vm", vm.UUID, hostname)
	return s.reload(ctx, vm.ID)
}

// SetPassword sets the root password through the guest agent of a running VM.
// The password is never stored, logged or echoed; only its crypt hash is kept
// for future rebuilds.
func (s *VMs) SetPassword(ctx context.Context, p Principal, uuid, password string) error {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return err
	}
	if k := passwordProblem(password, ""); k != "" {
		return Invalid(map[string]string{"password": k})
	}
	if vm.Status != vmstatus.Running {
		return Conflict("vm.not_running")
	}
	node, err := s.fleet.Node(vm.NodeID)
	if err != nil {
		return Unavailable("vm.node_unavailable", err)
	}
	act, _ := s.db.StartAction(ctx, p.UserID, vm.ID, "password")
	err = node.SetPassword(ctx, vm.UUID, "root", password)
	if err != nil {
		s.log.Warn("vm action failed", "vm", vm.UUID, "action", "password", "action_id", act.ID, "err", err)
		_, _ = s.db.EndAction(ctx, act.ID, actionError(err))
		if errors.Is(err, hypervisor.ErrUnavailable) {
			return Unavailable("vm.agent_unavailable", err)
		}
		return Conflict("vm.agent_unavailable")
	}
	_ = s.db.SetVMRootCrypt(ctx, vm.ID, hypervisor.CryptPassword(password))
	s.refreshSeed(ctx, vm.ID)
	_, _ = s.db.EndAction(ctx, act.ID, "")
	s.audit.Record(ctx, p, "vm.password", SeveritySecurity, "vm", vm.UUID, "")
	return nil
}

// Power runs start, shutdown, reboot or kill. It is idempotent: asking for the
// state the VM is already in completes at once. The operation continues after
// the request; the returned action tells where it stands.
func (s *VMs) Power(ctx context.Context, p Principal, uuid, name string) (Action, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return Action{}, err
	}
	action, ok := vmstatus.ParseAction(name)
	if !ok {
		return Action{}, NotFound()
	}
	target := action.Target()
	switch {
	case vm.Status == vmstatus.Creating:
		return Action{}, Conflict("vm.still_creating")
	case vm.Status == vmstatus.Failed:
		return Action{}, Conflict("vm.failed")
	case vm.Status == target && action != vmstatus.Reboot:
		sa, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, name)
		if err != nil {
			return Action{}, Internal(err)
		}
		a := actionOf(sa)
		return a, nil
	case !vm.Status.Allows(action):
		return Action{}, Conflict("vm.not_running")
	}
	if action == vmstatus.Start {
		// Nothing starts that the wallet cannot pay the next hour of.
		if err := s.canPay(ctx, vm, vm.PriceHourly); err != nil {
			return Action{}, err
		}
	}
	node, err := s.fleet.Node(vm.NodeID)
	if err != nil {
		return Action{}, Unavailable("vm.node_unavailable", err)
	}
	s.audit.Record(ctx, p, "vm."+name, SeverityInfo, "vm", vm.UUID, "")
	timeout := 2 * time.Minute
	if action == vmstatus.Shutdown {
		timeout += s.cfg.ShutdownDeadline
	}
	return s.async(ctx, p, vm, name, timeout, func(ctx context.Context) error {
		var err error
		switch {
		case action == vmstatus.Start && vm.Status == vmstatus.Paused:
			err = node.Resume(ctx, vm.UUID)
		case action == vmstatus.Start:
			err = node.Start(ctx, vm.UUID)
		case action == vmstatus.Shutdown:
			err = node.Shutdown(ctx, vm.UUID, s.cfg.ShutdownDeadline)
		case action == vmstatus.Reboot:
			err = node.Reboot(ctx, vm.UUID)
		case action == vmstatus.Kill:
			err = node.PowerOff(ctx, vm.UUID)
		}
		if err == nil && action == vmstatus.Start {
			err = s.resumeBilling(ctx, vm, node)
		}
		if err == nil {
			_ = s.db.SetVMStatus(ctx, vm.ID, target)
		}
		return err
	})
}

// Delete destroys a VM and its disks. The record stays, as destroyed, for the
// customer's history; its address is freed.
func (s *VMs) Delete(ctx context.Context, p Principal, uuid string) (Action, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMDelete)
	if err != nil {
		return Action{}, err
	}
	if vm.Status == vmstatus.Creating {
		return s.cancel(ctx, p, vm)
	}
	s.audit.Record(ctx, p, "vm.delete", SeverityWarning, "vm", vm.UUID, vm.DisplayName)
	if vm.NodeID == 0 {
		_ = s.db.SetVMStatus(ctx, vm.ID, vmstatus.Destroyed)
		a, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, "delete")
		return actionOf(a), err
	}
	node, err := s.fleet.Node(vm.NodeID)
	if err != nil {
		return Action{}, Unavailable("vm.node_unavailable", err)
	}
	if ok, err := s.db.TryLockVM(ctx, vm.ID); err != nil {
		return Action{}, Internal(err)
	} else if !ok {
		return Action{}, Conflict("vm.locked")
	}
	return s.async(ctx, p, vm, "delete", 5*time.Minute, func(ctx context.Context) error {
		err := node.Delete(ctx, vm.UUID)
		if err != nil && !errors.Is(err, hypervisor.ErrNotFound) {
			_ = s.db.SetVMLocked(ctx, vm.ID, false)
			return err
		}
		if err := s.db.SetVMStatus(ctx, vm.ID, vmstatus.Destroyed); err != nil {
			return err
		}
		return s.db.SetVMLocked(ctx, vm.ID, false)
	})
}

// async records an action and runs op after the request has been answered,
// bounded by timeout and by the service's lifetime.
func (s *VMs) async(ctx context.Context, p Principal, vm store.VM, typ string, timeout time.Duration, op func(ctx context.Context) error) (Action, error) {
	return s.asyncAction(ctx, p, vm, typ, timeout, func(ctx context.Context, _ int64) error { return op(ctx) })
}

// asyncAction is async for an op that reports progress on its action.
func (s *VMs) asyncAction(ctx context.Context, p Principal, vm store.VM, typ string, timeout time.Duration, op func(ctx context.Context, actionID int64) error) (Action, error) {
	a, err := s.db.StartAction(ctx, p.UserID, vm.ID, typ)
	if err != nil {
		return Action{}, Internal(err)
	}
	a.VMUUID = vm.UUID
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		octx, cancel := context.WithTimeout(s.bg, timeout)
		defer cancel()
		msg := ""
		if err := op(octx, a.ID); err != nil {
			msg = actionError(err)
			s.log.Warn("vm action failed", "vm", vm.UUID, "action", typ, "action_id", a.ID, "err", err)
		}
		if _, err := s.db.EndAction(context.Background(), a.ID, msg); err != nil {
			s.log.Error("ending action", "action", a.ID, "err", err)
		}
	}()
	return actionOf(a), nil
}

// cancel withdraws an order still waiting for a hypervisor: the VM is marked
// destroyed and the charge refunded in one transaction. An order a worker is
// building right now cannot be cancelled; the customer deletes the VM once it runs.
func (s *VMs) cancel(ctx context.Context, p Principal, vm store.VM) (Action, error) {
	o, err := s.db.OrderForVM(ctx, vm.ID)
	if err != nil {
		return Action{}, Internal(err)
	}
	ok, err := s.db.CancelOrder(ctx, o.ID)
	if err != nil {
		return Action{}, Internal(err)
	}
	if !ok {
		return Action{}, Conflict("vm.still_creating")
	}
	s.audit.Record(ctx, p, "vm.cancel", SeverityInfo, "vm", vm.UUID, vm.DisplayName)
	if vm.NodeID != 0 {
		// An earlier attempt may have left part of a domain on the node.
		if node, err := s.fleet.Node(vm.NodeID); err == nil {
			_ = node.Delete(ctx, vm.UUID)
		}
	}
	sa, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, "delete")
	if err != nil {
		return Action{}, Internal(err)
	}
	a := actionOf(sa)
	return a, nil
}

// refreshSeed rewrites a placed VM's cloud-init seed from its record, so that a
// new hostname or root password survives the guest's next boot. A node that
// does not answer now is not an error: the record is the truth, and a rebuild
// or the next change writes the seed again.
func (s *VMs) refreshSeed(ctx context.Context, vmID int64) {
	vm, err := s.db.VMByID(ctx, vmID)
	if err != nil || vm.NodeID == 0 || vm.Status == vmstatus.Creating {
		return
	}
	node, err := s.fleet.Node(vm.NodeID)
	if err != nil {
		return
	}
	spec, err := s.specFor(ctx, vm)
	if err != nil {
		return
	}
	if err := node.RefreshSeed(ctx, spec); err != nil {
		s.log.Warn("refreshing seed", "vm", vm.UUID, "err", err)
	}
}

// reload reads a VM again after a change, as the doors show it.
func (s *VMs) reload(ctx context.Context, id int64) (VM, error) {
	vm, err := s.db.VMByID(ctx, id)
	if err != nil {
		return VM{}, Internal(err)
	}
	return vmOf(vm), nil
}
