package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
)

// GET /api/v1/admin/audit is the audit page's JSON twin: the same filters
// (actor, customer, VM, severity, days) and paging, with an admin's token;
// a customer's token is refused, a malformed day is a 422 naming it.
func TestTheAdminDoorReadsTheAuditLog(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	ana, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.71")
	settle(t, a, uuid, "stopped")
	testkit.WantRedirect(t, "lock", pp.support.Post("/admin/vms/"+uuid+"/lock", testkit.Form("reason", "Abuse report 9")), "/admin/vms?q="+uuid)
	testkit.WantRedirect(t, "credit", pp.support.Post("/admin/customers/"+itoa(ana.id)+"/credit",
		testkit.Form("amount", "1000", "direction", "credit", "reason", "Goodwill", "key", "k-audit")), "/admin/customers/"+itoa(ana.id))
	a.CreateUser(t, "root@example.com", testkit.Password)
	if _, err := a.Staff.SetRole(t.Context(), services.OperatorOnMachine(), "root@example.com", store.StaffAdmin); err != nil {
		t.Fatal(err)
	}
	admin, _ := a.MintToken(t, "root@example.com", services.ScopeAdmin)

	type event struct {
		Action   string `json:"action"`
		Actor    string `json:"actor"`
		Severity string `json:"severity"`
		TargetID string `json:"target_id"`
		Detail   string `json:"detail"`
	}
	read := func(path string) ([]event, int, http.Header) {
		t.Helper()
		r := a.APICall(t, "GET", path, admin, "")
		testkit.MustStatus(t, path, r, http.StatusOK)
		var body struct {
			Events []event `json:"events"`
			Meta   struct {
				Total int `json:"total"`
			} `json:"meta"`
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Fatal(err)
		}
		return body.Events, body.Meta.Total, r.Header
	}
	ev, _, _ := read("/api/v1/admin/audit?vm=" + uuid + "&actor=sara@example.com")
	if len(ev) != 1 || ev[0].Action != "admin.vm_lock" || ev[0].Detail != "Abuse report 9" || ev[0].Actor != "sara@example.com" {
		t.Errorf("sara's lock of the VM: %+v", ev)
	}
	ev, _, _ = read("/api/v1/admin/audit?actor=sara@example.com&severity=warning")
	actions := []string{}
	for _, e := range ev {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); got != "admin.credit,admin.vm_lock" {
		t.Errorf("sara's warnings, newest first: %s", got)
	}
	_, total, h := read("/api/v1/admin/audit?limit=1")
	if total < 3 || !strings.Contains(h.Get("Link"), `rel="next"`) {
		t.Errorf("a page of one of %d events has no next link: %q", total, h.Get("Link"))
	}
	testkit.MustStatus(t, "a malformed day", a.APICall(t, "GET", "/api/v1/admin/audit?from=yesterday", admin, ""), http.StatusUnprocessableEntity)
	testkit.MustStatus(t, "a customer's token", a.APICall(t, "GET", "/api/v1/admin/audit", ana.token, ""), http.StatusForbidden)
}
