package views

import "time"

// AdminOrdersView is the orders that need the operator: waiting, retrying,
// given up and refunded.
type AdminOrdersView struct {
	Rows   []AdminOrderRow
	Q      string
	State  string
	States []string
	Pager  Pager
	Sort   Sorting
	CanAct bool
	// Refused is the VM whose cancel form came back refused, with its form.
	Refused     string
	RefusedForm Form
}

// AdminOrderRow is one order in the operator's list.
type AdminOrderRow struct {
	State                string // waiting, retrying, refunded
	VMUUID, VMName       string
	Plan, Region         string
	OwnerID              int64
	OwnerEmail           string
	AmountRials          int64
	Attempts, Failures   int
	LastError            string
	Since, LastTry, Next time.Time
	// Building: a worker is building it right now; nothing to retry or cancel.
	Building bool
}

// Open reports an order still waiting to be built: it may be retried or cancelled.
func (r AdminOrderRow) Open() bool { return r.State != "refunded" }

// FormOf is the cancel form of the VM's order: the refused one, or an empty one.
func (v AdminOrdersView) FormOf(uuid string) Form {
	if v.Refused == uuid {
		return v.RefusedForm
	}
	return Form{}
}

// orderStateKey names an order's state.
func orderStateKey(state string) string {
	switch state {
	case "waiting":
		return "admin.orders.state_waiting"
	case "retrying":
		return "admin.orders.state_retrying"
	}
	return "admin.orders.state_refunded"
}
