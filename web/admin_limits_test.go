package web_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
)

// Support's limits through the admin door: an admin's token reads them in
// the settings (the defaults until set) and changes them (a bad figure is a
// 422 naming it), a token without the admin scope may not, and an admin's
// credit is not limited by them. Support's own admin-scoped token may not
// change them and is held to them: a credit over the per-act limit is 422
// support_limit, one within it goes through. Every answer is the documented one.
func TestTheAdminDoorSetsSupportsLimits(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	doc, _ := servedDoc(t, a)
	ana := a.CreateUser(t, "ana@example.com", testkit.Password)
	a.CreateUser(t, "ops@example.com", testkit.Password)
	if _, err := a.Staff.SetRole(t.Context(), services.OperatorOnMachine(), "ops@example.com", store.StaffAdmin); err != nil {
		t.Fatal(err)
	}
	admin, _ := a.MintToken(t, "ops@example.com", services.ScopeAdmin)
	sara := a.CreateUser(t, "sara@example.com", testkit.Password)
	if _, err := a.Staff.SetRole(t.Context(), services.OperatorOnMachine(), "sara@example.com", store.StaffSupport); err != nil {
		t.Fatal(err)
	}
	// Made as her session would (a.MintToken's principal carries no staff role).
	support, _, err := a.Tokens.Create(t.Context(), services.Principal{UserID: sara.ID, Email: sara.Email, StaffRole: store.StaffSupport},
		"support", []string{services.ScopeAdmin}, 0)
	if err != nil {
		t.Fatal(err)
	}
	adminNoScope, _ := a.MintToken(t, "ops@example.com", services.AllScopes...)
	credit := "/api/v1/admin/customers/" + strconv.FormatInt(ana.ID, 10) + "/credit"
	const creditDoc = "/api/v1/admin/customers/{id}/credit"

	rows := []struct {
		method, path, docPath, token, body, key string
		status                                  int
		want                                    string // in the body
	}{
		{"GET", "/api/v1/admin/settings", "", admin, "", "", 200, `"support_limits":{"per_act_toman":500000,"per_day_toman":2000000}`},
		{"PATCH", "/api/v1/admin/support-limits", "", adminNoScope, `{"per_act_toman":9000000}`, "", 403, ""},
		{"PATCH", "/api/v1/admin/support-limits", "", admin, `{"per_act_toman":-5}`, "", 422, `"fields":{"per_act_toman"`},
		{"PATCH", "/api/v1/admin/support-limits", "", admin, `{"per_day_toman":"many"}`, "", 422, `"per_day_toman"`},
		{"PATCH", "/api/v1/admin/support-limits", "", admin, `{"per_act_toman":100000,"per_day_toman":150000}`, "", 200, `"per_act_toman":100000`},
		{"GET", "/api/v1/admin/settings", "", admin, "", "", 200, `"support_limits":{"per_act_toman":100000,"per_day_toman":150000}`},
		{"PATCH", "/api/v1/admin/support-limits", "", support, `{"per_act_toman":9000000}`, "", 403, `"code":"staff_forbidden"`},
		{"POST", credit, creditDoc, support, `{"amount_rials":2000000,"reason":"Goodwill"}`, "s1", 422, `"code":"support_limit"`},
		{"POST", credit, creditDoc, support, `{"amount_rials":500000,"reason":"Goodwill"}`, "s2", 200, `"balance_rials":500000`},
		{"PATCH", "/api/v1/admin/support-limits", "", admin, `{"per_act_toman":0}`, "", 200, `"per_day_toman":150000`},
		{"POST", credit, creditDoc, admin, `{"amount_rials":90000000,"reason":"Refund of March"}`, "a1", 200, `"balance_rials":90500000`},
	}
	for _, row := range rows {
		name := row.method + " " + row.path + " " + row.body
		var pairs []string
		if row.key != "" {
			pairs = []string{"Idempotency-Key", row.key}
		}
		r := a.APICall(t, row.method, row.path+"?lang=en", row.token, row.body, pairs...)
		if r.Status != row.status || !strings.Contains(r.Body, row.want) {
			t.Errorf("%s: got %d, want %d with %s\n%s", name, r.Status, row.status, row.want, testkit.Trim(r.Body))
			continue
		}
		docPath := row.docPath
		if docPath == "" {
			docPath = row.path
		}
		op, _ := doc["paths"].(map[string]any)[docPath].(map[string]any)[strings.ToLower(row.method)].(map[string]any)
		resp, ok := op["responses"].(map[string]any)[strconv.Itoa(r.Status)]
		if !ok {
			t.Errorf("%s: status %d not documented", name, r.Status)
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
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.support_limits'`); n != 2 {
		t.Errorf("%d changes of the limits audited, want 2", n)
	}
}
