package web_test

import (
	"net/http"
	"strings"
	"testing"

	"abrak/services"
	"abrak/testkit"
)

// GET /api/v1/actions: the caller's actions across their VMs, newest first,
// paged like the VM list, narrowed by status and type; never another
// customer's.
func TestAPIListActionsAcrossVMs(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.db, "stopped")
	// web's order waits for a hypervisor (its create in progress); db's ended.
	for _, action := range []string{"shutdown", "kill"} {
		testkit.MustStatus(t, action, w.a.APICall(t, http.MethodPost, "/api/v1/vms/"+w.db+"/power/"+action, w.ana.token, ""), http.StatusOK)
	}
	accountOnly, _ := w.a.MintToken(t, w.ana.email, services.ScopeAccount)
	type listed struct {
		Actions []struct {
			ID         int64  `json:"id"`
			Type       string `json:"type"`
			Status     string `json:"status"`
			ResourceID string `json:"resource_id"`
			Region     string `json:"region"`
		} `json:"actions"`
		Meta struct{ Total, Limit, Offset int } `json:"meta"`
	}
	list := func(t *testing.T, r testkit.Response) listed { return testkit.Decode[listed](t, r) }
	want := func(types ...string) func(t *testing.T, w *vmWorld, r testkit.Response) {
		return func(t *testing.T, w *vmWorld, r testkit.Response) {
			b := list(t, r)
			var got []string
			for i, a := range b.Actions {
				got = append(got, a.Type+"@"+a.ResourceID)
				if i > 0 && a.ID >= b.Actions[i-1].ID {
					t.Errorf("not newest first: %+v", b.Actions)
				}
				if a.Region != "thr-1" {
					t.Errorf("action %d region %q", a.ID, a.Region)
				}
			}
			if strings.Join(got, " ") != strings.Join(types, " ") {
				t.Errorf("actions %v, want %v", got, types)
			}
		}
	}
	runAPIRows(t, w, []apiRow{
		{name: "all of ana's", method: "GET", path: "/api/v1/actions", token: anaToken, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				want("kill@"+w.db, "shutdown@"+w.db, "create@"+w.db, "create@"+w.web)(t, w, r)
				if m := list(t, r).Meta; m.Total != 4 || m.Limit != services.DefaultListLimit || m.Offset != 0 {
					t.Errorf("meta %+v", m)
				}
			}},
		{name: "bob's only", method: "GET", path: "/api/v1/actions", token: bobToken, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) { want("create@"+w.bobs)(t, w, r) }},
		{name: "paged", method: "GET", path: "/api/v1/actions?limit=2&offset=1", token: anaToken, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				want("shutdown@"+w.db, "create@"+w.db)(t, w, r)
				link := r.Header.Get("Link")
				if !strings.Contains(link, `limit=2&offset=3>; rel="next"`) || !strings.Contains(link, `rel="prev"`) {
					t.Errorf("Link %q", link)
				}
			}},
		{name: "by type", method: "GET", path: "/api/v1/actions?type=create", token: anaToken, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) { want("create@"+w.db, "create@"+w.web)(t, w, r) }},
		{name: "by seed 003's type", method: "GET", path: "/api/v1/actions?type=power_off", token: anaToken, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) { want("kill@"+w.db)(t, w, r) }},
		{name: "by status", method: "GET", path: "/api/v1/actions?status=in-progress", token: anaToken, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) { want("create@"+w.web)(t, w, r) }},
		{name: "by both, the Link keeps them", method: "GET", path: "/api/v1/actions?status=completed&type=create&limit=1", token: anaToken, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				want("create@"+w.db)(t, w, r)
				if link := r.Header.Get("Link"); !strings.Contains(link, "status=completed") || !strings.Contains(link, "type=create") {
					t.Errorf("Link %q", link)
				}
			}},
		{name: "an unknown status", method: "GET", path: "/api/v1/actions?status=sleeping", token: anaToken, status: 422, fields: []string{"status"}},
		{name: "limit out of range", method: "GET", path: "/api/v1/actions?limit=500", token: anaToken, status: 422, fields: []string{"limit"}},
		{name: "offset not a number", method: "GET", path: "/api/v1/actions?offset=x", token: anaToken, status: 422, fields: []string{"offset"}},
		{name: "a token without vm:read", method: "GET", path: "/api/v1/actions", token: func(*vmWorld) string { return accountOnly }, status: 403},
		{name: "no token", method: "GET", path: "/api/v1/actions", status: 401},
	})
}
