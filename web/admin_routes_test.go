package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"abrak/testkit"
	"abrak/vmstatus"
)

// Every route of the operator's pages, as the route table has them, tried by
// a visitor and a customer (404, as any unknown page: the door is not
// revealed), an admin without two-factor sign-in (sent to turn it on), and
// support (refused 403 only where it may not act: roles). None of the
// refused requests writes an audit row; support's allowed acts each do.
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
	// The role an admin gives on the customer's page.
	page := "/admin/customers/" + itoa(ana.id)
	testkit.WantRedirect(t, "an admin gives ana the support role", pp.admin.Post(page+"/role", testkit.Form("role", "support")), page)
	if r := a.User(t, "ana@example.com").StaffRole; r != "support" {
		t.Errorf("ana's role is %q, want support", r)
	}
}
