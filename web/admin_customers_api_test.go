package web_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
)

// The customers' JSON twins under /api/v1/admin: an admin's token with the
// admin scope finds, reads, credits (once per Idempotency-Key), suspends and
// lifts; every answer is the documented one; a customer's token, and an
// admin's without the scope, are refused; no answer holds a secret.
func TestTheAdminDoorActsOnCustomers(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	doc, _ := servedDoc(t, a)
	ana, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.90")
	totpSecret, _ := enableTOTP(t, a, "ana@example.com")
	a.CreateUser(t, "ops@example.com", testkit.Password)
	if _, err := a.Staff.SetRole(t.Context(), services.OperatorOnMachine(), "ops@example.com", store.StaffAdmin); err != nil {
		t.Fatal(err)
	}
	admin, _ := a.MintToken(t, "ops@example.com", services.ScopeAdmin)
	adminNoScope, _ := a.MintToken(t, "ops@example.com", services.AllScopes...)
	id := strconv.FormatInt(ana.id, 10)
	before := a.User(t, "ana@example.com").BalanceRials
	base := "/api/v1/admin/customers/" + id

	rows := []struct {
		method, path, docPath, token, body, key string
		status                                  int
	}{
		{"GET", "/api/v1/admin/customers?q=" + uuid, "/api/v1/admin/customers", admin, "", "", 200},
		{"GET", "/api/v1/admin/customers?sort=password", "/api/v1/admin/customers", admin, "", "", 422},
		{"GET", "/api/v1/admin/customers", "", ana.token, "", "", 403},
		{"GET", "/api/v1/admin/customers", "", adminNoScope, "", "", 403},
		{"GET", "/api/v1/admin/customers", "", "", "", "", 401},
		{"GET", base, "/api/v1/admin/customers/{id}", admin, "", "", 200},
		{"GET", "/api/v1/admin/customers/999999", "/api/v1/admin/customers/{id}", admin, "", "", 404},
		{"POST", base + "/credit", "/api/v1/admin/customers/{id}/credit", admin, `{"amount_rials":50000,"reason":""}`, "k1", 422},
		{"POST", base + "/credit", "/api/v1/admin/customers/{id}/credit", admin, `{"amount_rials":50000,"reason":"Goodwill"}`, "", 422},
		{"POST", base + "/credit", "/api/v1/admin/customers/{id}/credit", admin, `{"amount_rials":50000,"reason":"Goodwill"}`, "k1", 200},
		{"POST", base + "/credit", "/api/v1/admin/customers/{id}/credit", admin, `{"amount_rials":50000,"reason":"Goodwill"}`, "k1", 200},
		{"POST", base + "/credit", "/api/v1/admin/customers/{id}/credit", ana.token, `{"amount_rials":50000,"reason":"Mine"}`, "k2", 403},
		{"POST", base + "/credit", "/api/v1/admin/customers/{id}/credit", admin, `{"amount_rials":`, "k3", 400},
		{"POST", base + "/suspend", "/api/v1/admin/customers/{id}/suspend", admin, `{"reason":""}`, "", 422},
		{"POST", base + "/suspend", "/api/v1/admin/customers/{id}/suspend", admin, `{"reason":"Abuse report 77"}`, "", 204},
		{"GET", "/api/v1/vms", "", ana.token, "", "", 403},
		{"POST", base + "/unsuspend", "/api/v1/admin/customers/{id}/unsuspend", admin, "", "", 204},
		{"GET", "/api/v1/vms", "", ana.token, "", "", 200},
		{"POST", base + "/reset-2fa", "/api/v1/admin/customers/{id}/reset-2fa", admin, `{"reason":"Lost phone"}`, "", 204},
		{"POST", base + "/reset-2fa", "/api/v1/admin/customers/{id}/reset-2fa", admin, `{"reason":"Again"}`, "", 409},
		{"POST", base + "/resend-verification", "/api/v1/admin/customers/{id}/resend-verification", admin, "", "", 409},
		{"GET", "/api/v1/admin/vms?q=203.0.113.90", "/api/v1/admin/vms", admin, "", "", 200},
		{"GET", "/api/v1/admin/vms?status=sleeping", "/api/v1/admin/vms", admin, "", "", 422},
		{"GET", "/api/v1/admin/vms", "", ana.token, "", "", 403},
		{"POST", "/api/v1/admin/vms/" + uuid + "/lock", "/api/v1/admin/vms/{uuid}/lock", admin, `{"reason":""}`, "", 422},
		{"POST", "/api/v1/admin/vms/6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f/lock", "/api/v1/admin/vms/{uuid}/lock", admin, `{"reason":"x"}`, "", 404},
		{"POST", "/api/v1/admin/vms/" + uuid + "/lock", "/api/v1/admin/vms/{uuid}/lock", admin, `{"reason":"Abuse report 78"}`, "", 204},
		{"GET", "/api/v1/admin/vms?locked=true", "/api/v1/admin/vms", admin, "", "", 200},
		{"PATCH", "/api/v1/vms/" + uuid, "/api/v1/vms/{uuid}", ana.token, `{"display_name":"x"}`, "", 423},
		{"POST", "/api/v1/admin/vms/" + uuid + "/unlock", "/api/v1/admin/vms/{uuid}/unlock", admin, "", "", 204},
	}
	for _, row := range rows {
		name := row.method + " " + row.path + " " + strconv.Itoa(row.status)
		var pairs []string
		if row.key != "" {
			pairs = []string{"Idempotency-Key", row.key}
		}
		r := a.APICall(t, row.method, row.path, row.token, row.body, pairs...)
		if r.Status != row.status {
			t.Errorf("%s: got %d\n%s", name, r.Status, testkit.Trim(r.Body))
			continue
		}
		for what, s := range map[string]string{"password": testkit.Password, "token": ana.token, "totp secret": totpSecret, "vnc password": vmRow(t, a, uuid).VNCPassword} {
			if strings.Contains(r.Body, s) {
				t.Errorf("%s: the answer holds the customer's %s", name, what)
			}
		}
		docPath := row.docPath
		if docPath == "" {
			docPath = strings.Split(row.path, "?")[0]
		}
		if !strings.HasPrefix(docPath, "/api/v1/admin/") && r.Status != http.StatusLocked {
			continue
		}
		op, _ := doc["paths"].(map[string]any)[docPath].(map[string]any)[strings.ToLower(row.method)].(map[string]any)
		resp, ok := op["responses"].(map[string]any)[strconv.Itoa(r.Status)]
		if !ok {
			t.Errorf("%s: status not documented", name)
			continue
		}
		if r.Status == http.StatusNoContent {
			continue
		}
		media, _ := docDeref(doc, docDeref(doc, resp)["content"])["application/json"].(map[string]any)
		var body any
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Errorf("%s: body is not JSON: %v", name, err)
			continue
		}
		for _, problem := range conforms(doc, media["schema"], body, "body") {
			t.Errorf("%s: %s", name, problem)
		}
	}
	if b := a.User(t, "ana@example.com").BalanceRials; b != before+50_000 {
		t.Errorf("balance %d after one credit of 50,000 rials sent twice with one key, want %d", b, before+50_000)
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE user_id = ? AND action IN ('admin.credit', 'admin.suspend', 'admin.unsuspend', 'admin.totp_reset') AND via LIKE 'token:%'`,
		a.User(t, "ops@example.com").ID); n != 4 {
		t.Errorf("%d audit rows of the admin's four acts through the token, want 4", n)
	}
}
