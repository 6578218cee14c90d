package services

import (
	"context"
	"net/http"
	"testing"
	"time"

	"abrak/store"
)

// What each role of a team may do, scope by scope: reading is everyone's,
// operating servers the owner's, admins' and members', paying into the wallet
// the owner's, admins' and billing's. A refusal is a 403 that names the role,
// told apart from a token's missing scope.
func TestEachRoleMayDoWhatItsNameSays(t *testing.T) {
	operate := []string{ScopeVMCreate, ScopeVMWrite, ScopeVMDelete, ScopeVMConsole}
	want := map[string]map[string]bool{}
	for _, role := range store.Roles {
		want[role] = map[string]bool{ScopeVMRead: true, ScopeAccount: true}
		for _, s := range operate {
			want[role][s] = role == store.RoleOwner || role == store.RoleAdmin || role == store.RoleMember
		}
		want[role][ScopeWalletWrite] = role == store.RoleOwner || role == store.RoleAdmin || role == store.RoleBilling
	}
	for _, role := range store.Roles {
		for _, scope := range AllScopes {
			err := Principal{UserID: 2, PersonID: 3, Role: role}.Require(scope)
			if allowed := err == nil; allowed != want[role][scope] {
				t.Errorf("%s with %s: allowed %v, want %v", role, scope, allowed, want[role][scope])
				continue
			}
			if err != nil {
				if e := AsError(err); e.Status != http.StatusForbidden || e.Code != "role_forbidden" || e.Key != "error.role_forbidden."+role {
					t.Errorf("%s refused %s with %d %s %s, want 403 role_forbidden naming the role", role, scope, e.Status, e.Code, e.Key)
				}
			}
		}
	}
	// The token's scope is checked first, and said so.
	if e := AsError(Principal{UserID: 2, TokenID: 9, Scopes: []string{ScopeVMRead}, Role: store.RoleOwner}.Require(ScopeVMWrite)); e == nil || e.Code != "forbidden" {
		t.Errorf("a token without the scope: %+v, want the scope's refusal", e)
	}
	// An account acting for itself is its own owner.
	for _, scope := range AllScopes {
		if err := (Principal{UserID: 2}).Require(scope); err != nil {
			t.Errorf("an account for itself refused %s: %v", scope, err)
		}
	}
}

// A team member's token acts with their role, no more: it cannot be made
// with scopes the role does not allow; it is refused what the role does not
// allow after a change of role; it stops when its maker leaves the team; a
// member revokes their own tokens but not another's, and the team's admins
// revoke any.
func TestATeamMembersTokenActsWithTheirRole(t *testing.T) {
	ctx := context.Background()
	db, tokens, _, ana, bob := tokensFixture(t)
	team, err := db.CreateTeam(ctx, ana.UserID, "Acme", "en")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddMember(ctx, team.ID, bob.UserID, store.RoleMember); err != nil {
		t.Fatal(err)
	}
	asAna := Principal{UserID: team.ID, PersonID: ana.UserID, Role: store.RoleOwner, IP: ana.IP}
	asBob := Principal{UserID: team.ID, PersonID: bob.UserID, Role: store.RoleMember, IP: bob.IP}

	if _, _, err := tokens.Create(ctx, asBob, "pay", []string{ScopeVMRead, ScopeWalletWrite}, 0); err == nil || AsError(err).Code != "role_forbidden" {
		t.Errorf("a member's token with wallet:write: %v, want role_forbidden", err)
	}
	secret, bobs, err := tokens.Create(ctx, asBob, "ci", []string{ScopeVMRead, ScopeVMWrite}, 0)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tokens.Authenticate(ctx, secret, "198.51.100.9")
	if err != nil {
		t.Fatal(err)
	}
	if p.UserID != team.ID || p.Person() != bob.UserID || p.Role != store.RoleMember {
		t.Errorf("Bob's token acts as account %d, person %d, role %q; want the team %d, Bob %d, member", p.UserID, p.Person(), p.Role, team.ID, bob.UserID)
	}
	if err := p.Require(ScopeVMWrite); err != nil {
		t.Errorf("a member's token refused vm:write: %v", err)
	}

	if err := db.SetRole(ctx, team.ID, bob.UserID, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	p, err = tokens.Authenticate(ctx, secret, "198.51.100.9")
	if err != nil {
		t.Fatal(err)
	}
	if e := AsError(p.Require(ScopeVMWrite)); e == nil || e.Code != "role_forbidden" {
		t.Errorf("the token of a member made viewer, asked to write: %+v, want role_forbidden", e)
	}

	_, anas, err := tokens.Create(ctx, asAna, "deploy", []string{ScopeVMRead}, 0)
	if err != nil {
		t.Fatal(err)
	}
	asBob.Role = store.RoleViewer
	if err := tokens.Revoke(ctx, asBob, anas.ID); AsError(err) == nil || AsError(err).Status != http.StatusNotFound {
		t.Errorf("a viewer revoking the owner's token: %v, want 404", err)
	}
	if err := db.SetRole(ctx, team.ID, bob.UserID, store.RoleMember); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveMember(ctx, team.ID, bob.UserID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Authenticate(ctx, secret, "198.51.100.9"); err == nil {
		t.Error("the token of a member who left still authenticates")
	}
	if err := tokens.Revoke(ctx, asAna, bobs.ID); AsError(err) == nil || AsError(err).Status != http.StatusNotFound {
		t.Errorf("revoking a token the removal revoked: %v, want 404", err)
	}
	if err := tokens.Revoke(ctx, asAna, anas.ID); err != nil {
		t.Errorf("the owner revoking her own token: %v", err)
	}
	var actor int64
	if err := db.R.QueryRowContext(ctx, `SELECT actor_id FROM audit_events WHERE user_id = ? AND action = 'token.created' ORDER BY id LIMIT 1`, team.ID).Scan(&actor); err != nil || actor != bob.UserID {
		t.Errorf("the team's first token.created was done by %d (%v), want Bob %d", actor, err, bob.UserID)
	}
}
