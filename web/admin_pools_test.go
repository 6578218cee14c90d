package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"abrak/testkit"
)

// An admin adds an address pool from the Pools page: a bad CIDR, a gateway
// outside the network and a network overlapping a pool already added are
// the form again with the message beside the field, and nothing stored; a
// good one is listed with its free addresses and audited. Support reads the
// page without the form and is refused the POST.
func TestThePoolsPageAddsAPool(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	_, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.86")
	seedNearlyFullPool(t, a, uuid) // 192.0.2.0/27 in thr-1
	pools := func() int { return a.Count(t, `SELECT count(*) FROM address_pools`) }
	before := pools()

	r := pp.support.Get("/admin/pools?lang=en")
	testkit.MustStatus(t, "support reads the pools", r, http.StatusOK)
	if strings.Contains(r.Body, `data-testid="pool-new"`) {
		t.Error("support is offered the pool form")
	}
	testkit.MustStatus(t, "support POST /admin/pools", pp.support.Post("/admin/pools", testkit.Form("region", "thr-1", "network", "198.51.100.0/24")), http.StatusForbidden)
	if r := pp.admin.Get("/admin/pools?lang=en"); !strings.Contains(r.Body, `data-testid="pool-new"`) || !strings.Contains(r.Body, `<option value="thr-1"`) {
		t.Error("the admin is not offered the pool form with thr-1")
	}

	for _, c := range []struct {
		name, field string
		form        []string
	}{
		{"a bad CIDR", "network", []string{"region", "thr-1", "network", "198.51.100.0/33"}},
		{"a gateway outside", "gateway", []string{"region", "thr-1", "network", "198.51.100.0/24", "gateway", "10.0.0.1"}},
		{"an overlapping pool", "network", []string{"region", "thr-1", "network", "192.0.2.16/28"}},
		{"a range outside", "last", []string{"region", "thr-1", "network", "198.51.100.0/24", "last", "198.51.101.9"}},
		{"no such region", "region", []string{"region", "nope", "network", "198.51.100.0/24"}},
	} {
		r := pp.admin.Post("/admin/pools?lang=en", testkit.Form(c.form...))
		testkit.MustStatus(t, c.name, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.Body, `data-field-error="`+c.field+`"`) || !strings.Contains(r.Body, `data-testid="pool-new"`) {
			t.Errorf("%s: the form is not shown again with the message beside %s", c.name, c.field)
		}
		if n := pools(); n != before {
			t.Errorf("%s: %d pools stored", c.name, n-before)
		}
	}

	testkit.WantRedirect(t, "an admin adds 198.51.100.0/24", pp.admin.Post("/admin/pools", testkit.Form("region", "thr-1", "network", "198.51.100.0/24",
		"gateway", "198.51.100.1", "first", "198.51.100.10", "last", "198.51.100.29", "resolvers", "9.9.9.9, 1.1.1.1")), "/admin/pools")
	r = pp.admin.Get("/admin/pools?lang=en")
	if !strings.Contains(r.Body, "198.51.100.0/24") || !strings.Contains(r.Body, "198.51.100.10 – 198.51.100.29") {
		t.Error("the new pool is not listed with its range")
	}
	if n := a.Count(t, `SELECT count(*) FROM address_pools WHERE network = '198.51.100.0/24' AND resolvers = '9.9.9.9,1.1.1.1'`); n != 1 {
		t.Errorf("%d pools of 198.51.100.0/24 with both resolvers stored, want 1", n)
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.pool_create' AND user_id = ?`, a.User(t, "ops@example.com").ID); n != 1 {
		t.Errorf("%d audit rows of the admin's pool, want 1", n)
	}
}

// The pool's JSON twin: an admin's token adds an IPv6 prefix; an overlapping
// network and a bad one are 422 naming network; other tokens are refused.
func TestTheAdminDoorAddsAPool(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	admin, noScope, customer := adminTokens(t, a)
	runAdminAPI(t, a, []adminAPIRow{
		{"POST", "/api/v1/admin/pools", "", customer, `{"region":"thr-1","network":"2001:db8:1::/64"}`, 403},
		{"POST", "/api/v1/admin/pools", "", noScope, `{"region":"thr-1","network":"2001:db8:1::/64"}`, 403},
		{"POST", "/api/v1/admin/pools", "", admin, `{"region":"thr-1","network":"2001:db8:1::/129"}`, 422},
		{"POST", "/api/v1/admin/pools", "", admin, `{"region":"thr-1","network":"2001:db8:1::/64","gateway":"2001:db8:1::1","resolvers":["2001:4860:4860::8888"]}`, 201},
		{"POST", "/api/v1/admin/pools", "", admin, `{"region":"thr-1","network":"2001:db8:1::/48"}`, 422},
	})
	r := a.APICall(t, "POST", "/api/v1/admin/pools", admin, `{"region":"thr-1","network":"2001:db8:1:0:8000::/65"}`)
	var e struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	if r.Status != http.StatusUnprocessableEntity || json.Unmarshal([]byte(r.Body), &e) != nil || e.Error.Fields["network"] == "" {
		t.Errorf("an overlapping prefix: %d %s", r.Status, testkit.Trim(r.Body))
	}
	if n := a.Count(t, `SELECT count(*) FROM address_pools WHERE family = 6`); n != 1 {
		t.Errorf("%d IPv6 pools stored, want 1", n)
	}
}
