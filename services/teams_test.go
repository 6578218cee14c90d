package services_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"abrak/mail"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
)

var invitationLink = regexp.MustCompile(`/invitations/(ic_pat_[A-Za-z0-9_-]+|[A-Za-z0-9_-]{20,})`)

// The walk of a team through its services, with letters through a real SMTP
// server: Ana makes a team and invites Bob, in Bob's language; the letter's
// link shows the invitation; Cyd cannot take it; Bob accepts once, and a
// session of his can work in the team with his role; a member invites no
// one; the last owner stays one; removing Bob sends his session back to his
// own account.
func TestATeamIsMadeInvitedIntoAndLeft(t *testing.T) {
	ctx := context.Background()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	ana := a.CreateUser(t, "ana@example.com", testkit.Password)
	bob := a.CreateUser(t, "bob@example.com", testkit.Password)
	cyd := a.CreateUser(t, "cyd@example.com", testkit.Password)
	if _, err := a.DB.W.Exec(`UPDATE users SET locale = CASE id WHEN ? THEN 'fa' ELSE 'en' END`, bob.ID); err != nil {
		t.Fatal(err)
	}
	asAna := services.Principal{UserID: ana.ID, Email: ana.Email, IP: "198.51.100.1"}

	if _, err := a.Teams.Invite(ctx, asAna, "bob@example.com", store.RoleMember, "en"); !hasStatus(err, http.StatusUnprocessableEntity) {
		t.Errorf("an invitation into Ana's own account: %v, want 422", err)
	}
	if _, err := a.Teams.Create(ctx, asAna, "   "); !hasStatus(err, http.StatusUnprocessableEntity) {
		t.Errorf("a team without a name: %v, want 422", err)
	}
	team, err := a.Teams.Create(ctx, asAna, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	inAcme := services.Principal{UserID: team.ID, PersonID: ana.ID, Role: store.RoleOwner, IP: "198.51.100.1"}
	if _, err := a.Teams.Invite(ctx, inAcme, "bob@example.com", "captain", "en"); !hasStatus(err, http.StatusUnprocessableEntity) {
		t.Errorf("an invitation with an unknown role: %v, want 422", err)
	}
	if _, err := a.Teams.Invite(ctx, inAcme, "bob@example.com", store.RoleMember, "en"); err != nil {
		t.Fatal(err)
	}
	letter := ms.Await(t, "bob@example.com", "Acme") // the subject names the team
	m := invitationLink.FindStringSubmatch(letter.Text)
	if m == nil {
		t.Fatalf("the letter has no invitation link:\n%s", letter.Text)
	}
	if !regexp.MustCompile(ana.Name).MatchString(letter.Subject) || !regexp.MustCompile(`دعوت`).MatchString(letter.Subject) {
		t.Errorf("the letter's subject %q is not in Bob's Persian naming the inviter", letter.Subject)
	}
	secret := m[1]
	inv, err := a.Teams.Invitation(ctx, secret)
	if err != nil || inv.TeamName != "Acme" || inv.Role != store.RoleMember || inv.InvitedBy != ana.Name {
		t.Fatalf("the invitation's page: %+v (%v)", inv, err)
	}

	if _, err := a.Teams.Accept(ctx, services.Principal{UserID: cyd.ID}, secret); !hasStatus(err, http.StatusForbidden) {
		t.Errorf("Cyd accepting Bob's invitation: %v, want 403", err)
	}
	if _, err := a.Teams.Accept(ctx, services.Principal{UserID: bob.ID}, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Teams.Accept(ctx, services.Principal{UserID: bob.ID}, secret); !hasStatus(err, http.StatusGone) {
		t.Errorf("the link used again: %v, want 410", err)
	}

	// Bob's session in the team: the team's wallet, his name and role.
	if _, err := a.DB.Credit(ctx, team.ID, 500_000, "topup", "test"); err != nil {
		t.Fatal(err)
	}
	p, acct, ok, err := a.Accounts.SessionPrincipal(ctx, bob.ID, team.ID, 1<<62, "", "", "198.51.100.2")
	if err != nil || !ok {
		t.Fatal(err)
	}
	if p.UserID != team.ID || p.Person() != bob.ID || p.Role != store.RoleMember || acct.BalanceRials != 500_000 || acct.Name != bob.Name || acct.Team.Name != "Acme" {
		t.Errorf("Bob's session in Acme: principal %+v, account %+v", p, acct)
	}
	if _, err := a.Teams.Invite(ctx, p, "dan@example.com", store.RoleViewer, "en"); services.AsError(err) == nil || services.AsError(err).Code != "role_forbidden" {
		t.Errorf("a member inviting: %v, want role_forbidden", err)
	}
	if err := a.Teams.SetRole(ctx, inAcme, ana.ID, store.RoleAdmin); !hasStatus(err, http.StatusConflict) {
		t.Errorf("the last owner demoting herself: %v, want 409", err)
	}
	members, err := a.Teams.Members(ctx, p)
	if err != nil || len(members) != 2 || members[0].PersonID != ana.ID || !members[1].You {
		t.Errorf("the members Bob sees: %+v (%v)", members, err)
	}

	if err := a.Teams.Remove(ctx, inAcme, bob.ID); err != nil {
		t.Fatal(err)
	}
	p, acct, ok, err = a.Accounts.SessionPrincipal(ctx, bob.ID, team.ID, 1<<62, "", "", "198.51.100.2")
	if err != nil || !ok || p.UserID != bob.ID || acct.Team.ID != bob.ID || acct.BalanceRials != 0 {
		t.Errorf("Bob's session after his removal: principal %+v, account %+v (%v), want his own account", p, acct, err)
	}
	if mine, _ := a.Teams.Mine(ctx, services.Principal{UserID: bob.ID}); len(mine) != 1 || !mine[0].Personal {
		t.Errorf("Bob's teams after his removal: %+v", mine)
	}

	// Ana, Acme's only owner, cannot close her account and leave it ownerless.
	err = a.Accounts.CloseAccount(ctx, inAcme, testkit.Password, "ana@example.com")
	if e := services.AsError(err); e == nil || e.Status != http.StatusUnprocessableEntity || e.Key != "account.close_owns_team" {
		t.Errorf("the last owner closing her account: %v, want 422 account.close_owns_team", err)
	}
}

func hasStatus(err error, status int) bool {
	e := services.AsError(err)
	return e != nil && e.Status == status
}

// A team's letters go to its members whose role they concern, each in their
// own language: a server's to owners, admins and members, the wallet's to
// owners, admins and billing; never to a viewer, never to the team's
// address-less account.
func TestATeamsLettersGoToTheMembersTheyConcern(t *testing.T) {
	ctx := context.Background()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	roles := map[string]string{"own@example.com": store.RoleOwner, "mem@example.com": store.RoleMember, "pay@example.com": store.RoleBilling, "see@example.com": store.RoleViewer}
	var owner store.User
	for email := range roles {
		u := a.CreateUser(t, email, testkit.Password)
		if roles[email] == store.RoleOwner {
			owner = u
		}
	}
	if _, err := a.DB.W.Exec(`UPDATE users SET email_verified_at = 1, locale = CASE email WHEN 'mem@example.com' THEN 'fa' ELSE 'en' END`); err != nil {
		t.Fatal(err)
	}
	team, err := a.DB.CreateTeam(ctx, owner.ID, "Acme", "en")
	if err != nil {
		t.Fatal(err)
	}
	for email, role := range roles {
		if role != store.RoleOwner {
			if err := a.DB.AddMember(ctx, team.ID, a.User(t, email).ID, role); err != nil {
				t.Fatal(err)
			}
		}
	}
	must(t, a.Mailer.Queue(ctx, team.ID, mail.Letter{Kind: "vm_ready", Locale: "en", To: team.Email, Args: []string{"vm", "web-1"}}))
	must(t, a.Mailer.Queue(ctx, team.ID, mail.Letter{Kind: "topup", Locale: "en", To: team.Email, Amounts: map[string]int64{"amount": 100000, "balance": 100000}}))
	ms.Await(t, "own@example.com", "web-1")
	ms.Await(t, "own@example.com", "topped up")
	ms.Await(t, "pay@example.com", "topped up")
	persian := ms.Await(t, "mem@example.com", "web-1")
	if !regexp.MustCompile(`[آ-ی]`).MatchString(persian.Subject) {
		t.Errorf("the member's letter %q is not in their Persian", persian.Subject)
	}
	got := map[string]int{}
	for _, m := range ms.Messages() {
		// The verification letters of the sign-ups arrive too, in their time.
		if strings.Contains(m.Subject, "web-1") || strings.Contains(m.Subject, "topped up") {
			got[m.To]++
		}
	}
	want := map[string]int{"own@example.com": 2, "mem@example.com": 1, "pay@example.com": 1}
	for _, who := range []string{"own@example.com", "mem@example.com", "pay@example.com", "see@example.com", team.Email} {
		if got[who] != want[who] {
			t.Errorf("%s got %d letters, want %d (all: %v)", who, got[who], want[who], got)
		}
	}
}
