package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The operator finds any VM by uuid, address, name, owner or node and locks
// it with a reason: from then on each change its customer asks is 423 locked
// with the reason, on the API and in the panel, and the VM's page says why;
// the operation lock's 409 is another thing. Unlocked, the customer changes
// it again. A customer never reaches the list.
func TestALockedVMRefusesItsCustomerWithTheReason(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	ana, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.91")
	settle(t, a, uuid, vmstatus.Stopped)
	customer := a.Client(t)
	testkit.WantRedirect(t, "ana signs in", customer.SignIn(ana.email, testkit.Password), "/vms")

	for _, q := range []string{uuid, "203.0.113.91", "web", "ana@exa"} {
		r := pp.support.Get("/admin/vms?lang=en&q=" + url.QueryEscape(q))
		testkit.MustStatus(t, "search "+q, r, http.StatusOK)
		if !strings.Contains(r.Body, `data-testid="admin-vm-`+uuid+`"`) {
			t.Errorf("searching %q does not find ana's VM", q)
		}
	}
	testkit.MustStatus(t, "a customer looks", pp.customer.Get("/admin/vms"), http.StatusNotFound)

	lock := "/admin/vms/" + uuid + "/lock"
	testkit.MustStatus(t, "a lock without a reason", pp.support.Post(lock, testkit.Form("reason", "")), http.StatusUnprocessableEntity)
	testkit.MustStatus(t, "a customer locks", pp.customer.Post(lock, testkit.Form("reason", "mine")), http.StatusNotFound)
	if vmRow(t, a, uuid).AdminLockReason != "" {
		t.Fatal("a refused lock locked the VM")
	}
	testkit.WantRedirect(t, "lock", pp.support.Post(lock, testkit.Form("reason", "Abuse report 77")), "/admin/vms?q="+uuid)

	for _, l := range []i18n.Locale{i18n.EN, i18n.FA} {
		for _, call := range []struct{ method, path, body string }{
			{"PATCH", "/api/v1/vms/" + uuid, `{"display_name":"renamed"}`},
			{"POST", "/api/v1/vms/" + uuid + "/power/start", ""},
			{"DELETE", "/api/v1/vms/" + uuid, ""},
		} {
			r := a.APICall(t, call.method, call.path+"?lang="+string(l), ana.token, call.body, "Accept-Language", string(l))
			testkit.MustStatus(t, call.method+" "+call.path+" while locked", r, http.StatusLocked)
			e := testkit.APIErrorOf(t, r)
			if e.Error.Code != "locked" || !strings.Contains(e.Error.Message, "Abuse report 77") || e.Error.Message != i18n.T(l, "error.vm_admin_locked", "reason", "Abuse report 77") {
				t.Errorf("%s %s (%s): %s %q", call.method, call.path, l, e.Error.Code, e.Error.Message)
			}
		}
	}
	r := customer.Post("/vms/"+uuid+"/rename", testkit.Form("display_name", "renamed"))
	testkit.MustStatus(t, "a rename in the panel while locked", r, http.StatusLocked)
	r = customer.Get("/vms/" + uuid + "?lang=en")
	if !strings.Contains(r.Body, `data-testid="vm-admin-locked"`) || !strings.Contains(r.Body, "Abuse report 77") {
		t.Error("the VM's page does not say it is locked and why")
	}
	if v := vmRow(t, a, uuid); v.DisplayName != "web" || v.Status != vmstatus.Stopped {
		t.Errorf("the locked VM changed: %q %s", v.DisplayName, v.Status)
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.vm_lock' AND target_id = ? AND detail = 'Abuse report 77' AND user_id = ?`, uuid, a.User(t, "sara@example.com").ID); n != 1 {
		t.Errorf("%d audit rows of the lock, want 1", n)
	}

	testkit.WantRedirect(t, "unlock", pp.support.Post("/admin/vms/"+uuid+"/unlock", nil), "/admin/vms?q="+uuid)
	r = a.APICall(t, "PATCH", "/api/v1/vms/"+uuid, ana.token, `{"display_name":"renamed"}`)
	testkit.MustStatus(t, "a rename after the unlock", r, http.StatusOK)
	if r := customer.Get("/vms/" + uuid + "?lang=en"); strings.Contains(r.Body, `data-testid="vm-admin-locked"`) {
		t.Error("the VM's page still says it is locked")
	}
}
