package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"abrak/hypervisor/localvirt"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The operators' door. POST /api/v1/admin/vms/{uuid}/migrate moves any
// customer's VM for an administrator's token holding the admin scope, and
// answers with the VM's migrate action, which the operator follows and the
// customer sees; a customer's token is refused (403), and so is an admin's
// token without the scope. Only an administrator may give a token the admin
// scope: the token form offers it to them alone, and refuses it to a customer.
func TestTheAdminDoorMovesAVMForAnAdministratorsTokenOnly(t *testing.T) {
	t.Parallel()
	a := testkit.NewTestDriverPanel(t)
	ctx := context.Background()
	ana := newVMCustomer(t, a, "ana@example.com", 1_000_000)
	o, err := a.VMs.Create(ctx, a.PrincipalOf(t, ana.email), services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny", Region: "thr-t",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "web"})
	if err != nil {
		t.Fatal(err)
	}
	uuid := o.VM.UUID
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Running })

	// A second node of the region, which the panel picks up as it would one
	// the operator adds.
	d := localvirt.Start(t)
	n2, err := a.DB.UpsertNode(ctx, store.Node{Name: "test-2", Region: "thr-t", URI: "test+unix:///default?socket=" + d.Socket,
		VNCHost: "127.0.0.1", Enabled: true, VNCSocketDir: d.VNCDir})
	if err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, time.Minute, "the panel's fleet has test-2", func() bool { _, err := a.Fleet.Node(n2.ID); return err == nil })
	node2, _ := a.Fleet.Node(n2.ID)
	img := "the test driver keeps volumes as records"
	if err := node2.ImportTemplate(ctx, "tiny-v1.qcow2", strings.NewReader(img), int64(len(img)), "qcow2"); err != nil {
		t.Fatal(err)
	}

	ops := a.CreateUser(t, "ops@example.com", testkit.Password)
	if _, err := a.DB.W.Exec(`UPDATE users SET is_admin = 1 WHERE id = ?`, ops.ID); err != nil {
		t.Fatal(err)
	}

	// The token form: the admin scope for the administrator, refused to the customer.
	customer := a.Client(t)
	customer.SignIn(ana.email, testkit.Password)
	if r := customer.Get("/tokens?lang=en"); testkit.Contains(r.Body, i18n.T(i18n.EN, "tokens.scope.admin")) {
		t.Error("the customer's token form offers the admin scope")
	}
	r := customer.Post("/tokens", testkit.Form("name", "sneaky", "scopes", "admin", "expires", "30"))
	testkit.MustStatus(t, "a customer's token with the admin scope", r, http.StatusForbidden)
	if n := a.Count(t, `SELECT count(*) FROM api_tokens WHERE scopes LIKE '%admin%'`); n != 0 {
		t.Fatalf("%d tokens hold the admin scope after the refusal", n)
	}
	operator := a.Client(t)
	operator.SignIn("ops@example.com", testkit.Password)
	if r := operator.Get("/tokens?lang=en"); !testkit.Contains(r.Body, i18n.T(i18n.EN, "tokens.scope.admin")) {
		t.Error("the administrator's token form does not offer the admin scope")
	}
	r = operator.Post("/tokens", testkit.Form("name", "ops", "scopes", "admin", "expires", "30"))
	testkit.MustStatus(t, "an administrator's token with the admin scope", r, http.StatusOK)
	adminToken := testkit.TokenSecretRe.FindString(r.Body)
	if adminToken == "" {
		t.Fatalf("no token on the page\n%s", testkit.Trim(r.Body))
	}
	opsWithoutScope, _ := a.MintToken(t, "ops@example.com", services.AllScopes...)

	path := "/api/v1/admin/vms/" + uuid + "/migrate"
	body := `{"target_node":"test-2"}`
	r = a.APICall(t, http.MethodPost, path, ana.token, body)
	testkit.MustStatus(t, "the customer's own token", r, http.StatusForbidden)
	r = a.APICall(t, http.MethodPost, path, opsWithoutScope, body)
	testkit.MustStatus(t, "an administrator's token without the admin scope", r, http.StatusForbidden)
	if e := testkit.APIErrorOf(t, r); !strings.Contains(e.Error.Message, "admin") {
		t.Errorf("the refusal does not name the scope: %+v", e)
	}
	r = a.APICall(t, http.MethodPost, path, adminToken, `{"target_node":"nowhere"}`)
	testkit.MustStatus(t, "an unknown node", r, http.StatusUnprocessableEntity)
	if e := testkit.APIErrorOf(t, r); e.Error.Fields["target_node"] == "" {
		t.Errorf("the 422 does not name target_node: %+v", e)
	}

	r = a.APICall(t, http.MethodPost, path, adminToken, body, "Accept-Language", "en")
	testkit.MustStatus(t, "the administrator's move", r, http.StatusAccepted)
	var answer struct {
		Action struct {
			ID         int64  `json:"id"`
			Type       string `json:"type"`
			Status     string `json:"status"`
			ResourceID string `json:"resource_id"`
		} `json:"action"`
	}
	if err := json.Unmarshal([]byte(r.Body), &answer); err != nil || answer.Action.Type != "migrate" || answer.Action.ResourceID != uuid {
		t.Fatalf("the answer is not the VM's migrate action (%v): %s", err, r.Body)
	}
	testkit.WaitFor(t, time.Minute, "the move ends", func() bool {
		r := a.APICall(t, http.MethodGet, "/api/v1/actions/"+itoa(answer.Action.ID), adminToken, "")
		testkit.MustStatus(t, "the operator follows the action", r, http.StatusOK)
		return strings.Contains(r.Body, `"status":"completed"`)
	})
	if vm := vmRow(t, a, uuid); vm.NodeID != n2.ID || vm.Status != vmstatus.Running {
		t.Fatalf("after the move the VM is on node %d, %s; want test-2, running", vm.NodeID, vm.Status)
	}
	r = a.APICall(t, http.MethodGet, "/api/v1/vms/"+uuid+"/actions", ana.token, "")
	if !strings.Contains(r.Body, `"type":"migrate"`) {
		t.Errorf("the customer's actions do not show the move: %s", r.Body)
	}
}
