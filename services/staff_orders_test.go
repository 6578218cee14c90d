package services_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/vmstatus"
)

// The rules of orders needing attention: an order that waits (its region's
// only node in maintenance) is listed as waiting; support may retry it now
// and cancel it, a customer may not; a cancel needs a reason and, asked twice
// at once, refunds once and answers both without an error; a cancelled
// order is no longer listed, and retrying it is a conflict.
func TestStaffRetriesAndCancelsAWaitingOrderOnce(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	p := e.openReady(false)
	staff := e.staff(p).WithAccounts(nil, p.VMs)
	ana := e.customer("ana@example.com", 1_000_000)
	_, err := staff.SetNodeMaintenance(e.ctx, services.OperatorOnMachine(), e.node.ID, services.MaintenanceInput{On: true})
	must(t, err)
	vm, err := p.Create(e.ctx, ana, vmOrder("waits"))
	if errStatus(err) != http.StatusServiceUnavailable {
		t.Fatalf("the order did not wait: %v", err)
	}
	support := services.Principal{UserID: 999, StaffRole: store.StaffSupport, TwoFactor: true}

	rows, total, err := staff.Orders(e.ctx, support, services.StaffOrderFilter{Limit: 10})
	must(t, err)
	if total != 1 || rows[0].VMUUID != vm.UUID || rows[0].State != "waiting" || rows[0].LastError == "" {
		t.Fatalf("orders = %+v", rows)
	}
	if _, _, err := staff.Orders(e.ctx, ana, services.StaffOrderFilter{Limit: 10}); errStatus(err) != http.StatusForbidden {
		t.Errorf("a customer read the orders: %v", err)
	}
	if err := staff.RetryOrder(e.ctx, ana, vm.UUID); errStatus(err) != http.StatusForbidden {
		t.Errorf("a customer retried an order: %v", err)
	}
	must(t, staff.RetryOrder(e.ctx, support, vm.UUID))

	if err := staff.CancelOrder(e.ctx, support, vm.UUID, "  "); errStatus(err) != http.StatusUnprocessableEntity {
		t.Errorf("a cancel without a reason: %v", err)
	}
	before := balance(t, e, ana)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = staff.CancelOrder(e.ctx, support, vm.UUID, "Region full") }()
	}
	wg.Wait()
	for _, err := range errs {
		must(t, err)
	}
	o, err := e.db.OrderForVM(e.ctx, vm.ID)
	must(t, err)
	if after := balance(t, e, ana); after != before+o.AmountRials {
		t.Errorf("balance %d after two cancels, want %d (one refund)", after, before+o.AmountRials)
	}
	if v, _ := e.db.VMByUUID(e.ctx, vm.UUID); v.Status != vmstatus.Destroyed {
		t.Errorf("the cancelled order's VM is %s", v.Status)
	}
	if _, total, _ := staff.Orders(e.ctx, support, services.StaffOrderFilter{Limit: 10}); total != 0 {
		t.Errorf("%d orders listed after the cancel, want 0", total)
	}
	if err := staff.RetryOrder(e.ctx, support, vm.UUID); errStatus(err) != http.StatusConflict {
		t.Errorf("retrying a cancelled order: %v", err)
	}
}

func balance(t *testing.T, e *vmEnv, p services.Principal) int64 {
	t.Helper()
	u, err := e.db.UserByID(e.ctx, p.UserID)
	must(t, err)
	return u.BalanceRials
}

// Adding a node: only an admin; a malformed URI and one that does not answer
// are field errors on the URI and store nothing; a name taken is refused
// unless the command line's Replace is asked; a node that answers is stored.
func TestOnlyAnAdminAddsANodeThatAnswers(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	staff := services.NewStaff(e.db, services.NewAudit(e.db, e.log), nil, time.Hour)
	admin := services.OperatorOnMachine()
	support := services.Principal{UserID: 999, StaffRole: store.StaffSupport, TwoFactor: true}
	in := services.NodeInput{Name: "n-2", Region: e.node.Region, URI: e.node.URI, VCPUs: 4}
	if _, err := staff.AddNode(e.ctx, support, in); errStatus(err) != http.StatusForbidden {
		t.Errorf("support added a node: %v", err)
	}
	for uri, key := range map[string]string{"nonsense": "admin.nodes.uri_invalid", "qemu+tcp://127.0.0.1:1/system": "admin.nodes.uri_unreachable"} {
		bad := in
		bad.URI = uri
		_, err := staff.AddNode(e.ctx, admin, bad)
		if got := services.AsError(err).Fields["uri"]; got != key {
			t.Errorf("%s: %v (uri %q), want %s", uri, err, got, key)
		}
	}
	if _, err := e.db.NodeByName(e.ctx, "n-2"); err == nil {
		t.Fatal("a refused node was stored")
	}
	taken := in
	taken.Name = e.node.Name
	if _, err := staff.AddNode(e.ctx, admin, taken); services.AsError(err).Fields["name"] != "admin.nodes.name_taken" {
		t.Errorf("a name taken: %v", err)
	}
	taken.Replace = true
	if _, err := staff.AddNode(e.ctx, admin, taken); err != nil {
		t.Errorf("a name taken, replaced: %v", err)
	}
	n, err := staff.AddNode(e.ctx, admin, in)
	must(t, err)
	if got, err := e.db.NodeByName(e.ctx, "n-2"); err != nil || got.ID != n.ID || got.VCPUs != 4 {
		t.Errorf("the node as stored: %+v %v", got, err)
	}
}
