package services

import (
	"slices"

	"abrak/store"
)

// scopeRoles says which team roles may use each scope (docs/decisions.md,
// "Teams"): reading is everyone's; operating VMs is the owner's, admins' and
// members'; spending into the wallet the owner's, admins' and billing's. A
// scope not listed is allowed to every role (the operator's ScopeAdmin has
// its own rule: RequireAdmin).
var scopeRoles = map[string][]string{
	ScopeVMCreate:    {store.RoleOwner, store.RoleAdmin, store.RoleMember},
	ScopeVMWrite:     {store.RoleOwner, store.RoleAdmin, store.RoleMember},
	ScopeVMDelete:    {store.RoleOwner, store.RoleAdmin, store.RoleMember},
	ScopeVMConsole:   {store.RoleOwner, store.RoleAdmin, store.RoleMember},
	ScopeWalletWrite: {store.RoleOwner, store.RoleAdmin, store.RoleBilling},
}

// RoleAllows reports whether a team role may use a scope. The empty role is
// the account acting for itself (its own person, the panel's workers): the
// owner's.
func RoleAllows(role, scope string) bool {
	if role == "" {
		role = store.RoleOwner
	}
	allowed, ok := scopeRoles[scope]
	return !ok || slices.Contains(allowed, role)
}

// ScopesForRole lists, of scopes, those a role may use, in their order: the
// scopes a member's new token may hold.
func ScopesForRole(scopes []string, role string) []string {
	var out []string
	for _, s := range scopes {
		if RoleAllows(role, s) {
			out = append(out, s)
		}
	}
	return out
}

// RoleForbidden is the 403 of a role that does not allow what was asked; its
// message names the role (the scope's refusal names the scope). The owner's
// role allows everything, so it has no message.
func RoleForbidden(role string) *Error {
	e := Forbidden("error.role_forbidden." + role)
	e.Code = "role_forbidden"
	return e
}

// CanManageTeam reports whether the acting person manages the team's members
// and everyone's tokens: its owners and admins (and an account for itself).
func (p Principal) CanManageTeam() bool {
	return p.Role == "" || p.Role == store.RoleOwner || p.Role == store.RoleAdmin
}
