package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"abrak/store"
	"abrak/testkit"
)

// Seed 004's location filter on the VM list (region's other name), and a
// trailing slash on any API path, as scripts written for other providers
// send them.
func TestAPIListVMsByLocationAndTrailingSlash(t *testing.T) {
	w := newVMWorld(t)
	ctx := context.Background()
	if err := w.a.DB.UpsertRegion(ctx, store.Region{Slug: "mhd-1", NameFA: "مشهد ۱", NameEN: "Mashhad 1", IPNetwork: "10.21.0.0/24", Gateway: "10.21.0.1"}); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"plan_slug": "starter", "os_template_slug": "debian-12", "auth_mode": "password",
		"custom_password": "StrongPass123!", "hostname": "mhd", "display_name": "mhd", "region": "mhd-1"})
	r := w.a.APICall(t, http.MethodPost, "/api/v1/vms", w.ana.token, string(body))
	testkit.MustStatus(t, "order in mhd-1", r, http.StatusServiceUnavailable)
	mhd := strings.TrimPrefix(r.Header.Get("Location"), "/api/v1/vms/")
	settle(t, w.a, w.db, "stopped")

	uuids := func(t *testing.T, r testkit.Response) []string {
		var b struct {
			VMs []struct {
				UUID   string `json:"uuid"`
				Region string `json:"region"`
			} `json:"vms"`
			Meta struct{ Total int } `json:"meta"`
		}
		if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range b.VMs {
			out = append(out, v.UUID+"@"+v.Region)
		}
		if b.Meta.Total != len(out) && !strings.Contains(r.Header.Get("Link"), "next") {
			t.Errorf("total %d for %d VMs", b.Meta.Total, len(out))
		}
		return out
	}
	want := func(list ...string) func(t *testing.T, w *vmWorld, r testkit.Response) {
		return func(t *testing.T, w *vmWorld, r testkit.Response) {
			if got := uuids(t, r); strings.Join(got, " ") != strings.Join(list, " ") {
				t.Errorf("VMs %v, want %v", got, list)
			}
		}
	}
	runAPIRows(t, w, []apiRow{
		{name: "location", method: "GET", path: "/api/v1/vms?location=mhd-1", token: anaToken, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) { want(mhd+"@mhd-1")(t, w, r) }},
		{name: "region", method: "GET", path: "/api/v1/vms?region=thr-1", token: anaToken, status: 200,
			check: want(w.db+"@thr-1", w.web+"@thr-1")},
		{name: "both, agreeing", method: "GET", path: "/api/v1/vms?region=thr-1&location=thr-1", token: anaToken, status: 200,
			check: want(w.db+"@thr-1", w.web+"@thr-1")},
		{name: "both, differing", method: "GET", path: "/api/v1/vms?region=thr-1&location=mhd-1", token: anaToken, status: 422, fields: []string{"location"}},
		{name: "a location with none", method: "GET", path: "/api/v1/vms?location=nowhere", token: anaToken, status: 200, check: want()},
		{name: "with status", method: "GET", path: "/api/v1/vms?location=thr-1&status=stopped", token: anaToken, status: 200, check: want(w.db + "@thr-1")},
		{name: "the page links keep it", method: "GET", path: "/api/v1/vms?location=thr-1&limit=1", token: anaToken, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				want(w.db+"@thr-1")(t, w, r)
				if link := r.Header.Get("Link"); !strings.Contains(link, "region=thr-1") || !strings.Contains(link, `rel="next"`) {
					t.Errorf("Link %q", link)
				}
			}},
		{name: "bob's list has none of ana's", method: "GET", path: "/api/v1/vms?location=mhd-1", token: bobToken, status: 200, check: want()},

		{name: "the list with a trailing slash", method: "GET", path: "/api/v1/vms/", token: anaToken, status: 200,
			check: want(mhd+"@mhd-1", w.db+"@thr-1", w.web+"@thr-1")},
		{name: "a filtered list with a trailing slash", method: "GET", path: "/api/v1/vms/?location=mhd-1", token: anaToken, status: 200,
			check: want(mhd + "@mhd-1")},
		{name: "a VM with a trailing slash", method: "GET", path: "/api/v1/vms/{db}/", token: anaToken, status: 200},
		{name: "a power action with a trailing slash", method: "POST", path: "/api/v1/vms/{db}/power/shutdown/", token: anaToken, status: 200},
		{name: "the actions with a trailing slash", method: "GET", path: "/api/v1/actions/", token: anaToken, status: 200},
		{name: "the document with a trailing slash", method: "GET", path: "/api/v1/openapi.json/", status: 200},
		{name: "still no token, still 401", method: "GET", path: "/api/v1/vms/", status: 401},
	})
	// The pages keep their one address each.
	if r := w.a.Client(t).Get("/signin/"); r.Status == http.StatusOK {
		t.Errorf("GET /signin/ is %d: the trailing slash reached the pages", r.Status)
	}
}
