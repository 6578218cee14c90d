package services

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"abrak/mail"
	"abrak/store"
)

// Teams lets people share an account: its VMs, wallet and tokens, each person
// with a role (docs/decisions.md, "Teams"). The account a principal acts for
// is its team; the person is Principal.Person().
type Teams struct {
	db       *store.DB
	audit    *Audit
	mailer   *Mailer
	consoles ConsoleCloser
	now      func() time.Time
	letters  letterLimits
}

// invitationTTL is how long an invitation's link works.
const invitationTTL = 7 * 24 * time.Hour

// teamNameMax bounds a team's name, as a person's.
const teamNameMax = 60

// pendingInvitationsMax bounds a team's pending invitations: each is a letter
// to a third party.
const pendingInvitationsMax = 50

func NewTeams(db *store.DB, audit *Audit, mailer *Mailer, consoles ConsoleCloser) *Teams {
	return &Teams{db: db, audit: audit, mailer: mailer, consoles: consoles, now: time.Now, letters: newLetterLimits(30, 3)}
}

// Team is one team as a person sees it.
type Team struct {
	ID       int64
	Name     string
	Personal bool
	// Role is the person's role in it.
	Role string
}

// TeamMember is one member of the principal's team.
type TeamMember struct {
	PersonID int64
	Name     string
	Email    string
	Role     string
	Since    time.Time
	// You: the member is the person asking.
	You bool
}

// TeamInvitation is a pending invitation, as the team's admins see it: never
// its secret.
type TeamInvitation struct {
	ID        int64
	TeamName  string
	Email     string
	Role      string
	InvitedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// InvitationGone is the answer to an invitation's link that was used,
// revoked or has expired.
func InvitationGone() *Error {
	return &Error{Status: http.StatusGone, Code: "invitation_gone", Key: "team.error_invitation_gone"}
}

// RequireTeamAdmin fails unless the acting person manages the team's members.
func (p Principal) RequireTeamAdmin() error {
	if p.CanManageTeam() {
		return nil
	}
	return RoleForbidden(p.Role)
}

func teamOf(m store.Membership) Team {
	return Team{ID: m.TeamID, Name: m.TeamName, Personal: m.Personal, Role: m.Role}
}

// Mine lists the teams of the acting person, their own account first.
func (s *Teams) Mine(ctx context.Context, p Principal) ([]Team, error) {
	ms, err := s.db.TeamsOf(ctx, p.Person())
	if err != nil {
		return nil, Internal(err)
	}
	out := make([]Team, 0, len(ms))
	for _, m := range ms {
		out = append(out, teamOf(m))
	}
	return out, nil
}

// Membership is the acting person's place in team: NotFound when they are
// not a member (the switcher then stays where it was).
func (s *Teams) Membership(ctx context.Context, person, team int64) (Team, error) {
	m, err := s.db.MembershipOf(ctx, team, person)
	if errors.Is(err, store.ErrNotFound) {
		return Team{}, NotFound()
	}
	if err != nil {
		return Team{}, Internal(err)
	}
	return teamOf(m), nil
}

// Create makes a new team owned by the acting person. Only a person in a
// browser makes teams: a token acts inside one.
func (s *Teams) Create(ctx context.Context, p Principal, name string) (Team, error) {
	if p.TokenID != 0 {
		return Team{}, Forbidden("team.error_token")
	}
	if k := nameProblem(name, teamNameMax, "team.error_name_too_long"); k != "" {
		return Team{}, Invalid(map[string]string{"name": k})
	}
	person, err := s.db.UserByID(ctx, p.Person())
	if err != nil {
		return Team{}, Internal(err)
	}
	t, err := s.db.CreateTeam(ctx, person.ID, name, person.Locale)
	if err != nil {
		return Team{}, Internal(err)
	}
	s.audit.Record(ctx, Principal{UserID: t.ID, PersonID: person.ID, IP: p.IP, TokenID: p.TokenID, TokenName: p.TokenName}, "team.created", SeverityInfo, "team", strconv.FormatInt(t.ID, 10), name)
	return Team{ID: t.ID, Name: name, Role: store.RoleOwner}, nil
}

// Members lists the principal's team's members; every role may read them.
func (s *Teams) Members(ctx context.Context, p Principal) ([]TeamMember, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return nil, err
	}
	ms, err := s.db.Members(ctx, p.UserID)
	if err != nil {
		return nil, Internal(err)
	}
	out := make([]TeamMember, 0, len(ms))
	for _, m := range ms {
		out = append(out, TeamMember{PersonID: m.PersonID, Name: m.Name, Email: m.Email, Role: m.Role, Since: m.Since, You: m.PersonID == p.Person()})
	}
	return out, nil
}

// Invitations lists the team's pending invitations, for its owners and admins.
func (s *Teams) Invitations(ctx context.Context, p Principal) ([]TeamInvitation, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return nil, err
	}
	if err := p.RequireTeamAdmin(); err != nil {
		return nil, err
	}
	vs, err := s.db.PendingInvitations(ctx, p.UserID, s.now())
	if err != nil {
		return nil, Internal(err)
	}
	out := make([]TeamInvitation, 0, len(vs))
	for _, v := range vs {
		out = append(out, invitationOf(v))
	}
	return out, nil
}

func invitationOf(v store.Invitation) TeamInvitation {
	return TeamInvitation{ID: v.ID, TeamName: v.TeamName, Email: v.Email, Role: v.Role, InvitedBy: v.InviterName, CreatedAt: v.CreatedAt, ExpiresAt: v.ExpiresAt}
}

// grantable says whether the acting person may give role: only an owner
// makes (or unmakes) owners.
func (p Principal) grantable(role string) bool {
	return role != store.RoleOwner || p.Role == "" || p.Role == store.RoleOwner
}

// Invite sends an invitation to join the principal's team with role to
// email, in the invitee's language when they have an account (the inviter's
// otherwise). A pending invitation to the same address is replaced.
func (s *Teams) Invite(ctx context.Context, p Principal, email, role, locale string) (TeamInvitation, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return TeamInvitation{}, err
	}
	if err := p.RequireTeamAdmin(); err != nil {
		return TeamInvitation{}, err
	}
	email = normalizeEmail(email)
	fields := map[string]string{}
	if email == "" {
		fields["email"] = "form.required"
	} else if !validEmail(email) {
		fields["email"] = "form.invalid_email"
	}
	if !store.ValidRole(role) {
		fields["role"] = "team.error_role"
	}
	if len(fields) > 0 {
		return TeamInvitation{}, Invalid(fields)
	}
	if !p.grantable(role) {
		return TeamInvitation{}, RoleForbidden(p.Role)
	}
	if existing, err := s.db.UserByEmail(ctx, email); err == nil {
		if _, err := s.db.MembershipOf(ctx, p.UserID, existing.ID); err == nil {
			return TeamInvitation{}, Invalid(map[string]string{"email": "team.error_already_member"})
		}
		if existing.Locale != "" {
			locale = existing.Locale
		}
	}
	if pending, err := s.db.PendingInvitations(ctx, p.UserID, s.now()); err != nil {
		return TeamInvitation{}, Internal(err)
	} else if len(pending) >= pendingInvitationsMax {
		return TeamInvitation{}, InvalidWith("team.error_too_many_invitations", nil, "max", strconv.Itoa(pendingInvitationsMax))
	}
	if err := s.letters.spend(p.IP, email); err != nil {
		return TeamInvitation{}, err
	}
	secret, err := newSecret()
	if err != nil {
		return TeamInvitation{}, Internal(err)
	}
	now := s.now()
	v, err := s.db.CreateInvitation(ctx, store.Invitation{TeamID: p.UserID, Email: email, Role: role, Hash: hashSecret(secret),
		InvitedBy: p.Person(), CreatedAt: now, ExpiresAt: now.Add(invitationTTL)})
	if errors.Is(err, store.ErrPersonalTeam) {
		return TeamInvitation{}, InvalidWith("team.error_personal", nil)
	}
	if err != nil {
		return TeamInvitation{}, Internal(err)
	}
	team, err := s.db.UserByID(ctx, p.UserID)
	if err != nil {
		return TeamInvitation{}, Internal(err)
	}
	inviter, err := s.db.UserByID(ctx, p.Person())
	if err != nil {
		return TeamInvitation{}, Internal(err)
	}
	if locale == "" {
		locale = inviter.Locale
	}
	if err := s.mailer.Queue(ctx, p.UserID, mail.Letter{Kind: "team_invite", Locale: locale, To: email,
		Args: []string{"team", team.Name, "inviter", inviter.Name}, Link: s.mailer.URL("/invitations/" + secret)}); err != nil {
		return TeamInvitation{}, Internal(err)
	}
	s.audit.Record(ctx, p, "team.invited", SeverityInfo, "invitation", strconv.FormatInt(v.ID, 10), email+" "+role)
	v.TeamName, v.InviterName = team.Name, inviter.Name
	return invitationOf(v), nil
}

// RevokeInvitation revokes one of the team's pending invitations.
func (s *Teams) RevokeInvitation(ctx context.Context, p Principal, id int64) error {
	if err := p.Require(ScopeAccount); err != nil {
		return err
	}
	if err := p.RequireTeamAdmin(); err != nil {
		return err
	}
	err := s.db.RevokeInvitation(ctx, p.UserID, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return NotFound()
	}
	if err != nil {
		return Internal(err)
	}
	s.audit.Record(ctx, p, "team.invitation_revoked", SeverityInfo, "invitation", strconv.FormatInt(id, 10), "")
	return nil
}

// Invitation is what an invitation's link shows before it is accepted:
// InvitationGone when it can no longer be used, NotFound when there is none.
func (s *Teams) Invitation(ctx context.Context, secret string) (TeamInvitation, error) {
	if !wellFormed(secret) {
		return TeamInvitation{}, NotFound()
	}
	v, err := s.db.InvitationByHash(ctx, hashSecret(secret), s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return TeamInvitation{}, NotFound()
	case errors.Is(err, store.ErrInvitationUsed):
		return TeamInvitation{}, InvitationGone()
	case err != nil:
		return TeamInvitation{}, Internal(err)
	}
	return invitationOf(v), nil
}

// Accept uses an invitation for the acting person, who must have the address
// it was sent to: following its link proves the address, which counts as
// confirmed. The person joins the team with the invitation's role.
func (s *Teams) Accept(ctx context.Context, p Principal, secret string) (Team, error) {
	inv, err := s.Invitation(ctx, secret)
	if err != nil {
		return Team{}, err
	}
	person, err := s.db.UserByID(ctx, p.Person())
	if err != nil {
		return Team{}, Internal(err)
	}
	if normalizeEmail(person.Email) != normalizeEmail(inv.Email) {
		return Team{}, Forbidden("team.error_invitation_other_email", "email", inv.Email)
	}
	now := s.now()
	v, err := s.db.AcceptInvitation(ctx, hashSecret(secret), person.ID, now)
	switch {
	case errors.Is(err, store.ErrInvitationUsed):
		return Team{}, InvitationGone()
	case errors.Is(err, store.ErrConflict):
		return Team{}, Conflict("team.error_already_member")
	case err != nil:
		return Team{}, Internal(err)
	}
	if !person.EmailVerified {
		if err := s.db.MarkEmailVerified(ctx, person.ID, person.Email, now); err != nil {
			return Team{}, Internal(err)
		}
	}
	s.audit.Record(ctx, Principal{UserID: v.TeamID, PersonID: person.ID, IP: p.IP}, "team.joined", SeverityInfo, "member", strconv.FormatInt(person.ID, 10), v.Role)
	return Team{ID: v.TeamID, Name: v.TeamName, Role: v.Role}, nil
}

// SetRole changes a member's role. Owners and admins change roles; only an
// owner makes or unmakes an owner; the last owner stays one. A member whose
// new role cannot open consoles loses the ones open.
func (s *Teams) SetRole(ctx context.Context, p Principal, person int64, role string) error {
	if err := p.Require(ScopeAccount); err != nil {
		return err
	}
	if err := p.RequireTeamAdmin(); err != nil {
		return err
	}
	if !store.ValidRole(role) {
		return Invalid(map[string]string{"role": "team.error_role"})
	}
	m, err := s.db.MembershipOf(ctx, p.UserID, person)
	if errors.Is(err, store.ErrNotFound) {
		return NotFound()
	} else if err != nil {
		return Internal(err)
	}
	if m.Personal {
		return InvalidWith("team.error_personal", nil)
	}
	if !p.grantable(role) || !p.grantable(m.Role) {
		return RoleForbidden(p.Role)
	}
	switch err := s.db.SetRole(ctx, p.UserID, person, role); {
	case errors.Is(err, store.ErrLastOwner):
		return Conflict("team.error_last_owner")
	case errors.Is(err, store.ErrNotFound):
		return NotFound()
	case err != nil:
		return Internal(err)
	}
	if !RoleAllows(role, ScopeVMConsole) && s.consoles != nil {
		s.consoles.End(ConsolesOf{UserID: p.UserID, PersonID: person}, CloseAccessRemoved)
	}
	s.audit.Record(ctx, p, "team.role_changed", SeveritySecurity, "member", strconv.FormatInt(person, 10), m.Role+" "+role)
	return nil
}

// Remove takes a member out of the team: their tokens for it are revoked and
// their consoles close at once. Owners and admins remove members; only an
// owner removes an owner; the last owner stays. Leaving is Remove of oneself,
// which any member may do.
func (s *Teams) Remove(ctx context.Context, p Principal, person int64) error {
	if err := p.Require(ScopeAccount); err != nil {
		return err
	}
	self := person == p.Person()
	if !self {
		if err := p.RequireTeamAdmin(); err != nil {
			return err
		}
	}
	m, err := s.db.MembershipOf(ctx, p.UserID, person)
	if errors.Is(err, store.ErrNotFound) {
		return NotFound()
	} else if err != nil {
		return Internal(err)
	}
	if !self && !p.grantable(m.Role) {
		return RoleForbidden(p.Role)
	}
	switch err := s.db.RemoveMember(ctx, p.UserID, person, s.now()); {
	case errors.Is(err, store.ErrLastOwner):
		return Conflict("team.error_last_owner")
	case errors.Is(err, store.ErrPersonalTeam):
		return InvalidWith("team.error_personal", nil)
	case errors.Is(err, store.ErrNotFound):
		return NotFound()
	case err != nil:
		return Internal(err)
	}
	if s.consoles != nil {
		s.consoles.End(ConsolesOf{UserID: p.UserID, PersonID: person}, CloseAccessRemoved)
	}
	action := "team.member_removed"
	if self {
		action = "team.left"
	}
	s.audit.Record(ctx, p, action, SeveritySecurity, "member", strconv.FormatInt(person, 10), m.Role)
	return nil
}
