package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// ordersWorld is three orders that need the operator: ana's waiting for a
// hypervisor (none is there), babak's retrying after two failed builds, and
// cyra's given up and refunded.
type ordersWorld struct {
	ana, babak, cyra          vmCustomer
	waiting, retrying, refund string
}

func newOrdersWorld(t *testing.T, a *testkit.App) ordersWorld {
	t.Helper()
	var w ordersWorld
	w.ana, w.waiting = adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.61")
	w.babak, w.retrying = adminCustomerWithVM(t, a, "babak@example.com", 1_000_000, "203.0.113.62")
	if _, err := a.DB.W.Exec(`UPDATE orders SET failures = 2, attempts = 3, last_error = 'disk image debian-12.qcow2 missing on node-1'
		WHERE vm_id = (SELECT id FROM vms WHERE uuid = ?)`, w.retrying); err != nil {
		t.Fatal(err)
	}
	w.cyra, w.refund = adminCustomerWithVM(t, a, "cyra@example.com", 1_000_000, "203.0.113.63")
	if _, err := a.DB.FailOrder(t.Context(), orderOf(t, a, w.refund).ID, "qemu: no space left on device"); err != nil {
		t.Fatal(err)
	}
	return w
}

func orderOf(t *testing.T, a *testkit.App, uuid string) store.Order {
	t.Helper()
	o, err := a.DB.OrderForVM(t.Context(), vmRow(t, a, uuid).ID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// The operator's orders needing attention: each with its state, its last
// error and since when, narrowed by state; a customer never reaches them.
// Retry now brings the next try to now; cancel with refund needs a reason,
// refunds once on a double submit (ledger, both audits), and the customer's
// activity says the provider cancelled it.
func TestOrdersNeedingAttentionAreRetriedAndCancelledOnce(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	w := newOrdersWorld(t, a)

	r := pp.support.Get("/admin/orders?lang=en")
	testkit.MustStatus(t, "the orders", r, http.StatusOK)
	for uuid, state := range map[string]string{w.waiting: "admin.orders.state_waiting", w.retrying: "admin.orders.state_retrying", w.refund: "admin.orders.state_refunded"} {
		if !strings.Contains(r.Body, `data-testid="admin-order-`+uuid+`"`) {
			t.Errorf("order of %s not listed", uuid)
		}
		if !testkit.Contains(r.Body, i18n.T(i18n.EN, state)) {
			t.Errorf("no %q on the page", i18n.T(i18n.EN, state))
		}
	}
	for _, e := range []string{"disk image debian-12.qcow2 missing on node-1", "qemu: no space left on device"} {
		if !strings.Contains(r.Body, e) {
			t.Errorf("the last error %q is not shown", e)
		}
	}
	r = pp.support.Get("/admin/orders?lang=en&state=retrying")
	if !strings.Contains(r.Body, `data-testid="admin-order-`+w.retrying+`"`) || strings.Count(r.Body, `<tr data-testid="admin-order-`) != 1 {
		t.Error("narrowed to retrying, babak's order is not alone")
	}
	testkit.MustStatus(t, "an unknown state", pp.support.Get("/admin/orders?state=lost"), http.StatusUnprocessableEntity)
	testkit.MustStatus(t, "a customer looks", pp.customer.Get("/admin/orders"), http.StatusNotFound)
	if r := pp.support.Get("/admin?lang=en"); !strings.Contains(r.Body, `href="/admin/orders"`) {
		t.Error("the overview's orders figures do not link to the orders")
	}

	// An order a worker is building right now offers nothing to do.
	if _, err := a.DB.W.Exec(`UPDATE orders SET status = 'provisioning' WHERE vm_id = (SELECT id FROM vms WHERE uuid = ?)`, w.retrying); err != nil {
		t.Fatal(err)
	}
	r = pp.support.Get("/admin/orders?lang=en&q=" + w.retrying)
	if !strings.Contains(r.Body, `data-testid="order-building"`) || strings.Contains(r.Body, `data-testid="retry"`) {
		t.Error("an order being built offers retry or cancel")
	}
	testkit.MustStatus(t, "retry while built", pp.support.Post("/admin/orders/"+w.retrying+"/retry", nil), http.StatusConflict)
	if _, err := a.DB.W.Exec(`UPDATE orders SET status = 'paid_pending_provision' WHERE vm_id = (SELECT id FROM vms WHERE uuid = ?)`, w.retrying); err != nil {
		t.Fatal(err)
	}

	// Retry now.
	if _, err := a.DB.W.Exec(`UPDATE orders SET next_attempt_at = unixepoch() + 3600 WHERE id = ?`, orderOf(t, a, w.retrying).ID); err != nil {
		t.Fatal(err)
	}
	testkit.WantRedirect(t, "retry", pp.support.Post("/admin/orders/"+w.retrying+"/retry", nil), "/admin/orders")
	if o := orderOf(t, a, w.retrying); o.NextAttemptAt.After(time.Now()) {
		t.Errorf("after retry now the next try is at %v", o.NextAttemptAt)
	}
	testkit.MustStatus(t, "retry a refunded order", pp.support.Post("/admin/orders/"+w.refund+"/retry", nil), http.StatusConflict)
	sara := a.User(t, "sara@example.com").ID
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.order_retry' AND target_id = ? AND user_id = ?`, w.retrying, sara); n != 1 {
		t.Errorf("%d audit rows of the retry, want 1", n)
	}

	// Cancel with refund: a reason, then a double submit.
	before := balanceOf(t, a, w.ana.email)
	amount := orderOf(t, a, w.waiting).AmountRials
	cancel := "/admin/orders/" + w.waiting + "/cancel"
	r = pp.support.Post(cancel+"?lang=en", testkit.Form("reason", " "))
	testkit.MustStatus(t, "cancel without a reason", r, http.StatusUnprocessableEntity)
	if !testkit.Contains(r.Body, i18n.T(i18n.EN, "admin.reason_required")) {
		t.Error("the refused cancel does not say a reason is needed")
	}
	if balanceOf(t, a, w.ana.email) != before {
		t.Fatal("a refused cancel moved money")
	}
	var wg sync.WaitGroup
	answers := make([]testkit.Response, 2)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = pp.support.Post(cancel, testkit.Form("reason", "Region full for a week"))
		}()
	}
	wg.Wait()
	for i, r := range answers {
		testkit.WantRedirect(t, "cancel "+itoa(int64(i)), r, "/admin/orders")
	}
	if got := balanceOf(t, a, w.ana.email); got != before+amount {
		t.Errorf("balance %d after the cancel, want %d (refunded once)", got, before+amount)
	}
	if n := a.Count(t, `SELECT count(*) FROM ledger WHERE ref = ? AND kind = 'refund'`, w.waiting); n != 1 {
		t.Errorf("%d refunds in the ledger, want 1", n)
	}
	if vm := vmRow(t, a, w.waiting); vm.Status != vmstatus.Destroyed || vm.OrderStatus != vmstatus.OrderRefunded {
		t.Errorf("cancelled: VM %s, order %s", vm.Status, vm.OrderStatus)
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.order_cancel' AND target_id = ? AND user_id = ? AND detail = 'Region full for a week'`, w.waiting, sara); n != 1 {
		t.Errorf("%d audit rows of sara's cancel, want 1", n)
	}
	customer := a.Client(t)
	testkit.WantRedirect(t, "ana signs in", customer.SignIn(w.ana.email, testkit.Password), "/vms")
	r = customer.Get("/activity?lang=en")
	if !testkit.Contains(r.Body, i18n.T(i18n.EN, "audit.admin.order_cancel")) {
		t.Errorf("ana's activity does not say the provider cancelled the order\n%s", testkit.Trim(r.Body))
	}
	if r := pp.support.Get("/admin/orders?lang=en"); strings.Contains(r.Body, `data-testid="admin-order-`+w.waiting+`"`) {
		t.Error("the cancelled order is still listed")
	}
}

// GET /api/v1/admin/orders, the page's JSON twin, with its filters and
// paging, and retry and cancel beside it; a customer's token is refused.
func TestTheAdminDoorListsOrdersNeedingAttention(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	w := newOrdersWorld(t, a)
	a.CreateUser(t, "ops@example.com", testkit.Password)
	if _, err := a.Staff.SetRole(t.Context(), services.OperatorOnMachine(), "ops@example.com", store.StaffAdmin); err != nil {
		t.Fatal(err)
	}
	admin, _ := a.MintToken(t, "ops@example.com", services.ScopeAdmin)

	var body struct {
		Orders []struct {
			VMUUID        string `json:"vm_uuid"`
			State         string `json:"state"`
			LastError     string `json:"last_error"`
			NextAttemptAt string `json:"next_attempt_at"`
		} `json:"orders"`
		Meta struct {
			Total int `json:"total"`
		} `json:"meta"`
	}
	read := func(path string) {
		t.Helper()
		r := a.APICall(t, "GET", path, admin, "")
		testkit.MustStatus(t, path, r, http.StatusOK)
		body.Orders = nil
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Fatal(err)
		}
	}
	read("/api/v1/admin/orders")
	if body.Meta.Total != 3 || len(body.Orders) != 3 {
		t.Fatalf("%d orders (total %d), want 3", len(body.Orders), body.Meta.Total)
	}
	read("/api/v1/admin/orders?state=refunded")
	if len(body.Orders) != 1 || body.Orders[0].VMUUID != w.refund || body.Orders[0].LastError != "qemu: no space left on device" || body.Orders[0].NextAttemptAt != "" {
		t.Errorf("refunded: %+v", body.Orders)
	}
	read("/api/v1/admin/orders?q=babak")
	if len(body.Orders) != 1 || body.Orders[0].VMUUID != w.retrying || body.Orders[0].State != "retrying" {
		t.Errorf("babak's: %+v", body.Orders)
	}
	r := a.APICall(t, "GET", "/api/v1/admin/orders?limit=1", admin, "")
	if !strings.Contains(r.Header.Get("Link"), `rel="next"`) {
		t.Errorf("a page of one of three has no next link: %q", r.Header.Get("Link"))
	}
	testkit.MustStatus(t, "an unknown state", a.APICall(t, "GET", "/api/v1/admin/orders?state=lost", admin, ""), http.StatusUnprocessableEntity)
	testkit.MustStatus(t, "a customer's token", a.APICall(t, "GET", "/api/v1/admin/orders", w.ana.token, ""), http.StatusForbidden)

	testkit.MustStatus(t, "retry", a.APICall(t, "POST", "/api/v1/admin/orders/"+w.waiting+"/retry", admin, ""), http.StatusNoContent)
	testkit.MustStatus(t, "retry a refunded one", a.APICall(t, "POST", "/api/v1/admin/orders/"+w.refund+"/retry", admin, ""), http.StatusConflict)
	testkit.MustStatus(t, "cancel without a reason", a.APICall(t, "POST", "/api/v1/admin/orders/"+w.waiting+"/cancel", admin, `{"reason":""}`), http.StatusUnprocessableEntity)
	before := balanceOf(t, a, w.ana.email)
	for range 2 {
		testkit.MustStatus(t, "cancel", a.APICall(t, "POST", "/api/v1/admin/orders/"+w.waiting+"/cancel", admin, `{"reason":"Asked by phone"}`), http.StatusNoContent)
	}
	if got, want := balanceOf(t, a, w.ana.email), before+orderOf(t, a, w.waiting).AmountRials; got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
	testkit.MustStatus(t, "cancel a refunded one", a.APICall(t, "POST", "/api/v1/admin/orders/"+w.refund+"/cancel", admin, `{"reason":"x"}`), http.StatusConflict)
}
