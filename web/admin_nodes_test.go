package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// maintNode adds a node (that never answers) and puts the VM on it.
func maintNode(t *testing.T, a *testkit.App, name, uuid string) store.Node {
	t.Helper()
	n, err := a.DB.UpsertNode(context.Background(), store.Node{Name: name, Region: "thr-1", URI: "test+unix:///default?socket=/nonexistent",
		VCPUs: 16, MemoryMB: 32768, DiskGB: 500, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.W.Exec(`UPDATE vms SET node_id = ? WHERE uuid = ?`, n.ID, uuid); err != nil {
		t.Fatal(err)
	}
	return n
}

// The Nodes page lists each node with its usage against capacity and its
// VMs (a link to the all-VMs page narrowed to it); an admin puts a node in
// maintenance with an end and a reason, support may read but not change it.
// The owner of a VM on it then sees the notice, with the end, on the VM's
// page and above the list, in Persian and English; once maintenance is off
// the notice is gone.
func TestAnAdminPutsANodeInMaintenanceAndItsCustomersAreTold(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	ana, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.97")
	settle(t, a, uuid, vmstatus.Stopped)
	n := maintNode(t, a, "maint-1", uuid)
	customer := a.Client(t)
	testkit.WantRedirect(t, "ana signs in", customer.SignIn(ana.email, testkit.Password), "/vms")

	r := pp.support.Get("/admin/nodes?lang=en")
	testkit.MustStatus(t, "support reads the nodes", r, http.StatusOK)
	if !strings.Contains(r.Body, `data-testid="node-maint-1"`) || !strings.Contains(r.Body, `href="/admin/vms?q=maint-1"`) ||
		!testkit.Contains(r.Body, "32,768") && !testkit.Contains(r.Body, "32768") {
		t.Errorf("the nodes page lacks the node, its capacity or its VMs' link")
	}
	if strings.Contains(r.Body, `data-testid="maintenance-form"`) {
		t.Error("support is offered the maintenance form")
	}
	path := "/admin/nodes/" + strconv.FormatInt(n.ID, 10) + "/maintenance"
	testkit.MustStatus(t, "support starts maintenance", pp.support.Post(path, testkit.Form("on", "1", "reason", "x")), http.StatusForbidden)
	testkit.MustStatus(t, "a customer starts maintenance", pp.customer.Post(path, testkit.Form("on", "1")), http.StatusNotFound)
	testkit.MustStatus(t, "hours out of range", pp.admin.Post(path, testkit.Form("on", "1", "hours", "0")), http.StatusUnprocessableEntity)
	if a.Count(t, `SELECT count(*) FROM nodes WHERE maintenance = 1`) != 0 {
		t.Fatal("a refused request put the node in maintenance")
	}
	if strings.Contains(customer.Get("/vms/"+uuid+"?lang=en").Body, `data-testid="maintenance-notice"`) {
		t.Fatal("a notice before any maintenance")
	}

	testkit.WantRedirect(t, "an admin starts maintenance", pp.admin.Post(path, testkit.Form("on", "1", "hours", "4", "reason", "Replacing disks")), "/admin/nodes")
	if a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.node_maintenance'`) != 1 {
		t.Error("starting maintenance is not audited once")
	}
	r = pp.admin.Get("/admin/nodes?lang=en")
	if !strings.Contains(r.Body, `data-testid="maintenance-on"`) || !strings.Contains(r.Body, "Replacing disks") {
		t.Error("the nodes page does not show the node in maintenance")
	}
	for _, l := range []i18n.Locale{i18n.EN, i18n.FA} {
		page := customer.Get("/vms/" + uuid + "?lang=" + string(l))
		testkit.MustStatus(t, "the VM's page", page, http.StatusOK)
		if !strings.Contains(page.Body, `data-testid="maintenance-notice"`) || !testkit.Contains(page.Body, i18n.T(l, "vm.maintenance.title")) ||
			!strings.Contains(page.Body, "Replacing disks") {
			t.Errorf("%s: the VM's page lacks the maintenance notice", l)
		}
		if testkit.Contains(page.Body, i18n.T(l, "vm.maintenance.no_end")) {
			t.Errorf("%s: the notice says no end though one was given", l)
		}
		list := customer.Get("/vms?lang=" + string(l))
		if !strings.Contains(list.Body, `data-testid="maintenance-notice"`) || !testkit.Contains(list.Body, i18n.T(l, "vm.maintenance.list_title")) ||
			!strings.Contains(list.Body, `href="/vms/`+uuid+`"`) {
			t.Errorf("%s: the VM list lacks the maintenance notice", l)
		}
	}

	testkit.WantRedirect(t, "an admin ends maintenance", pp.admin.Post(path, testkit.Form("on", "0")), "/admin/nodes")
	if strings.Contains(customer.Get("/vms/"+uuid+"?lang=en").Body, `data-testid="maintenance-notice"`) ||
		strings.Contains(customer.Get("/vms?lang=en").Body, `data-testid="maintenance-notice"`) {
		t.Error("the notice stays after maintenance ended")
	}
}

// The admin door's twin: an admin's token starts and ends a node's
// maintenance; a token without the admin scope and a customer's are refused; a past end is
// 422; each answer is as the document says.
func TestTheAdminDoorSetsANodesMaintenance(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	doc, _ := servedDoc(t, a)
	ana, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.98")
	n := maintNode(t, a, "maint-2", uuid)
	a.CreateUser(t, "ops@example.com", testkit.Password)
	if _, err := a.Staff.SetRole(t.Context(), services.OperatorOnMachine(), "ops@example.com", store.StaffAdmin); err != nil {
		t.Fatal(err)
	}
	admin, _ := a.MintToken(t, "ops@example.com", services.ScopeAdmin)
	adminNoScope, _ := a.MintToken(t, "ops@example.com", services.AllScopes...)
	path := "/api/v1/admin/nodes/" + strconv.FormatInt(n.ID, 10) + "/maintenance"
	const docPath = "/api/v1/admin/nodes/{id}/maintenance"
	rows := []struct {
		path, token, body string
		status            int
	}{
		{path, ana.token, `{"on":true}`, 403},
		{path, adminNoScope, `{"on":true}`, 403},
		{path, admin, `{"on":true,"until":"2001-01-01T00:00:00Z"}`, 422},
		{"/api/v1/admin/nodes/999999/maintenance", admin, `{"on":true}`, 404},
		{path, admin, `{"on":true,"until":"2099-01-01T02:00:00Z","reason":"Replacing disks"}`, 200},
	}
	for _, row := range rows {
		name := row.path + " " + row.body
		r := a.APICall(t, "POST", row.path, row.token, row.body)
		if r.Status != row.status {
			t.Fatalf("%s: got %d\n%s", name, r.Status, testkit.Trim(r.Body))
		}
		op, _ := doc["paths"].(map[string]any)[docPath].(map[string]any)["post"].(map[string]any)
		resp, ok := op["responses"].(map[string]any)[strconv.Itoa(r.Status)]
		if !ok {
			t.Errorf("%s: status not documented", name)
			continue
		}
		media, _ := docDeref(doc, docDeref(doc, resp)["content"])["application/json"].(map[string]any)
		var body any
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Fatalf("%s: body is not JSON: %v", name, err)
		}
		for _, problem := range conforms(doc, media["schema"], body, "body") {
			t.Errorf("%s: %s", name, problem)
		}
	}
	if a.Count(t, `SELECT count(*) FROM nodes WHERE maintenance = 1 AND maintenance_reason = 'Replacing disks'`) != 1 {
		t.Fatal("the admin's request did not start maintenance")
	}
	r := a.APICall(t, "POST", path, admin, `{"on":false}`)
	testkit.MustStatus(t, "end maintenance", r, http.StatusOK)
	if a.Count(t, `SELECT count(*) FROM nodes WHERE maintenance = 1`) != 0 || a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.node_maintenance'`) != 2 {
		t.Error("ending maintenance did not end it, or the two changes are not audited")
	}
}
