package services

import (
	"context"
	"errors"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// RunBiller charges every live VM by the hour until ctx ends. The order paid
// the first hour; each later hour is one ledger row. When a wallet cannot pay
// an hour, the VM is powered off (its disk is kept) and the customer sees a
// warning in the activity log; it is billed again once started with funds.
func (s *VMs) RunBiller(ctx context.Context) {
	s.every(ctx, s.cfg.BillingInterval, nil, func() { s.BillDue(ctx, time.Now()) })
}

// BillDue charges every hour that has come due by now.
func (s *VMs) BillDue(ctx context.Context, now time.Time) {
	for {
		due, err := s.db.DueHours(ctx, now, 100)
		if err != nil {
			s.log.Error("listing due hours", "err", err)
			return
		}
		if len(due) == 0 {
			return
		}
		progressed := false
		for _, d := range due {
			charged, err := s.db.ChargeHour(ctx, d)
			switch {
			case errors.Is(err, store.ErrInsufficientFunds):
				s.unpaid(ctx, d, now)
			case err != nil:
				s.log.Error("charging an hour", "vm", d.UUID, "err", err)
			case charged:
				progressed = true
			}
		}
		if !progressed {
			return
		}
	}
}

// unpaid powers off a running VM whose hour the wallet cannot pay, once, and
// lets the hour pass unbilled: no debt builds up while the VM is off, and it
// can be started again only with the next hour in the wallet.
func (s *VMs) unpaid(ctx context.Context, d store.DueHour, now time.Time) {
	if d.Status != vmstatus.Running {
		if err := s.db.SkipHour(ctx, d, now); err != nil {
			s.log.Error("skipping an unpaid hour", "vm", d.UUID, "err", err)
		}
		return
	}
	vm, err := s.db.VMByID(ctx, d.VMID)
	if err != nil || vm.NodeID == 0 {
		return
	}
	node, err := s.fleet.Node(vm.NodeID)
	if err != nil {
		return // tried again at the next tick
	}
	if err := node.PowerOff(ctx, vm.UUID); err != nil && !errors.Is(err, hypervisor.ErrInvalidState) {
		s.log.Warn("powering off an unpaid vm", "vm", vm.UUID, "err", err)
		return
	}
	_ = s.db.SetVMStatus(ctx, vm.ID, vmstatus.Stopped)
	_ = s.db.SkipHour(ctx, d, now)
	s.audit.Record(ctx, Principal{UserID: d.UserID}, "vm.unpaid_stop", SeverityWarning, "vm", vm.UUID, "")
	s.log.Info("unpaid vm powered off", "vm", vm.UUID)
}
