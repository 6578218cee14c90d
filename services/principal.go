package services

import "slices"

// Scopes an API token can hold. A signed-in browser session holds them all.
const (
	ScopeVMRead    = "vm:read"
	ScopeVMCreate  = "vm:create"
	ScopeVMWrite   = "vm:write"
	ScopeVMDelete  = "vm:delete"
	ScopeVMConsole = "vm:console"
	ScopeAccount   = "account:read"
	// ScopeWalletWrite spends: it starts payments into the wallet.
	ScopeWalletWrite = "wallet:write"
	// ScopeAdmin is the operator's: it acts on any customer's VM (the
	// /api/v1/admin door). Only staff's (admin or support) tokens can hold
	// it; each service still checks the role (RequireStaff, RequireAdmin).
	ScopeAdmin = "admin"
)

// AllScopes lists every customer's scope in the order the token form shows them.
var AllScopes = []string{ScopeVMRead, ScopeVMCreate, ScopeVMWrite, ScopeVMDelete, ScopeVMConsole, ScopeAccount, ScopeWalletWrite}

// ScopesFor lists the scopes a user's token may hold, in form order: staff's
// (an admin's or support's) may also hold ScopeAdmin.
func ScopesFor(staff bool) []string {
	if !staff {
		return AllScopes
	}
	return append(slices.Clip(AllScopes), ScopeAdmin)
}

// Principal is who is acting: a user through a browser session, or a user
// through one of their API tokens with its scopes. Every service method takes
// one and enforces ownership and scope itself.
type Principal struct {
	UserID    int64
	Email     string
	IsAdmin   bool
	TokenID   int64 // 0 for a browser session
	TokenName string
	Scopes    []string
	IP        string
	// Session is the browser session's token (empty for a token): console
	// tickets it mints die with it.
	Session string
	// SessionID is the browser's record (Accounts.StartSession; empty for a
	// token): the consoles it opens close when that session ends.
	SessionID string
	// PersonID is the person acting when it is not the account itself (a
	// member of a team, through a session or a token they made); 0 otherwise.
	PersonID int64
	// Role is the person's role in the account's team ("" is the account
	// acting for itself: the owner's).
	Role string
	// StaffRole is the person's role on the operator's side (store.StaffAdmin,
	// store.StaffSupport, "" for a customer), and TwoFactor whether the
	// person signs in with a second factor: the operator's pages need it
	// (services/staff.go).
	StaffRole string
	TwoFactor bool
	// Suspended: the operator suspended the account; it may read, nothing
	// more (Require), and its tokens are refused (Tokens.Authenticate).
	Suspended bool
	// operator: the operator's staff act through the account's own services
	// (powering off a suspended account's VMs); audited as the operator's.
	operator bool
	// machine: the operator at the panel's machine (`abrak admin …`), who
	// holds its database and so every right (OperatorOnMachine).
	machine bool
	// seen is the customer's Version read with the token or the account when
	// the request was authenticated (seenOK), so the request's answer tag
	// costs no query of its own.
	seen   Version
	seenOK bool
}

// Require fails with 403 naming the scope when a token lacks it, and naming
// the role when the acting person's role in the team does not allow it.
func (p Principal) Require(scope string) error {
	if p.Suspended && scope != ScopeVMRead && scope != ScopeAccount {
		return AccountSuspended()
	}
	if p.TokenID != 0 && !slices.Contains(p.Scopes, scope) {
		return Forbidden("error.missing_scope", "scope", scope)
	}
	if !RoleAllows(p.Role, scope) {
		return RoleForbidden(p.Role)
	}
	return nil
}

// Person is the person acting: a team's member, or the account itself.
func (p Principal) Person() int64 {
	if p.PersonID != 0 {
		return p.PersonID
	}
	return p.UserID
}

// RequireAdmin fails with 403 unless an admin acts: in a browser session, or
// through a token that holds ScopeAdmin (named when it lacks it). An admin's
// token without that scope is a customer's token like any other.
func (p Principal) RequireAdmin() error {
	if err := p.Require(ScopeAdmin); err != nil {
		return err
	}
	if !p.IsAdmin {
		return Forbidden("error.admin_only")
	}
	return nil
}

// Via says which door an audit event came through.
func (p Principal) Via() string {
	if p.machine {
		return "cli"
	}
	if p.operator {
		return "operator"
	}
	if p.TokenID != 0 {
		return "token:" + p.TokenName
	}
	return "web"
}
