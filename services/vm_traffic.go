package services

import (
	"context"

	"abrak/calendar"
)

// MonthTraffic is what a VM received and sent in month m of the customer's
// calendar: a Jalali month in Tehran, as Persian statements count, or a
// calendar month in UTC. Each is counted as it happens (store.RecordTraffic),
// never split from the other, so a month's edge falls where its calendar puts it.
func (s *VMs) MonthTraffic(ctx context.Context, p Principal, uuid string, m calendar.Month) (received, sent int64, err error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return 0, 0, err
	}
	vm, err := s.own(ctx, p, uuid)
	if err != nil {
		return 0, 0, err
	}
	read := s.db.Traffic
	if m.Jalali {
		read = s.db.JalaliTraffic
	}
	received, sent, err = read(ctx, vm.ID, m.String())
	if err != nil {
		return 0, 0, Internal(err)
	}
	return received, sent, nil
}
