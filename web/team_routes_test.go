package web_test

import (
	"net/http"
	"strings"
	"testing"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
)

// Every documented API route, for every role of a team: a token made while
// its maker could do everything, whose maker is then given each role, is
// refused with 403 role_forbidden exactly where the route's scope needs more
// than the role allows (reading never), and a refusal changes nothing. A
// token of team A reaches nothing of team B, whatever the route.
func TestEveryAPIRouteHoldsEveryRole(t *testing.T) {
	a := testkit.NewApp(t, testkit.WithAPIRateLimit(100000, 100000))
	ctx := t.Context()
	boss := a.CreateUser(t, "boss@example.com", testkit.Password)
	staff := a.CreateUser(t, "staff@example.com", testkit.Password)
	acme, err := a.DB.CreateTeam(ctx, boss.ID, "Acme", "en")
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.DB.CreateTeam(ctx, boss.ID, "Other", "en")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DB.AddMember(ctx, acme.ID, staff.ID, store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	mint := func(team, person int64, role string) string {
		secret, _, err := a.Tokens.Create(ctx, services.Principal{UserID: team, PersonID: person, Role: role}, "sweep", services.AllScopes, 0)
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	token := mint(acme.ID, staff.ID, store.RoleAdmin)
	othersToken := mint(other.ID, boss.ID, store.RoleOwner)
	seedCatalog(t, a)
	for _, team := range []int64{acme.ID, other.ID} {
		if _, err := a.DB.Credit(ctx, team, 1_000_000, "topup", "test"); err != nil {
			t.Fatal(err)
		}
	}
	acmeVM := orderVM(t, a, vmCustomer{email: "staff@example.com", id: acme.ID, token: token}, "acme-web", "acme-web")
	otherVM := orderVM(t, a, vmCustomer{email: "boss@example.com", id: other.ID, token: othersToken}, "other-web", "other-web")

	doc, ops := servedDoc(t, a)
	fill := func(path, uuid string) string {
		for _, p := range []string{"{uuid}"} {
			path = strings.ReplaceAll(path, p, uuid)
		}
		for _, p := range []string{"{id}", "{name}", "{action}", "{month}", "{delivery}"} {
			path = strings.ReplaceAll(path, p, map[string]string{"{id}": "1", "{name}": "snap", "{action}": "reboot", "{month}": "2026-11", "{delivery}": "1"}[p])
		}
		return path
	}
	scopeOf := func(op docOp) string {
		o, _ := doc["paths"].(map[string]any)[op.Path].(map[string]any)[strings.ToLower(op.Method)].(map[string]any)
		s, _ := o["x-scope"].(string)
		return s
	}
	before := func() [3]int {
		return [3]int{a.Count(t, `SELECT count(*) FROM vms`), a.Count(t, `SELECT count(*) FROM actions`), a.Count(t, `SELECT count(*) FROM ssh_keys`)}
	}
	for _, role := range []string{store.RoleMember, store.RoleBilling, store.RoleViewer} {
		if err := a.DB.SetRole(ctx, acme.ID, staff.ID, role); err != nil {
			t.Fatal(err)
		}
		for _, op := range ops {
			scope := scopeOf(op)
			if scope == "" || scope == services.ScopeAdmin {
				continue // the document itself; the operators' door has its own rule
			}
			was := before()
			r := a.APICall(t, op.Method, fill(op.Path, acmeVM), token, bodyFor(op))
			refused := r.Status == http.StatusForbidden && testkit.APIErrorOf(t, r).Error.Code == "role_forbidden"
			want := !services.RoleAllows(role, scope)
			if op.Path == "/api/v1/team/invitations" || (strings.HasPrefix(op.Path, "/api/v1/webhooks") && op.Method != http.MethodGet) {
				want = true // the team's owners and admins only
			}
			if refused != want {
				t.Errorf("%s on %s %s (%s): %d %s, want refused %v", role, op.Method, op.Path, scope, r.Status, testkit.Trim(r.Body), want)
			}
			if refused && before() != was {
				t.Errorf("%s on %s %s was refused but changed something", role, op.Method, op.Path)
			}
		}
	}

	// Team A's token and team B's VM: never found.
	for _, op := range ops {
		if !strings.Contains(op.Path, "{uuid}") || strings.HasPrefix(op.Path, "/api/v1/admin/") {
			continue
		}
		r := a.APICall(t, op.Method, fill(op.Path, otherVM), token, bodyFor(op))
		if r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
			t.Errorf("Acme's token on Other's VM: %s %s answered %d", op.Method, op.Path, r.Status)
		}
		if r.Status == http.StatusOK || strings.Contains(r.Body, "other-web") {
			t.Errorf("Acme's token read Other's VM through %s %s", op.Method, op.Path)
		}
	}
}

// bodyFor is a body a route reads before it asks the services: the rest
// take an empty object.
func bodyFor(op docOp) string {
	if op.Path == "/api/v1/vms/{uuid}/backups/{id}/restore" {
		return `{"target":"self"}`
	}
	return "{}"
}
