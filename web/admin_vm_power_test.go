package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// Support powers a customer's VM off and on from the all-VMs list, and an
// admin's token reboots it on the JSON door: each through the customer's own
// power service (the VM's status follows, the customer sees the action as
// the provider's), each audited with the staff member's identity. The
// operator's lock does not stop the operator; a customer is refused.
func TestStaffPowerACustomersVM(t *testing.T) {
	t.Parallel()
	a := testkit.NewTestDriverPanel(t)
	pp := newStaffPeople(t, a)
	ana := newVMCustomer(t, a, "ana@example.com", 1_000_000)
	o, err := a.VMs.Create(t.Context(), a.PrincipalOf(t, ana.email), services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny", Region: "thr-t",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "web"})
	if err != nil {
		t.Fatal(err)
	}
	uuid := o.VM.UUID
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Running })

	r := pp.support.Get("/admin/vms?lang=en&q=" + uuid)
	for _, act := range []string{"shutdown", "reboot", "kill"} {
		if !strings.Contains(r.Body, `data-testid="power-`+act+`"`) {
			t.Errorf("a running VM's row offers no %s", act)
		}
	}
	if strings.Contains(r.Body, `data-testid="power-start"`) {
		t.Error("a running VM's row offers start")
	}
	power := "/admin/vms/" + uuid + "/power"
	testkit.MustStatus(t, "a customer powers it off", pp.customer.Post(power, testkit.Form("action", "kill")), http.StatusNotFound)
	testkit.MustStatus(t, "an unknown action", pp.support.Post(power, testkit.Form("action", "explode")), http.StatusNotFound)
	testkit.WantRedirect(t, "lock", pp.support.Post("/admin/vms/"+uuid+"/lock", testkit.Form("reason", "Abuse report 12")), "/admin/vms?q="+uuid)

	testkit.WantRedirect(t, "power off", pp.support.Post(power, testkit.Form("action", "kill")), "/admin/vms?q="+uuid)
	testkit.WaitFor(t, time.Minute, "the VM is off", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Stopped })
	testkit.WantRedirect(t, "start", pp.support.Post(power, testkit.Form("action", "start")), "/admin/vms?q="+uuid)
	testkit.WaitFor(t, time.Minute, "the VM runs again", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Running })

	sara := a.User(t, "sara@example.com").ID
	for _, act := range []string{"kill", "start"} {
		if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.vm_power' AND target_id = ? AND user_id = ? AND detail = ?`, uuid, sara, act); n != 1 {
			t.Errorf("%d audit rows of sara's %s, want 1", n, act)
		}
		if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ? AND user_id = ? AND via = 'operator'`, "vm."+act, uuid, ana.id); n != 1 {
			t.Errorf("%d of ana's own audit rows of the provider's %s, want 1", n, act)
		}
	}
	customer := a.Client(t)
	testkit.WantRedirect(t, "ana signs in", customer.SignIn(ana.email, testkit.Password), "/vms")
	if r := customer.Get("/activity?lang=en"); !testkit.Contains(r.Body, i18n.T(i18n.EN, "activity.via_operator")) {
		t.Error("ana's activity does not say the provider acted")
	}

	// The JSON door, with an admin's token.
	a.CreateUser(t, "root@example.com", testkit.Password)
	if _, err := a.Staff.SetRole(t.Context(), services.OperatorOnMachine(), "root@example.com", store.StaffAdmin); err != nil {
		t.Fatal(err)
	}
	admin, _ := a.MintToken(t, "root@example.com", services.ScopeAdmin)
	r = a.APICall(t, "POST", "/api/v1/admin/vms/"+uuid+"/power/reboot", admin, "")
	testkit.MustStatus(t, "reboot on the JSON door", r, http.StatusOK)
	if !strings.Contains(r.Body, `"reboot"`) {
		t.Errorf("the answer is not the reboot action: %s", r.Body)
	}
	testkit.MustStatus(t, "reset is not the operator's", a.APICall(t, "POST", "/api/v1/admin/vms/"+uuid+"/power/reset", admin, ""), http.StatusNotFound)
	testkit.MustStatus(t, "a customer's token", a.APICall(t, "POST", "/api/v1/admin/vms/"+uuid+"/power/kill", ana.token, ""), http.StatusForbidden)
}
