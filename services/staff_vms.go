package services

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"abrak/store"
	"abrak/vmstatus"
)

// StaffVM is a VM as the operator's list shows it.
type StaffVM struct {
	UUID, Name, Status, Plan, Region, IP, Node string
	OwnerID                                    int64
	OwnerEmail                                 string
	LockReason                                 string
	CreatedAt                                  time.Time
}

// StaffVMFilter is the operator's search of VMs (store.StaffVMFilter).
type StaffVMFilter struct {
	Q, Status     string
	Locked        bool
	Sort          string // one of store.StaffVMSorts; any other is ignored
	Desc          bool
	Limit, Offset int
}

// VMSortable reports a column the operator's VM list sorts by.
func VMSortable(col string) bool { _, ok := store.StaffVMSorts[col]; return ok }

// VMs lists one page of every customer's VMs: by uuid, address, name, owner
// or node.
func (s *Staff) VMs(ctx context.Context, p Principal, f StaffVMFilter) ([]StaffVM, int, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return nil, 0, err
	}
	rows, total, err := s.db.StaffVMs(ctx, store.StaffVMFilter(f))
	if err != nil {
		return nil, 0, Internal(err)
	}
	return convert(rows, func(v store.StaffVM) StaffVM { return StaffVM(v) }), total, nil
}

// LockVM locks a customer's VM for reason (support may): from then on every
// change its customer asks of it is refused with 423 locked and the reason,
// on both doors, until it is unlocked. Locking a locked VM replaces the reason.
func (s *Staff) LockVM(ctx context.Context, p Principal, uuid, reason string) error {
	if err := p.RequireStaff(StaffAct); err != nil {
		return err
	}
	reason, err := reasonOf(reason)
	if err != nil {
		return err
	}
	if err := s.db.SetVMAdminLock(ctx, strings.TrimSpace(uuid), reason, p.Person(), time.Now()); errors.Is(err, store.ErrNotFound) {
		return NotFound()
	} else if err != nil {
		return Internal(err)
	}
	s.record(ctx, p, "admin.vm_lock", SeverityWarning, "vm", uuid, reason)
	return nil
}

// UnlockVM lifts the operator's lock.
func (s *Staff) UnlockVM(ctx context.Context, p Principal, uuid string) error {
	if err := p.RequireStaff(StaffAct); err != nil {
		return err
	}
	if err := s.db.SetVMAdminLock(ctx, strings.TrimSpace(uuid), "", 0, time.Now()); errors.Is(err, store.ErrNotFound) {
		return NotFound()
	} else if err != nil {
		return Internal(err)
	}
	s.record(ctx, p, "admin.vm_unlock", SeverityWarning, "vm", uuid, "")
	return nil
}

// StaffPowerActions are the power actions the operator's list offers.
var StaffPowerActions = []vmstatus.Action{vmstatus.Start, vmstatus.Shutdown, vmstatus.Reboot, vmstatus.Kill}

// PowerVM starts, shuts down, reboots or powers off a customer's VM (support
// may) through the customers' own power service, acting as the account with
// the operator's mark: the same rules (status, the wallet for a start, the
// operation lock), one action the customer sees in their VM's actions and
// activity as the provider's, and the staff member's own audit row. The
// operator's lock does not stop it: the operator locked the VM to act on it.
func (s *Staff) PowerVM(ctx context.Context, p Principal, uuid, action string) (Action, error) {
	if err := p.RequireStaff(StaffAct); err != nil {
		return Action{}, err
	}
	a, ok := vmstatus.ParseAction(action)
	if !ok || !slices.Contains(StaffPowerActions, a) {
		return Action{}, NotFound()
	}
	if s.vms == nil {
		return Action{}, Unavailable("error.unavailable", nil)
	}
	vm, err := s.db.VMByUUID(ctx, strings.TrimSpace(uuid))
	if errors.Is(err, store.ErrNotFound) || err == nil && vm.Status == vmstatus.Destroyed {
		return Action{}, NotFound()
	}
	if err != nil {
		return Action{}, Internal(err)
	}
	as := Principal{UserID: vm.UserID, IP: p.IP, operator: true}
	out, err := s.vms.Power(ctx, as, vm.UUID, action)
	if err != nil {
		return Action{}, err
	}
	s.record(ctx, p, "admin.vm_power", SeverityWarning, "vm", vm.UUID, action)
	return out, nil
}
