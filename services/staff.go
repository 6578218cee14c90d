package services

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"abrak/hypervisor"
	"abrak/store"
)

// What a member of the operator's staff asks to do, each checked by
// Principal.RequireStaff: support reads everything and acts on customers'
// VMs and wallets; only an admin manages the panel (nodes, plans, roles).
const (
	StaffRead    = "read"
	StaffAct     = "act"
	StaffManage  = "manage"
	staffRefused = "error.staff_forbidden"
)

// StaffRoles are the roles the operator may give, "" taking a role away.
var StaffRoles = []string{store.StaffAdmin, store.StaffSupport, ""}

// OperatorOnMachine is the operator at the panel's machine (`abrak admin …`):
// whoever holds the database file holds every right, so nothing is asked of
// them; what they do is audited as done through the command line.
func OperatorOnMachine() Principal {
	return Principal{StaffRole: store.StaffAdmin, TwoFactor: true, IsAdmin: true, machine: true}
}

// RequireStaff fails unless the acting person's staff role allows what: a
// customer, or support asking to manage, gets 403 staff_forbidden (the web
// door answers a customer 404, so the door is not revealed); a browser
// session without two-factor sign-in gets 403 two_factor_required; a token
// must hold the admin scope.
func (p Principal) RequireStaff(what string) error {
	if p.machine {
		return nil
	}
	if p.TokenID != 0 {
		if err := p.Require(ScopeAdmin); err != nil {
			return err
		}
	}
	switch {
	case p.StaffRole == store.StaffAdmin:
	case p.StaffRole == store.StaffSupport && what != StaffManage:
	default:
		return &Error{Status: http.StatusForbidden, Code: "staff_forbidden", Key: staffRefused}
	}
	if p.TokenID == 0 && !p.TwoFactor {
		return &Error{Status: http.StatusForbidden, Code: "two_factor_required", Key: "error.staff_two_factor"}
	}
	return nil
}

// IsStaff reports a person with a role on the operator's side.
func (p Principal) IsStaff() bool { return p.StaffRole != "" }

// Staff is the operator's side: what the admin pages and the admin JSON door
// read and do. Every method checks the acting principal with RequireStaff
// and audits what it changes with the staff member's identity.
type Staff struct {
	db    *store.DB
	audit *Audit
	fleet NodeStatus
	// quarantine is how long a released address rests (VMConfig.AddressQuarantine).
	quarantine time.Duration
	// accounts sends letters for an account; vms powers off a suspended
	// account's VMs through the customers' own service (nil in the CLI).
	accounts *Accounts
	vms      *VMs
	// mail, topups and backups are reported on the settings page (nil: not
	// configured, as in the CLI).
	mail    *Mailer
	topups  *TopUps
	backups BackupConfig
	// reach dials a node's URI before AddNode records it (hypervisor.Reach).
	reach func(ctx context.Context, uri string) error
	// templateDir keeps the panel's copies of imported images (WithTemplateDir).
	templateDir string
}

// NodeStatus is what the fleet says of its nodes (Workers.Nodes).
type NodeStatus interface{ Nodes() []NodeHealth }

func NewStaff(db *store.DB, audit *Audit, fleet NodeStatus, quarantine time.Duration) *Staff {
	reach := func(ctx context.Context, uri string) error { return hypervisor.Reach(ctx, uri, reachTimeout) }
	return &Staff{db: db, audit: audit, fleet: fleet, quarantine: quarantine, reach: reach}
}

// WithAccounts gives the operator's side the services it acts through.
func (s *Staff) WithAccounts(accounts *Accounts, vms *VMs) *Staff {
	s.accounts, s.vms = accounts, vms
	return s
}

// record audits a staff action: in the staff member's own log (the person,
// not a team they work in), the customer or VM as its target, so the audit
// page finds it by either.
func (s *Staff) record(ctx context.Context, p Principal, action, severity, targetType, targetID, detail string) {
	actor := p
	actor.UserID, actor.PersonID = p.Person(), 0
	s.audit.Record(ctx, actor, action, severity, targetType, targetID, detail)
}

// SetRole gives the person with email a staff role (StaffRoles); only an
// admin may, and no one takes the role of the last admin away.
func (s *Staff) SetRole(ctx context.Context, p Principal, email, role string) (Account, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return Account{}, err
	}
	u, err := s.db.UserByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, store.ErrNotFound) {
		return Account{}, NotFound()
	}
	if err != nil {
		return Account{}, Internal(err)
	}
	return s.setRole(ctx, p, u, role)
}

// SetRoleOf is SetRole for the account with id (the customer's page).
func (s *Staff) SetRoleOf(ctx context.Context, p Principal, id int64, role string) (Account, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return Account{}, err
	}
	u, err := s.db.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Account{}, NotFound()
	}
	if err != nil {
		return Account{}, Internal(err)
	}
	return s.setRole(ctx, p, u, role)
}

func (s *Staff) setRole(ctx context.Context, p Principal, u store.User, role string) (Account, error) {
	role = strings.TrimSpace(role)
	if role == "none" {
		role = ""
	}
	if !slices.Contains(StaffRoles, role) {
		return Account{}, Invalid(map[string]string{"role": "admin.role.invalid"})
	}
	if u.StaffRole == store.StaffAdmin && role != store.StaffAdmin {
		n, err := s.db.CountStaff(ctx, store.StaffAdmin)
		if err != nil {
			return Account{}, Internal(err)
		}
		if n <= 1 {
			return Account{}, Conflict("admin.role.last_admin")
		}
	}
	if err := s.db.SetStaffRole(ctx, u.ID, role); err != nil {
		return Account{}, Internal(err)
	}
	s.record(ctx, p, "admin.role_set", SeveritySecurity, "user", strconv.FormatInt(u.ID, 10), u.Email+" "+roleName(u.StaffRole)+" → "+roleName(role))
	u.StaffRole, u.IsAdmin = role, role == store.StaffAdmin
	return accountOf(u), nil
}

func roleName(r string) string {
	if r == "" {
		return "none"
	}
	return r
}
