package web_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// Every route of the operator's pages, as the route table has them, tried by
// a visitor and a customer (404, as any unknown page: the door is not
// revealed), an admin without two-factor sign-in (sent to turn it on), and
// support (refused 403 only where it may not act: roles). None of the
// refused requests writes an audit row; support's allowed acts each do.
// Then every route of the JSON door (/api/v1/admin) with support's own
// admin-scoped token, made on the tokens page: the same rules as on the
// pages, and none left once the person loses the staff role.
func TestEveryAdminRouteHoldsItsDoor(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	ana, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.95")
	settle(t, a, uuid, vmstatus.Stopped)
	// Built, as settled: the orders' retry and cancel find nothing waiting (409).
	if _, err := a.DB.W.Exec(`UPDATE orders SET status = 'provisioned'`); err != nil {
		t.Fatal(err)
	}
	enableTOTP(t, a, "ana@example.com")
	managed := map[string]bool{"/admin/customers/:id/role": true, "/admin/nodes/:id/maintenance": true, "/admin/settings/brand": true,
		"POST /admin/nodes": true, "/admin/settings/support-limits": true}

	var routes []*echo.Route
	for _, r := range a.Server.Echo.Routes() {
		if r.Method != echo.RouteNotFound && (r.Path == "/admin" || strings.HasPrefix(r.Path, "/admin/")) {
			routes = append(routes, r)
		}
	}
	// Sorted, a suspension comes before its lifting and a lock before its unlock.
	slices.SortFunc(routes, func(x, y *echo.Route) int { return strings.Compare(x.Path+x.Method, y.Path+y.Method) })
	// The catalog: support reads it, only an admin changes it.
	for _, route := range []string{"/admin/plans", "/admin/plans/:slug/edit", "/admin/plans/:slug/disable", "/admin/plans/:slug/enable",
		"/admin/regions", "/admin/regions/names", "/admin/regions/:slug/disable", "/admin/regions/:slug/enable",
		"/admin/templates", "/admin/templates/:slug/disable", "/admin/templates/:slug/enable", "/admin/pools"} {
		managed["POST "+route] = true
	}
	if len(routes) < 10 {
		t.Fatalf("only %d operator's routes found: the walk is broken", len(routes))
	}
	sara := a.User(t, "sara@example.com").ID
	audits := func() int { return a.Count(t, `SELECT count(*) FROM audit_events WHERE action LIKE 'admin.%'`) }
	sarasActs := func() int {
		return a.Count(t, `SELECT count(*) FROM audit_events WHERE action LIKE 'admin.%' AND user_id = ?`, sara)
	}
	for _, r := range routes {
		path := strings.NewReplacer(":id", itoa(ana.id), ":uuid", uuid).Replace(r.Path)
		form := testkit.Form("reason", "Route sweep", "amount", "10", "direction", "credit", "key", "sweep-"+r.Path, "role", "support", "action", "kill")
		do := func(c *testkit.Client) testkit.Response {
			if r.Method == http.MethodGet {
				return c.Get(path)
			}
			return c.Post(path, form)
		}
		before, saraBefore := audits(), sarasActs()
		for name, c := range map[string]*testkit.Client{"visitor": pp.anon, "customer": pp.customer} {
			testkit.MustStatus(t, name+" "+r.Method+" "+path, do(c), http.StatusNotFound)
		}
		testkit.WantRedirect(t, "admin without two-factor "+r.Method+" "+path, do(pp.adminNo2FA), "/account#two-factor")
		if n := audits(); n != before {
			t.Errorf("%s %s: refused requests wrote %d audit rows", r.Method, path, n-before)
		}
		got := do(pp.support)
		switch {
		case managed[r.Path] || managed[r.Method+" "+r.Path]:
			testkit.MustStatus(t, "support "+r.Method+" "+path, got, http.StatusForbidden)
			if n := audits(); n != before {
				t.Errorf("%s %s: support's refused request wrote an audit row", r.Method, path)
			}
		case got.Status == http.StatusNotFound || got.Status == http.StatusForbidden || got.Status >= 500:
			t.Errorf("support %s %s: %d", r.Method, path, got.Status)
		case r.Method == http.MethodPost && got.Status == http.StatusSeeOther && sarasActs() != saraBefore+1:
			t.Errorf("support %s %s: %d audit rows of sara's for one act, want 1", r.Method, path, sarasActs()-saraBefore)
		}
	}
	supportsJSONDoor(t, a, pp, ana.id, uuid)

	// The role an admin gives on the customer's page.
	page := "/admin/customers/" + itoa(ana.id)
	testkit.WantRedirect(t, "an admin gives ana the support role", pp.admin.Post(page+"/role", testkit.Form("role", "support")), page)
	if r := a.User(t, "ana@example.com").StaffRole; r != "support" {
		t.Errorf("ana's role is %q, want support", r)
	}
}

// supportsJSONDoor sweeps /api/v1/admin with a token support made on the
// tokens page: refused (403) what changes nodes, the catalog, settings or
// roles, through to the service everywhere else; then the role is taken
// away and the same token opens nothing.
func supportsJSONDoor(t *testing.T, a *testkit.App, pp staffPeople, customer int64, uuid string) {
	t.Helper()
	if r := pp.support.Get("/tokens?lang=en"); !testkit.Contains(r.Body, i18n.T(i18n.EN, "tokens.scope.admin")) {
		t.Error("support's token form does not offer the admin scope")
	}
	r := pp.support.Post("/tokens", testkit.Form("name", "support door", "scopes", "admin", "expires", "30"))
	testkit.MustStatus(t, "support's token with the admin scope", r, http.StatusOK)
	token := testkit.TokenSecretRe.FindString(r.Body)
	if token == "" {
		t.Fatalf("no token on the page\n%s", testkit.Trim(r.Body))
	}
	managed := map[string]bool{"POST /api/v1/admin/vms/:uuid/migrate": true, "POST /api/v1/admin/nodes/:id/maintenance": true,
		"POST /api/v1/admin/plans": true, "PATCH /api/v1/admin/plans/:slug": true, "POST /api/v1/admin/regions": true,
		"PATCH /api/v1/admin/regions/:slug": true, "PATCH /api/v1/admin/templates/:slug": true, "POST /api/v1/admin/templates": true, "POST /api/v1/admin/pools": true,
		"PATCH /api/v1/admin/brand": true, "PATCH /api/v1/admin/support-limits": true}
	var routes []*echo.Route
	for _, r := range a.Server.Echo.Routes() {
		if r.Method != echo.RouteNotFound && strings.HasPrefix(r.Path, "/api/v1/admin/") {
			routes = append(routes, r)
		}
	}
	slices.SortFunc(routes, func(x, y *echo.Route) int { return strings.Compare(x.Path+x.Method, y.Path+y.Method) })
	if len(routes) <= len(managed) {
		t.Fatalf("only %d routes of the JSON door found: the walk is broken", len(routes))
	}
	for _, r := range routes {
		path := strings.NewReplacer(":id", itoa(customer), ":uuid", uuid, ":slug", "starter", ":action", "reboot").Replace(r.Path)
		// An empty body: what support may do then fails on its fields (422)
		// or its state (409), past the role; what it may not is refused first.
		got := a.APICall(t, r.Method, path, token, "", "Idempotency-Key", "sweep-"+r.Method+r.Path)
		switch {
		case managed[r.Method+" "+r.Path]:
			if got.Status != http.StatusForbidden {
				t.Errorf("support's token %s %s: %d, want 403", r.Method, path, got.Status)
			}
		case got.Status == http.StatusUnauthorized || got.Status == http.StatusForbidden || got.Status == http.StatusNotFound || got.Status >= 500:
			t.Errorf("support's token %s %s: %d %s", r.Method, path, got.Status, testkit.Trim(got.Body))
		}
	}

	if _, err := a.Staff.SetRole(context.Background(), services.OperatorOnMachine(), "sara@example.com", ""); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/admin/customers", "/api/v1/admin/vms"} {
		if got := a.APICall(t, http.MethodGet, path, token, ""); got.Status != http.StatusForbidden {
			t.Errorf("after losing the support role, GET %s: %d, want 403", path, got.Status)
		}
	}
}
