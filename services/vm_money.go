package services

import (
	"context"
	"errors"

	"abrak/store"
	"abrak/vmstatus"
)

// canPay refuses an operation that would leave vm running (or larger) without
// the next hour in the wallet; price is the hourly price it will have.
func (s *VMs) canPay(ctx context.Context, vm store.VM, price int64) error {
	u, err := s.db.UserByID(ctx, vm.UserID)
	if err != nil {
		return Internal(err)
	}
	if u.BalanceRials < price {
		return InvalidWith("vm.insufficient_balance", map[string]string{"wallet": "vm.insufficient_balance"})
	}
	return nil
}

// resumeBilling pays the hour beginning now for a VM that a start or a rebuild
// has just brought up from a hold. A wallet emptied meanwhile (another VM's
// charge) powers it off again, still held.
func (s *VMs) resumeBilling(ctx context.Context, vm store.VM, node interface {
	PowerOff(context.Context, string) error
}) error {
	if !vm.Held() {
		return nil
	}
	_, err := s.db.ResumeBilling(ctx, vm, s.cfg.Now())
	if errors.Is(err, store.ErrInsufficientFunds) {
		_ = node.PowerOff(ctx, vm.UUID)
		_ = s.db.SetVMStatus(ctx, vm.ID, vmstatus.Stopped)
		return errInsufficientAtStart
	}
	return err
}

var errInsufficientAtStart = errors.New("the wallet could no longer pay the next hour")
