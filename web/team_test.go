package web_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
)

// A team's people, each signed in and working in the team, may do through
// the pages what their role allows and are refused the rest with 403,
// nothing changed: members order and operate servers but do not pay in or
// invite; billing pays in but orders nothing; viewers read. A person sees
// the team's wallet, and the team's page lists its members.
func TestEachRoleOfATeamIsHeldToItThroughThePages(t *testing.T) {
	a := testkit.NewApp(t)
	owner := a.Client(t)
	owner.SignUp("ana@example.com", "Ana", testkit.Password)
	if r := owner.Post("/team", testkit.Form("name", "Acme")); r.Status != http.StatusSeeOther {
		t.Fatalf("making a team: %d\n%s", r.Status, r.Body)
	}
	var team int64
	if err := a.DB.R.QueryRow(`SELECT id FROM users WHERE kind = 'team' AND name = 'Acme'`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.W.Exec(`UPDATE users SET balance_rials = 1000000 WHERE id = ?`, team); err != nil {
		t.Fatal(err)
	}
	if page := owner.Get("/team"); !strings.Contains(page.Body, `data-testid="invite-form"`) || !strings.Contains(page.Body, "Acme") {
		t.Errorf("the owner's team page lacks the team or the invitation form")
	}

	people := map[string]*testkit.Client{}
	for _, role := range []string{store.RoleMember, store.RoleBilling, store.RoleViewer} {
		email := role + "@example.com"
		c := a.Client(t)
		c.SignUp(email, role, testkit.Password)
		if err := a.DB.AddMember(t.Context(), team, a.User(t, email).ID, role); err != nil {
			t.Fatal(err)
		}
		if r := c.Post("/team/switch", testkit.Form("team", strconv.FormatInt(team, 10))); r.Status != http.StatusSeeOther {
			t.Fatalf("%s switching into the team: %d", role, r.Status)
		}
		if w := c.Get("/wallet"); w.Status != http.StatusOK || !strings.Contains(w.Body, "100,000") && !strings.Contains(w.Body, "۱۰۰٬۰۰۰") {
			t.Errorf("%s does not see the team's wallet on /wallet (%d)", role, w.Status)
		}
		people[role] = c
	}

	vmsBefore, topupsBefore := a.Count(t, `SELECT count(*) FROM vms`), a.Count(t, `SELECT count(*) FROM topups`)
	checks := []struct {
		what    string
		path    string
		form    []string
		allowed string // the one role of the three that may
	}{
		{"order a server", "/vms", []string{"display_name", "web", "plan", "starter", "os_template", "debian-12", "auth_mode", "password"}, store.RoleMember},
		{"pay into the wallet", "/wallet/topup", []string{"amount", "100000"}, store.RoleBilling},
		{"invite someone", "/team/invitations", []string{"email", "eve@example.com", "role", "viewer"}, ""},
		{"make a token that pays", "/tokens", []string{"name", "ci", "scopes", "wallet:write", "expires", "never"}, store.RoleBilling},
	}
	for _, ch := range checks {
		for role, c := range people {
			r := c.Post(ch.path, testkit.Form(ch.form...))
			refused := r.Status == http.StatusForbidden
			if refused == (role == ch.allowed) {
				t.Errorf("%s may %s: got %d, want refused %v", role, ch.what, r.Status, role != ch.allowed)
			}
		}
	}
	if n := a.Count(t, `SELECT count(*) FROM team_invitations`); n != 0 {
		t.Errorf("%d invitations were made by members who may not invite", n)
	}
	if a.Count(t, `SELECT count(*) FROM topups`) > topupsBefore+1 || a.Count(t, `SELECT count(*) FROM vms`) > vmsBefore+1 {
		t.Error("a refused role changed the wallet or the servers")
	}
	// The team's activity says who did what, and narrows to one person.
	ana := a.User(t, "ana@example.com")
	all := owner.Get("/activity")
	if !strings.Contains(all.Body, `data-testid="activity-filter"`) || !strings.Contains(all.Body, `href="/activity?person=`+strconv.FormatInt(ana.ID, 10)+`"`) {
		t.Errorf("the team's activity names no one or has no filter by person")
	}
	viewer := a.User(t, "viewer@example.com")
	if only := owner.Get("/activity?person=" + strconv.FormatInt(viewer.ID, 10)); strings.Contains(only.Body, `data-testid="activity-who"`) {
		t.Errorf("the viewer, who did nothing, has events in the team's activity")
	}
	if only := owner.Get("/activity?person=" + strconv.FormatInt(ana.ID, 10)); !strings.Contains(only.Body, `data-testid="activity-who"`) {
		t.Errorf("Ana, who made the team, has no events in its activity")
	}

	members := people[store.RoleViewer].Get("/team")
	if got := len(regexp.MustCompile(`data-member="`).FindAllString(members.Body, -1)); got != 4 || strings.Contains(members.Body, `data-testid="invite-form"`) {
		t.Errorf("the viewer's team page lists %d members (want 4) or offers the invitation form", got)
	}
}

// Through the API a token works in its team with its maker's role: it reads
// the team and its members; the invitations waiting only with an owner's or
// admin's token (a viewer's gets 403 role_forbidden); and once its maker
// leaves the team, it is refused.
func TestATeamTokenReadsItsTeamWithItsMakersRole(t *testing.T) {
	a := testkit.NewApp(t)
	ctx := t.Context()
	ana := a.CreateUser(t, "ana@example.com", testkit.Password)
	vic := a.CreateUser(t, "vic@example.com", testkit.Password)
	team, err := a.DB.CreateTeam(ctx, ana.ID, "Acme", "en")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DB.AddMember(ctx, team.ID, vic.ID, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	mint := func(person int64, role string) string {
		secret, _, err := a.Tokens.Create(ctx, services.Principal{UserID: team.ID, PersonID: person, Role: role}, "ci", []string{services.ScopeVMRead, services.ScopeAccount}, 0)
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	owner, viewer := mint(ana.ID, store.RoleOwner), mint(vic.ID, store.RoleViewer)

	r := a.APICall(t, "GET", "/api/v1/team", viewer, "")
	testkit.MustStatus(t, "the team for the viewer's token", r, http.StatusOK)
	body := testkit.Decode[struct {
		Team struct {
			ID       int64
			Name     string
			Personal bool
			Role     string
			Members  []struct{ Email, Role string }
		}
	}](t, r)
	if body.Team.ID != team.ID || body.Team.Name != "Acme" || body.Team.Personal || body.Team.Role != "viewer" || len(body.Team.Members) != 2 || body.Team.Members[0].Email != "ana@example.com" {
		t.Errorf("the viewer's token reads the team as %+v", body.Team)
	}
	if e := testkit.APIErrorOf(t, a.APICall(t, "GET", "/api/v1/team/invitations", viewer, "")); e.Error.Code != "role_forbidden" {
		t.Errorf("the viewer's token listing invitations: %+v, want role_forbidden", e)
	}
	testkit.MustStatus(t, "the invitations for the owner's token", a.APICall(t, "GET", "/api/v1/team/invitations", owner, ""), http.StatusOK)

	if err := a.DB.RemoveMember(ctx, team.ID, vic.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	testkit.MustStatus(t, "the token of a member who left", a.APICall(t, "GET", "/api/v1/team", viewer, ""), http.StatusUnauthorized)
}
