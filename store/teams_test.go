package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"abrak/store"
)

// Accounts made before teams existed become their person's own team, owned by
// them, when the file is opened: nothing moves, every id stays, and their
// tokens and activity are their own. A new account is its own team's owner.
func TestEveryAccountIsTheOwnerOfItsOwnTeam(t *testing.T) {
	ctx := context.Background()
	n := store.MigrationNumber("_teams.sql")
	if n == 0 {
		t.Fatal("no migration brings teams")
	}
	path := filepath.Join(t.TempDir(), "abrak.db")
	if err := store.MigrateTo(ctx, path, n-1); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var old int64
	if err := raw.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, created_at, updated_at)
		VALUES ('old@example.com', 'Old', 'x', 1, 1) RETURNING id`).Scan(&old); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO api_tokens (user_id, name, prefix, hash, scopes, created_at) VALUES (?1, 'ci', 'abc', 'h1', 'vm:read', 1)`,
		`INSERT INTO audit_events (user_id, action, severity, created_at) VALUES (?1, 'auth.signin', 'info', 1)`,
	} {
		if _, err := raw.ExecContext(ctx, q, old); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	db := open(t, path)
	teams, err := db.TeamsOf(ctx, old)
	if err != nil || len(teams) != 1 || teams[0].TeamID != old || teams[0].Role != store.RoleOwner || !teams[0].Personal || teams[0].TeamName != "Old" {
		t.Fatalf("the old account's teams: %+v (%v), want its own, owned", teams, err)
	}
	var by, actor int64
	if err := db.R.QueryRowContext(ctx, `SELECT created_by, (SELECT actor_id FROM audit_events WHERE user_id = ?1) FROM api_tokens WHERE user_id = ?1`, old).Scan(&by, &actor); err != nil || by != old || actor != old {
		t.Errorf("the old token was made by %d and the old event done by %d (%v), want the account %d", by, actor, err, old)
	}

	ana := addUser(t, db, "ana@example.com")
	if m, err := db.MembershipOf(ctx, ana.ID, ana.ID); err != nil || m.Role != store.RoleOwner || !m.Personal {
		t.Errorf("a new account in its own team: %+v (%v), want its owner", m, err)
	}
}

// A team always keeps an owner: the last owner can be neither demoted nor
// removed, nor close their account; once another member is an owner both are
// allowed. A person's own account takes no other member and no invitation.
func TestATeamAlwaysKeepsAnOwner(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	ana, bob := addUser(t, db, "ana@example.com"), addUser(t, db, "bob@example.com")
	team, err := db.CreateTeam(ctx, ana.ID, "Acme", "fa")
	if err != nil {
		t.Fatal(err)
	}
	if team.Email != "team:"+strconv.FormatInt(team.ID, 10) {
		t.Errorf("the team's address is %q, want team:<id>: no sign-up can take it", team.Email)
	}
	if err := db.AddMember(ctx, team.ID, bob.ID, store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := db.AddMember(ctx, team.ID, bob.ID, store.RoleViewer); !errors.Is(err, store.ErrConflict) {
		t.Errorf("adding a member twice: %v, want ErrConflict", err)
	}
	if err := db.SetRole(ctx, team.ID, ana.ID, store.RoleAdmin); !errors.Is(err, store.ErrLastOwner) {
		t.Errorf("demoting the last owner: %v, want ErrLastOwner", err)
	}
	if err := db.RemoveMember(ctx, team.ID, ana.ID, time.Now()); !errors.Is(err, store.ErrLastOwner) {
		t.Errorf("removing the last owner: %v, want ErrLastOwner", err)
	}
	if err := db.CloseUser(ctx, ana.ID, time.Now()); !errors.Is(err, store.ErrLastOwner) {
		t.Errorf("closing the account of a team's last owner: %v, want ErrLastOwner", err)
	}
	if owned, err := db.OwnedTeams(ctx, ana.ID); err != nil || len(owned) != 1 || owned[0] != team.ID {
		t.Errorf("teams Ana alone owns: %v (%v), want [%d]", owned, err, team.ID)
	}
	if m, _ := db.MembershipOf(ctx, team.ID, ana.ID); m.Role != store.RoleOwner {
		t.Errorf("after the refusals Ana is %q, want owner", m.Role)
	}

	if err := db.SetRole(ctx, team.ID, bob.ID, store.RoleOwner); err != nil {
		t.Fatal(err)
	}
	if err := db.SetRole(ctx, team.ID, ana.ID, store.RoleBilling); err != nil {
		t.Errorf("demoting one of two owners: %v", err)
	}
	members, err := db.Members(ctx, team.ID)
	if err != nil || len(members) != 2 || members[0].PersonID != bob.ID || members[1].Role != store.RoleBilling {
		t.Errorf("members: %+v (%v), want Bob (owner) then Ana (billing)", members, err)
	}
	if teams, _ := db.TeamsOf(ctx, ana.ID); len(teams) != 2 || !teams[0].Personal || teams[1].TeamName != "Acme" {
		t.Errorf("Ana's teams: %+v, want her own, then Acme", teams)
	}
	if err := db.CloseUser(ctx, ana.ID, time.Now()); err != nil {
		t.Fatalf("closing Ana's account once Bob owns Acme: %v", err)
	}
	if _, err := db.MembershipOf(ctx, team.ID, ana.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a closed account still in the team: %v", err)
	}

	if err := db.AddMember(ctx, bob.ID, ana.ID, store.RoleMember); !errors.Is(err, store.ErrPersonalTeam) {
		t.Errorf("a member added to a personal account: %v, want ErrPersonalTeam", err)
	}
	if _, err := db.CreateInvitation(ctx, invitation(bob.ID, "x@example.com", "h-personal")); !errors.Is(err, store.ErrPersonalTeam) {
		t.Errorf("an invitation to a personal account: %v, want ErrPersonalTeam", err)
	}
	if err := db.RemoveMember(ctx, bob.ID, bob.ID, time.Now()); !errors.Is(err, store.ErrPersonalTeam) {
		t.Errorf("leaving one's own account: %v, want ErrPersonalTeam", err)
	}
}

func invitation(team int64, email, hash string) store.Invitation {
	now := time.Now()
	return store.Invitation{TeamID: team, Email: email, Role: store.RoleMember, Hash: hash, CreatedAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour)}
}

// An invitation is used once, even by two tabs at the same moment; a new one
// to the same address replaces the pending one; a revoked or expired one
// cannot be used; the pending list shows only what can still be accepted.
func TestAnInvitationIsUsedOnce(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	ana, bob, cyd := addUser(t, db, "ana@example.com"), addUser(t, db, "bob@example.com"), addUser(t, db, "cyd@example.com")
	team, err := db.CreateTeam(ctx, ana.ID, "Acme", "en")
	if err != nil {
		t.Fatal(err)
	}
	first, err := db.CreateInvitation(ctx, invitation(team.ID, "bob@example.com", "h1"))
	if err != nil {
		t.Fatal(err)
	}
	v := invitation(team.ID, "BOB@example.com", "h2")
	v.Role, v.InvitedBy = store.RoleBilling, ana.ID
	second, err := db.CreateInvitation(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.InvitationByHash(ctx, "h1", time.Now()); !errors.Is(err, store.ErrInvitationUsed) {
		t.Errorf("the replaced invitation: %v, want ErrInvitationUsed", err)
	}
	pending, err := db.PendingInvitations(ctx, team.ID, time.Now())
	if err != nil || len(pending) != 1 || pending[0].ID != second.ID || pending[0].InviterName != ana.Name || pending[0].ID == first.ID {
		t.Fatalf("pending: %+v (%v), want only the second, sent by Ana", pending, err)
	}

	// Two accepts at once: one joins, the other is told it was used.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.AcceptInvitation(ctx, "h2", bob.ID, time.Now())
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || !(errors.Is(errs[0], store.ErrInvitationUsed) || errors.Is(errs[1], store.ErrInvitationUsed)) {
		t.Fatalf("two accepts: %v and %v, want one joined and one ErrInvitationUsed", errs[0], errs[1])
	}
	if m, err := db.MembershipOf(ctx, team.ID, bob.ID); err != nil || m.Role != store.RoleBilling {
		t.Errorf("Bob after accepting: %+v (%v), want billing", m, err)
	}
	if _, err := db.AcceptInvitation(ctx, "h2", cyd.ID, time.Now()); !errors.Is(err, store.ErrInvitationUsed) {
		t.Errorf("someone else reusing the link: %v, want ErrInvitationUsed", err)
	}

	late := invitation(team.ID, "cyd@example.com", "h3")
	if _, err := db.CreateInvitation(ctx, late); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AcceptInvitation(ctx, "h3", cyd.ID, late.ExpiresAt); !errors.Is(err, store.ErrInvitationUsed) {
		t.Errorf("an expired invitation: %v, want ErrInvitationUsed", err)
	}
	if got, _ := db.PendingInvitations(ctx, team.ID, late.ExpiresAt); len(got) != 0 {
		t.Errorf("expired invitations still pending: %+v", got)
	}
	revoked, err := db.CreateInvitation(ctx, invitation(team.ID, "cyd@example.com", "h4"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeInvitation(ctx, ana.ID, revoked.ID, time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking another team's invitation: %v, want ErrNotFound", err)
	}
	if err := db.RevokeInvitation(ctx, team.ID, revoked.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AcceptInvitation(ctx, "h4", cyd.ID, time.Now()); !errors.Is(err, store.ErrInvitationUsed) {
		t.Errorf("a revoked invitation: %v, want ErrInvitationUsed", err)
	}
	if _, err := db.MembershipOf(ctx, team.ID, cyd.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Cyd joined through an expired or revoked link: %v", err)
	}
}

// Taking a member out of a team ends what acts in their name there: the
// tokens they made for it are revoked (the other members' stay), and a
// console ticket opened for them can no longer be claimed. The letters about
// the team go to the members whose role they concern.
func TestARemovedMemberKeepsNothingOfTheTeam(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	ana, bob, cyd := addUser(t, db, "ana@example.com"), addUser(t, db, "bob@example.com"), addUser(t, db, "cyd@example.com")
	team, err := db.CreateTeam(ctx, ana.ID, "Acme", "en")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		id   int64
		role string
	}{{bob.ID, store.RoleMember}, {cyd.ID, store.RoleBilling}} {
		if err := db.AddMember(ctx, team.ID, p.id, p.role); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []int64{bob.ID, cyd.ID} {
		if _, err := db.W.ExecContext(ctx, `UPDATE users SET email_verified_at = 1 WHERE id = ?`, p); err != nil {
			t.Fatal(err)
		}
	}
	tok := func(by int64, hash string) store.APIToken {
		k, err := db.CreateAPIToken(ctx, store.APIToken{UserID: team.ID, Name: hash, Prefix: hash, Hash: hash, Scopes: []string{"vm:read"}, CreatedBy: by})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	tok(bob.ID, "bob-token")
	tok(cyd.ID, "cyd-token")
	vm := addVM(t, db, team, "00000000-0000-4000-8000-000000000001", "10.0.0.5")
	now := time.Now()
	for _, hash := range []string{"ticket-1", "ticket-2"} {
		if err := db.CreateConsoleTicket(ctx, store.ConsoleTicket{Hash: hash, UserID: team.ID, PersonID: bob.ID, VMID: vm.ID, TokenID: 0,
			Session: "s", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.W.ExecContext(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ('s', x'00', julianday('now', '+1 day'))`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimConsoleTicket(ctx, "ticket-1", now); err != nil {
		t.Fatalf("Bob's console ticket while he is a member: %v", err)
	}
	if rs, err := db.Recipients(ctx, team.ID, store.RoleOwner, store.RoleBilling); err != nil || len(rs) != 1 || rs[0].ID != cyd.ID {
		t.Errorf("the money letters go to %+v (%v), want Cyd only (Ana's address is not confirmed)", rs, err)
	}

	if err := db.RemoveMember(ctx, team.ID, bob.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimConsoleTicket(ctx, "ticket-2", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a console ticket of a removed member: %v, want ErrNotFound", err)
	}
	for hash, revoked := range map[string]bool{"bob-token": true, "cyd-token": false} {
		_, err := db.APITokenByHash(ctx, hash)
		var at sql.NullInt64
		db.R.QueryRowContext(ctx, `SELECT revoked_at FROM api_tokens WHERE hash = ?`, hash).Scan(&at)
		if at.Valid != revoked {
			t.Errorf("%s revoked: %v (%v), want %v", hash, at.Valid, err, revoked)
		}
	}
	if teams, _ := db.TeamsOf(ctx, bob.ID); len(teams) != 1 || teams[0].TeamID != bob.ID {
		t.Errorf("Bob's teams after removal: %+v, want his own only", teams)
	}
}
