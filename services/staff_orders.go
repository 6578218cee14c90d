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

// StaffOrder is an order that needs the operator's attention (State one of OrderStates).
type StaffOrder struct {
	ID                 int64
	State              string
	Status             vmstatus.Order
	VMUUID, VMName     string
	Plan, Region       string
	OwnerID            int64
	OwnerEmail         string
	AmountRials        int64
	Attempts, Failures int
	LastError          string
	CreatedAt          time.Time
	UpdatedAt          time.Time
	NextAttemptAt      time.Time
}

// OrderStates are the states of the orders that need attention: waiting
// (for a hypervisor or an address; no build failed yet), retrying (a build
// failed), refunded (given up, the VM failed).
var OrderStates = store.OrderStates

// OrderGaveUp is the state of an order given up and refunded.
const OrderGaveUp = store.OrderGaveUp

// StaffOrderFilter narrows the operator's orders: State one of OrderStates
// ("" all), Q a VM's uuid or part of its owner's address.
type StaffOrderFilter struct {
	State, Q      string
	Sort          string // one of store.StaffOrderSorts; any other is ignored
	Desc          bool
	Limit, Offset int
}

// OrderSortable reports a column the orders list sorts by.
func OrderSortable(col string) bool { _, ok := store.StaffOrderSorts[col]; return ok }

// Orders lists one page of the orders that need attention: waiting for a
// hypervisor, retrying after a failed build, given up and refunded.
func (s *Staff) Orders(ctx context.Context, p Principal, f StaffOrderFilter) ([]StaffOrder, int, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return nil, 0, err
	}
	if f.State != "" && !slices.Contains(store.OrderStates, f.State) {
		return nil, 0, Invalid(map[string]string{"state": "admin.orders.state_invalid"})
	}
	rows, total, err := s.db.StaffOrders(ctx, store.StaffOrderFilter(f))
	if err != nil {
		return nil, 0, Internal(err)
	}
	return convert(rows, func(o store.StaffOrder) StaffOrder { return StaffOrder(o) }), total, nil
}

// orderOf reads the order of the VM with uuid.
func (s *Staff) orderOf(ctx context.Context, uuid string) (StaffOrder, error) {
	o, err := s.db.StaffOrderOf(ctx, strings.TrimSpace(uuid))
	if errors.Is(err, store.ErrNotFound) {
		return StaffOrder{}, NotFound()
	}
	if err != nil {
		return StaffOrder{}, Internal(err)
	}
	return StaffOrder(o), nil
}

// RetryOrder tries a waiting order now instead of at its next try (support
// may): a node back up, a pool grown, the operator need not wait out the backoff.
func (s *Staff) RetryOrder(ctx context.Context, p Principal, uuid string) error {
	if err := p.RequireStaff(StaffAct); err != nil {
		return err
	}
	o, err := s.orderOf(ctx, uuid)
	if err != nil {
		return err
	}
	ok, err := s.db.RetryOrderNow(ctx, o.ID, time.Now())
	if err != nil {
		return Internal(err)
	}
	if !ok {
		return Conflict("admin.orders.not_waiting")
	}
	s.record(ctx, p, "admin.order_retry", SeverityInfo, "vm", o.VMUUID, "")
	if s.vms != nil {
		s.vms.kick()
	}
	return nil
}

// cancelledByProvider begins the last error of an order the operator cancelled.
const cancelledByProvider = "cancelled by the provider: "

// CancelOrder withdraws a waiting order with reason (support may): the VM is
// gone, the charge refunded to the customer's wallet and the order ended, in
// one transaction guarded by the order's state, so a double submit refunds
// once and the second answers as the first did. The customer's activity says
// the provider cancelled it, and why.
func (s *Staff) CancelOrder(ctx context.Context, p Principal, uuid, reason string) error {
	if err := p.RequireStaff(StaffAct); err != nil {
		return err
	}
	reason, err := reasonOf(reason)
	if err != nil {
		return err
	}
	o, err := s.orderOf(ctx, uuid)
	if err != nil {
		return err
	}
	ok, err := s.db.CancelOrderFor(ctx, o.ID, cancelledByProvider+reason)
	if err != nil {
		return Internal(err)
	}
	if !ok {
		if o, err = s.orderOf(ctx, uuid); err != nil {
			return err
		}
		if o.Status == vmstatus.OrderRefunded && strings.HasPrefix(o.LastError, cancelledByProvider) {
			return nil // cancelled already: by this same submit a moment ago
		}
		return Conflict("admin.orders.not_waiting")
	}
	s.record(ctx, p, "admin.order_cancel", SeverityWarning, "vm", o.VMUUID, reason)
	s.audit.Record(ctx, Principal{UserID: o.OwnerID, IP: p.IP, operator: true}, "admin.order_cancel", SeverityWarning, "vm", o.VMUUID, reason)
	if s.vms != nil {
		// An earlier attempt may have left part of a domain on a node.
		if vm, err := s.db.VMByUUID(ctx, o.VMUUID); err == nil && vm.NodeID != 0 {
			if node, err := s.vms.fleet.Node(vm.NodeID); err == nil {
				_ = node.Delete(ctx, vm.UUID)
			}
		}
	}
	return nil
}
