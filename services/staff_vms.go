package services

import (
	"context"
	"errors"
	"strings"
	"time"

	"abrak/store"
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
	Limit, Offset int
}

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
