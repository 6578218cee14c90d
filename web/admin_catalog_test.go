package web_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// adminAPIRow is one request of an admin API table, with the documented path it answers to.
type adminAPIRow struct {
	method, path, docPath, token, body string
	status                             int
}

// runAdminAPI sends each row and checks its status, and that a documented
// answer matches the document's schema.
func runAdminAPI(t *testing.T, a *testkit.App, rows []adminAPIRow) {
	t.Helper()
	doc, _ := servedDoc(t, a)
	for _, row := range rows {
		name := row.method + " " + row.path + " " + strconv.Itoa(row.status)
		r := a.APICall(t, row.method, row.path, row.token, row.body)
		if r.Status != row.status {
			t.Errorf("%s: got %d\n%s", name, r.Status, testkit.Trim(r.Body))
			continue
		}
		docPath := row.docPath
		if docPath == "" {
			docPath = strings.Split(row.path, "?")[0]
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
}

// adminTokens are an admin's token with the admin scope, the same admin's
// without it, and a customer's. (Support's token cannot hold the admin scope:
// only an admin's may, services/tokens.go.)
func adminTokens(t *testing.T, a *testkit.App) (admin, noScope, customer string) {
	t.Helper()
	a.CreateUser(t, "ops@example.com", testkit.Password)
	if _, err := a.Staff.SetRole(t.Context(), services.OperatorOnMachine(), "ops@example.com", store.StaffAdmin); err != nil {
		t.Fatal(err)
	}
	admin, _ = a.MintToken(t, "ops@example.com", services.ScopeAdmin)
	noScope, _ = a.MintToken(t, "ops@example.com", services.AllScopes...)
	return admin, noScope, newVMCustomer(t, a, "cyrus@example.com", 0).token
}

// The Plans page: support reads every plan with its price (per hour and per
// month, in toman) and its VMs, but is offered no form and refused a change;
// an admin adds a plan (a wrong field is named beside it), reprices one, and
// disables the plan a customer's VM is on: the VM stays on it, the order form
// offers it no more, and an order of it is refused; offered again, it is back
// on the form. Every change is audited.
func TestThePlansPageAddsRepricesAndDisablesPlans(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	ana, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.81")
	shop := a.Client(t)
	testkit.WantRedirect(t, "ana signs in", shop.SignIn(ana.email, testkit.Password), "/vms")

	r := pp.support.Get("/admin/plans?lang=en")
	testkit.MustStatus(t, "support reads the plans", r, http.StatusOK)
	if !strings.Contains(r.Body, `data-testid="plan-starter"`) || !strings.Contains(r.Body, `data-testid="plan-pro"`) {
		t.Error("the plans page lacks a plan")
	}
	for _, want := range []string{i18n.Money(i18n.EN, 400_000), i18n.Money(i18n.EN, 400_000*730)} {
		if !testkit.Contains(r.Body, want) {
			t.Errorf("the plans page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, `data-testid="plan-new"`) || strings.Contains(r.Body, `data-testid="plan-edit"`) {
		t.Error("support is offered the plan forms")
	}
	for _, path := range []string{"/admin/plans", "/admin/plans/starter/edit", "/admin/plans/starter/disable"} {
		testkit.MustStatus(t, "support POST "+path, pp.support.Post(path, testkit.Form("slug", "x", "name_fa", "x", "name_en", "x", "price", "1")), http.StatusForbidden)
	}

	r = pp.admin.Post("/admin/plans", testkit.Form("slug", "Big Plan", "name_fa", "بزرگ", "name_en", "Big", "vcpus", "4", "memory_mb", "8192", "disk_gb", "80", "price", "9000"))
	testkit.MustStatus(t, "a plan with a bad slug", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, `data-field-error="slug"`) {
		t.Error("the bad slug is not named beside its field")
	}
	testkit.WantRedirect(t, "an admin adds a plan", pp.admin.Post("/admin/plans",
		testkit.Form("slug", "big", "name_fa", "بزرگ", "name_en", "Big", "vcpus", "۴", "memory_mb", "8192", "disk_gb", "80", "price", "9000")), "/admin/plans")
	if p, err := a.DB.Plan(t.Context(), "big"); err != nil || p.PriceHourlyRials != 90_000 || p.VCPUs != 4 || !p.Active {
		t.Fatalf("the added plan is %+v (%v)", p, err)
	}
	r = pp.admin.Post("/admin/plans/pro/edit", testkit.Form("name_fa", "حرفه‌ای", "name_en", "Pro", "price", "abc"))
	testkit.MustStatus(t, "a price that is no number", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, `data-field-error="price"`) {
		t.Error("the bad price is not named beside its field")
	}
	testkit.WantRedirect(t, "an admin reprices pro", pp.admin.Post("/admin/plans/pro/edit", testkit.Form("name_fa", "حرفه‌ای", "name_en", "Pro+", "price", "45000")), "/admin/plans")
	if r := pp.admin.Get("/admin/plans?lang=en"); !testkit.Contains(r.Body, i18n.Money(i18n.EN, 450_000)) || !testkit.Contains(r.Body, "Pro+") {
		t.Error("the plans page does not show pro's new name and price")
	}

	if !strings.Contains(shop.Get("/vms/new").Body, `data-plan="starter"`) {
		t.Fatal("the order form lacks starter before it is disabled")
	}
	testkit.WantRedirect(t, "an admin disables starter", pp.admin.Post("/admin/plans/starter/disable", nil), "/admin/plans")
	if strings.Contains(shop.Get("/vms/new").Body, `data-plan="starter"`) {
		t.Error("the order form still offers the disabled plan")
	}
	if vm := vmRow(t, a, uuid); vm.PlanSlug != "starter" || vm.Status == "destroyed" {
		t.Errorf("ana's VM on the disabled plan is %s on %s", vm.Status, vm.PlanSlug)
	}
	if r := a.APICall(t, http.MethodPost, "/api/v1/vms", ana.token, orderBody("again", "again")); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "plan_slug") {
		t.Errorf("an order of the disabled plan: %d %s", r.Status, testkit.Trim(r.Body))
	}
	r = pp.admin.Get("/admin/plans?lang=en")
	if row := between(r.Body, `data-testid="plan-starter"`, `</tr>`); !testkit.Contains(row, i18n.T(i18n.EN, "admin.catalog.disabled")) || !strings.Contains(row, `data-testid="enable"`) {
		t.Error("the plans page does not show starter disabled, with a way to offer it again")
	}
	testkit.WantRedirect(t, "an admin offers starter again", pp.admin.Post("/admin/plans/starter/enable", nil), "/admin/plans")
	if !strings.Contains(shop.Get("/vms/new").Body, `data-plan="starter"`) {
		t.Error("the order form does not offer starter again")
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action LIKE 'admin.plan_%' AND user_id = ?`, a.User(t, "ops@example.com").ID); n != 4 {
		t.Errorf("%d audit rows of the admin's four plan changes, want 4", n)
	}
}

// between is the text of s from the first start up to the next end after it.
func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return s
}

// The plans' JSON twin: an admin's token with the admin scope lists, adds and
// changes plans; the same admin's token without the scope, and a customer's,
// are refused.
func TestTheAdminDoorManagesPlans(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	admin, noScope, customer := adminTokens(t, a)
	runAdminAPI(t, a, []adminAPIRow{
		{"GET", "/api/v1/admin/plans", "", admin, "", 200},
		{"GET", "/api/v1/admin/plans", "", noScope, "", 403},
		{"GET", "/api/v1/admin/plans", "", customer, "", 403},
		{"GET", "/api/v1/admin/plans", "", "", "", 401},
		{"POST", "/api/v1/admin/plans", "", noScope, `{"slug":"big","name_fa":"ب","name_en":"Big","vcpus":2,"memory_mb":2048,"disk_gb":40,"price_hourly_rials":30000}`, 403},
		{"POST", "/api/v1/admin/plans", "", admin, `{"slug":"big","name_fa":"ب","name_en":"Big","vcpus":2,"memory_mb":2048,"disk_gb":40,"price_hourly_rials":30005}`, 422},
		{"POST", "/api/v1/admin/plans", "", admin, `{"slug":"big","name_fa":"ب","name_en":"Big","vcpus":2,"memory_mb":2048,"disk_gb":40,"price_hourly_rials":30000}`, 201},
		{"POST", "/api/v1/admin/plans", "", admin, `{"slug":"big","name_fa":"ب","name_en":"Big","vcpus":2,"memory_mb":2048,"disk_gb":40,"price_hourly_rials":30000}`, 422},
		{"POST", "/api/v1/admin/plans", "", admin, `{"slug":`, 400},
		{"PATCH", "/api/v1/admin/plans/big", "/api/v1/admin/plans/{slug}", customer, `{"active":false}`, 403},
		{"PATCH", "/api/v1/admin/plans/nope", "/api/v1/admin/plans/{slug}", admin, `{"active":false}`, 404},
		{"PATCH", "/api/v1/admin/plans/big", "/api/v1/admin/plans/{slug}", admin, `{"name_en":""}`, 422},
		{"PATCH", "/api/v1/admin/plans/big", "/api/v1/admin/plans/{slug}", admin, `{"price_hourly_rials":35000,"active":false}`, 200},
	})
	p, err := a.DB.Plan(t.Context(), "big")
	if err != nil || p.PriceHourlyRials != 35_000 || p.Active {
		t.Errorf("big is %+v (%v), want repriced and disabled", p, err)
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action LIKE 'admin.plan_%' AND via LIKE 'token:%'`); n != 3 {
		t.Errorf("%d audit rows of the three plan changes through the token, want 3", n)
	}
}

// The Regions page: support reads every region with its nodes and VMs but is
// offered no form and refused a change; an admin adds a region (a network
// outside its gateway is named beside the field) and disables the one a
// customer's VM is in: the VM stays, the order form offers the region no
// more, and an order naming it is refused; offered again, it is back.
func TestTheRegionsPageAddsAndDisablesRegions(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	ana, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.82")
	shop := a.Client(t)
	testkit.WantRedirect(t, "ana signs in", shop.SignIn(ana.email, testkit.Password), "/vms")

	r := pp.support.Get("/admin/regions?lang=en")
	testkit.MustStatus(t, "support reads the regions", r, http.StatusOK)
	if row := between(r.Body, `data-testid="region-thr-1"`, `</tr>`); row == "" || !strings.Contains(row, "10.20.0.0/24") {
		t.Error("the regions page lacks thr-1 with its network")
	}
	if strings.Contains(r.Body, `data-testid="region-new"`) || strings.Contains(r.Body, `data-testid="disable"`) {
		t.Error("support is offered the region forms")
	}
	for _, path := range []string{"/admin/regions", "/admin/regions/thr-1/disable"} {
		testkit.MustStatus(t, "support POST "+path, pp.support.Post(path, testkit.Form("slug", "x", "name_fa", "x", "name_en", "x")), http.StatusForbidden)
	}

	r = pp.admin.Post("/admin/regions", testkit.Form("slug", "mhd-1", "name_fa", "مشهد ۱", "name_en", "Mashhad 1", "network", "198.51.100.0/24", "gateway", "10.0.0.1"))
	testkit.MustStatus(t, "a gateway outside the network", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, `data-field-error="network"`) {
		t.Error("the bad network is not named beside its field")
	}
	testkit.WantRedirect(t, "an admin adds mhd-1", pp.admin.Post("/admin/regions",
		testkit.Form("slug", "mhd-1", "name_fa", "مشهد ۱", "name_en", "Mashhad 1", "network", "198.51.100.0/24", "gateway", "198.51.100.1")), "/admin/regions")
	if !strings.Contains(shop.Get("/vms/new").Body, `<option value="mhd-1"`) {
		t.Error("the order form does not offer the new region")
	}

	testkit.WantRedirect(t, "an admin disables thr-1", pp.admin.Post("/admin/regions/thr-1/disable", nil), "/admin/regions")
	if strings.Contains(shop.Get("/vms/new").Body, `<option value="thr-1"`) {
		t.Error("the order form still offers the disabled region")
	}
	if vm := vmRow(t, a, uuid); vm.Region != "thr-1" || vm.Status == "destroyed" {
		t.Errorf("ana's VM in the disabled region is %s in %s", vm.Status, vm.Region)
	}
	body := strings.Replace(orderBody("again", "again"), `{`, `{"region":"thr-1",`, 1)
	if r := a.APICall(t, http.MethodPost, "/api/v1/vms", ana.token, body); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"region"`) {
		t.Errorf("an order in the disabled region: %d %s", r.Status, testkit.Trim(r.Body))
	}
	r = pp.admin.Get("/admin/regions?lang=en")
	if row := between(r.Body, `data-testid="region-thr-1"`, `</tr>`); !testkit.Contains(row, i18n.T(i18n.EN, "admin.catalog.disabled")) || !strings.Contains(row, `data-testid="enable"`) {
		t.Error("the regions page does not show thr-1 disabled, with a way to offer it again")
	}
	testkit.WantRedirect(t, "an admin offers thr-1 again", pp.admin.Post("/admin/regions/thr-1/enable", nil), "/admin/regions")
	if !strings.Contains(shop.Get("/vms/new").Body, `<option value="thr-1"`) {
		t.Error("the order form does not offer thr-1 again")
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action LIKE 'admin.region_%' AND user_id = ?`, a.User(t, "ops@example.com").ID); n != 3 {
		t.Errorf("%d audit rows of the admin's three region changes, want 3", n)
	}
}

// The regions' JSON twin: an admin's token lists, adds, disables and
// re-offers regions; a token without the admin scope, and a customer's, are refused.
func TestTheAdminDoorManagesRegions(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	admin, noScope, customer := adminTokens(t, a)
	runAdminAPI(t, a, []adminAPIRow{
		{"GET", "/api/v1/admin/regions", "", admin, "", 200},
		{"GET", "/api/v1/admin/regions", "", noScope, "", 403},
		{"GET", "/api/v1/admin/regions", "", customer, "", 403},
		{"POST", "/api/v1/admin/regions", "", customer, `{"slug":"mhd-1","name_fa":"م","name_en":"M"}`, 403},
		{"POST", "/api/v1/admin/regions", "", admin, `{"slug":"thr-1","name_fa":"م","name_en":"M"}`, 422},
		{"POST", "/api/v1/admin/regions", "", admin, `{"slug":"mhd-1","name_fa":"م","name_en":"M","network":"2001:db8::/64"}`, 422},
		{"POST", "/api/v1/admin/regions", "", admin, `{"slug":"mhd-1","name_fa":"م","name_en":"M","network":"198.51.100.0/24","gateway":"198.51.100.1"}`, 201},
		{"PATCH", "/api/v1/admin/regions/thr-1", "/api/v1/admin/regions/{slug}", noScope, `{"active":false}`, 403},
		{"PATCH", "/api/v1/admin/regions/nope", "/api/v1/admin/regions/{slug}", admin, `{"active":false}`, 404},
		{"PATCH", "/api/v1/admin/regions/thr-1", "/api/v1/admin/regions/{slug}", admin, `{}`, 422},
		{"PATCH", "/api/v1/admin/regions/thr-1", "/api/v1/admin/regions/{slug}", admin, `{"active":false}`, 200},
		{"GET", "/api/v1/regions", "", customer, "", 200},
	})
	var regions struct{ Regions []struct{ Slug string } }
	if err := json.Unmarshal([]byte(a.APICall(t, "GET", "/api/v1/regions", customer, "").Body), &regions); err != nil || len(regions.Regions) != 1 || regions.Regions[0].Slug != "mhd-1" {
		t.Errorf("the customers' regions are %+v (%v), want mhd-1 alone", regions, err)
	}
}

// seedImported adds an imported template with its state on two nodes:
// ready on one, failed on the other.
func seedImported(t *testing.T, a *testkit.App) {
	t.Helper()
	ctx := t.Context()
	if err := a.DB.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "alpine", Name: "Alpine 3", Volume: "alpine-v2.qcow2", File: "/var/lib/abrak/alpine",
		SHA256: "ab12cd34ef56", MinDiskGB: 1, Active: true}); err != nil {
		t.Fatal(err)
	}
	for name, state := range map[string]string{"tpl-ok": store.VolumeReady, "tpl-bad": store.VolumeFailed} {
		n, err := a.DB.UpsertNode(ctx, store.Node{Name: name, Region: "thr-1", URI: "test+unix:///default?socket=/nonexistent", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.DB.SetTemplateVolume(ctx, "alpine", n.ID, "alpine-v2.qcow2", state, map[string]string{store.VolumeFailed: "no space left"}[state]); err != nil {
			t.Fatal(err)
		}
	}
}

// The templates page: support reads each template's state on every node
// (ready, failed with why) but is offered no button and refused a change; an
// admin disables the template a customer's VM was built from: the VM keeps
// it, the order form offers it no more; offered again, it is back.
func TestTheTemplatesPageShowsStatePerNodeAndDisables(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	ana, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.83")
	seedImported(t, a)
	shop := a.Client(t)
	testkit.WantRedirect(t, "ana signs in", shop.SignIn(ana.email, testkit.Password), "/vms")

	r := pp.support.Get("/admin/templates?lang=en")
	testkit.MustStatus(t, "support reads the templates", r, http.StatusOK)
	row := between(r.Body, `data-testid="template-alpine"`, `</tr>`)
	ok := between(row, `data-testid="template-node-tpl-ok"`, `</li>`)
	bad := between(row, `data-testid="template-node-tpl-bad"`, `</li>`)
	if !testkit.Contains(ok, i18n.T(i18n.EN, "admin.templates.state_ready")) || !testkit.Contains(bad, i18n.T(i18n.EN, "admin.templates.state_failed")) ||
		!strings.Contains(bad, "no space left") {
		t.Errorf("alpine's state per node is not shown:\n%s", row)
	}
	if strings.Contains(r.Body, `data-testid="disable"`) {
		t.Error("support is offered the disable button")
	}
	testkit.MustStatus(t, "support disables", pp.support.Post("/admin/templates/debian-12/disable", nil), http.StatusForbidden)

	testkit.WantRedirect(t, "an admin disables debian-12", pp.admin.Post("/admin/templates/debian-12/disable", nil), "/admin/templates")
	if strings.Contains(shop.Get("/vms/new").Body, `value="debian-12"`) {
		t.Error("the order form still offers the disabled template")
	}
	if vm := vmRow(t, a, uuid); vm.OSTemplateSlug != "debian-12" || vm.Status == "destroyed" {
		t.Errorf("ana's VM of the disabled template is %s of %s", vm.Status, vm.OSTemplateSlug)
	}
	testkit.WantRedirect(t, "an admin offers debian-12 again", pp.admin.Post("/admin/templates/debian-12/enable", nil), "/admin/templates")
	if !strings.Contains(shop.Get("/vms/new").Body, `value="debian-12"`) {
		t.Error("the order form does not offer debian-12 again")
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action LIKE 'admin.template_%' AND user_id = ?`, a.User(t, "ops@example.com").ID); n != 2 {
		t.Errorf("%d audit rows of the admin's two template changes, want 2", n)
	}
}

// The templates' JSON twin: an admin's token lists them with their state
// per node and disables one; other tokens are refused.
func TestTheAdminDoorManagesTemplates(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	seedImported(t, a)
	admin, noScope, customer := adminTokens(t, a)
	runAdminAPI(t, a, []adminAPIRow{
		{"GET", "/api/v1/admin/templates", "", admin, "", 200},
		{"GET", "/api/v1/admin/templates", "", noScope, "", 403},
		{"GET", "/api/v1/admin/templates", "", customer, "", 403},
		{"PATCH", "/api/v1/admin/templates/alpine", "/api/v1/admin/templates/{slug}", customer, `{"active":false}`, 403},
		{"PATCH", "/api/v1/admin/templates/nope", "/api/v1/admin/templates/{slug}", admin, `{"active":false}`, 404},
		{"PATCH", "/api/v1/admin/templates/alpine", "/api/v1/admin/templates/{slug}", admin, `{}`, 422},
		{"PATCH", "/api/v1/admin/templates/alpine", "/api/v1/admin/templates/{slug}", admin, `{"active":false}`, 200},
	})
	var got struct {
		Templates []struct {
			Slug   string
			Active bool
			Nodes  []struct{ Node, State, Error string }
		}
	}
	if err := json.Unmarshal([]byte(a.APICall(t, "GET", "/api/v1/admin/templates", admin, "").Body), &got); err != nil {
		t.Fatal(err)
	}
	for _, tm := range got.Templates {
		if tm.Slug != "alpine" {
			continue
		}
		states := map[string]string{}
		for _, n := range tm.Nodes {
			states[n.Node] = n.State
		}
		if tm.Active || states["tpl-ok"] != "ready" || states["tpl-bad"] != "failed" {
			t.Errorf("alpine reads %+v", tm)
		}
	}
}

// seedNearlyFullPool adds a pool of twenty addresses to thr-1 with sixteen
// held by the VM and three resting: one free, near full.
func seedNearlyFullPool(t *testing.T, a *testkit.App, uuid string) store.Pool {
	t.Helper()
	pl, err := a.DB.AddPool(t.Context(), store.Pool{Region: "thr-1", Network: "192.0.2.0/27", First: "192.0.2.2", Last: "192.0.2.21"})
	if err != nil {
		t.Fatal(err)
	}
	vm := vmRow(t, a, uuid)
	for i := range 19 {
		var released any
		if i >= 16 {
			released = time.Now().Add(-time.Minute).Unix()
		}
		if _, err := a.DB.W.Exec(`INSERT INTO addresses (pool_id, family, address, vm_id, assigned_at, released_at) VALUES (?, 4, ?, ?, ?, ?)`,
			pl.ID, "192.0.2."+strconv.Itoa(2+i), vm.ID, time.Now().Add(-time.Hour).Unix(), released); err != nil {
			t.Fatal(err)
		}
	}
	return pl
}

// The pools page: staff read each pool's live, resting and free addresses;
// the nearly full one is flagged, the roomy one is not; the overview's
// figure leads there.
func TestThePoolsPageFlagsANearlyFullPool(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	_, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.84")
	pl := seedNearlyFullPool(t, a, uuid)

	for _, c := range []*testkit.Client{pp.support, pp.admin} {
		r := c.Get("/admin/pools?lang=en")
		testkit.MustStatus(t, "the pools page", r, http.StatusOK)
		row := between(r.Body, `data-testid="pool-`+strconv.FormatInt(pl.ID, 10)+`"`, `</tr>`)
		if !strings.Contains(row, `data-testid="pool-near-full"`) || !testkit.Contains(row, i18n.T(i18n.EN, "admin.pools.free_of", "free", "1", "size", "20")) ||
			!strings.Contains(between(row, `data-testid="pool-quarantined"`, `</td>`), ">3") {
			t.Errorf("the nearly full pool is not shown with 1 free of 20, 3 resting, flagged:\n%s", row)
		}
		if n := strings.Count(r.Body, `data-testid="pool-near-full"`); n != 1 {
			t.Errorf("%d pools flagged near full, want 1", n)
		}
	}
	if r := pp.admin.Get("/admin?lang=en"); !strings.Contains(r.Body, `href="/admin/pools"`) {
		t.Error("the overview does not lead to the pools page")
	}
	testkit.MustStatus(t, "a customer", pp.customer.Get("/admin/pools"), http.StatusNotFound)
}

// The pools' JSON twin: an admin's token reads every pool's usage, with the
// nearly full one flagged; other tokens are refused.
func TestTheAdminDoorListsPools(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	_, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.85")
	pl := seedNearlyFullPool(t, a, uuid)
	admin, noScope, customer := adminTokens(t, a)
	runAdminAPI(t, a, []adminAPIRow{
		{"GET", "/api/v1/admin/pools", "", admin, "", 200},
		{"GET", "/api/v1/admin/pools", "", noScope, "", 403},
		{"GET", "/api/v1/admin/pools", "", customer, "", 403},
		{"GET", "/api/v1/admin/pools", "", "", "", 401},
	})
	var got struct {
		Pools []struct {
			ID                int64
			Live, Quarantined int
			Free              *int64
			NearFull          bool `json:"near_full"`
		}
	}
	if err := json.Unmarshal([]byte(a.APICall(t, "GET", "/api/v1/admin/pools", admin, "").Body), &got); err != nil {
		t.Fatal(err)
	}
	for _, p := range got.Pools {
		if p.ID == pl.ID && (p.Live != 16 || p.Quarantined != 3 || p.Free == nil || *p.Free != 1 || !p.NearFull) {
			t.Errorf("the nearly full pool reads %+v", p)
		}
	}
}
