package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// teamsInto gives the header the team the session works in and the person's
// teams, for the switcher.
func (h *Handlers) teamsInto(c echo.Context, bar *views.UserBar) {
	p, ok := PrincipalOf(c)
	if !ok || bar == nil || h.Teams == nil || p.TokenID != 0 {
		return
	}
	teams, err := h.Teams.Mine(c.Request().Context(), p)
	if err != nil {
		return // the header goes without its switcher rather than the page failing
	}
	bar.Teams = bar.Teams[:0]
	for _, t := range teams {
		ch := views.TeamChoice{ID: t.ID, Name: t.Name, Role: t.Role, Personal: t.Personal}
		bar.Teams = append(bar.Teams, ch)
		if t.ID == p.UserID {
			bar.Team = ch
		}
	}
}

func (h *Handlers) teamPage(c echo.Context, status int, invite, create views.Form) error {
	p, _ := PrincipalOf(c)
	ctx := c.Request().Context()
	s := h.shell(c, "nav.team", "team")
	v := views.TeamView{Invite: invite, Create: create, Manage: p.CanManageTeam(), Owner: p.Role == "" || p.Role == "owner"}
	if s.User != nil {
		v.Team, v.Teams = s.User.Team, s.User.Teams
	}
	if !v.Team.Personal {
		members, err := h.Teams.Members(ctx, p)
		if err != nil {
			return err
		}
		for _, m := range members {
			v.Members = append(v.Members, views.TeamMemberRow{PersonID: m.PersonID, Name: m.Name, Email: m.Email, Role: m.Role, Since: m.Since, You: m.You})
		}
		if v.Manage {
			pending, err := h.Teams.Invitations(ctx, p)
			if err != nil {
				return err
			}
			for _, i := range pending {
				v.Pending = append(v.Pending, views.TeamInvitationRow{ID: i.ID, Email: i.Email, Role: i.Role, InvitedBy: i.InvitedBy, ExpiresAt: i.ExpiresAt})
			}
		}
	}
	return render(c, status, views.TeamPage(s, v))
}

// TeamPage is GET /team: the team the session works in, its members and
// invitations, and making a new team.
func (h *Handlers) TeamPage(c echo.Context) error {
	return h.teamPage(c, http.StatusOK, views.Form{}, views.Form{})
}

// CreateTeam is POST /team: a new team owned by the person, which the
// session then works in.
func (h *Handlers) CreateTeam(c echo.Context) error {
	p, _ := PrincipalOf(c)
	t, err := h.Teams.Create(c.Request().Context(), p, c.FormValue("name"))
	if err != nil {
		f, status, err := formFor(c, err, formValues(c, "name"))
		if err != nil {
			return err
		}
		return h.teamPage(c, status, views.Form{}, f)
	}
	h.workIn(c, p, t.ID)
	h.flash(c, "team.created")
	return redirect(c, "/team")
}

// workIn moves the browser's session into team (the person's own account
// when it is theirs).
func (h *Handlers) workIn(c echo.Context, p services.Principal, team int64) {
	ctx := c.Request().Context()
	if team == p.Person() {
		h.Sessions.Remove(ctx, SessionTeamKey)
		return
	}
	h.Sessions.Put(ctx, SessionTeamKey, team)
}

// SwitchTeam is POST /team/switch: the session works in another of the
// person's teams from the next page on.
func (h *Handlers) SwitchTeam(c echo.Context) error {
	p, _ := PrincipalOf(c)
	team, err := strconv.ParseInt(c.FormValue("team"), 10, 64)
	if err != nil || team <= 0 {
		return services.NotFound()
	}
	if _, err := h.Teams.Membership(c.Request().Context(), p.Person(), team); err != nil {
		return err
	}
	h.workIn(c, p, team)
	return redirect(c, "/vms")
}

// InviteToTeam is POST /team/invitations.
func (h *Handlers) InviteToTeam(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if _, err := h.Teams.Invite(c.Request().Context(), p, c.FormValue("email"), c.FormValue("role"), string(LocaleOf(c))); err != nil {
		f, status, err := formFor(c, err, formValues(c, "email", "role"))
		if err != nil {
			return err
		}
		return h.teamPage(c, status, f, views.Form{})
	}
	h.flash(c, "team.invited")
	return redirect(c, "/team")
}

// RevokeTeamInvitation is POST /team/invitations/:id/revoke.
func (h *Handlers) RevokeTeamInvitation(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.Teams.RevokeInvitation(c.Request().Context(), p, id); err != nil {
		return err
	}
	h.flash(c, "team.invitation_revoked")
	return redirect(c, "/team")
}

// SetTeamRole is POST /team/members/:id/role.
func (h *Handlers) SetTeamRole(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.Teams.SetRole(c.Request().Context(), p, id, c.FormValue("role")); err != nil {
		return err
	}
	h.flash(c, "team.role_changed")
	return redirect(c, "/team")
}

// RemoveTeamMember is POST /team/members/:id/remove; removing oneself is
// leaving, after which the session is back in the person's own account.
func (h *Handlers) RemoveTeamMember(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.Teams.Remove(c.Request().Context(), p, id); err != nil {
		return err
	}
	if id == p.Person() {
		h.workIn(c, p, p.Person())
		h.flash(c, "team.left")
		return redirect(c, "/vms")
	}
	h.flash(c, "team.member_removed")
	return redirect(c, "/team")
}

// InvitationPage is GET /invitations/:secret: what the invitation offers, and
// accepting it (signed in) or signing in or up first, after which the
// browser comes back here.
func (h *Handlers) InvitationPage(c echo.Context) error {
	secret := c.Param("secret")
	inv, err := h.Teams.Invitation(c.Request().Context(), secret)
	v := views.InvitationView{Secret: secret}
	if e := services.AsError(err); err != nil && e.Code == "invitation_gone" {
		v.Gone = true
		return render(c, http.StatusGone, views.InvitationPage(h.shell(c, "team.invitation_title", ""), v))
	} else if err != nil {
		return err
	}
	_, v.SignedIn = PrincipalOf(c)
	if !v.SignedIn {
		h.Sessions.Put(c.Request().Context(), sessReturnTo, "/invitations/"+secret)
	}
	v.TeamName, v.InvitedBy, v.Role, v.Email, v.ExpiresAt = inv.TeamName, inv.InvitedBy, inv.Role, inv.Email, inv.ExpiresAt
	return render(c, http.StatusOK, views.InvitationPage(h.shell(c, "team.invitation_title", ""), v))
}

// AcceptInvitation is POST /invitations/:secret/accept: the person joins the
// team and the session works in it.
func (h *Handlers) AcceptInvitation(c echo.Context) error {
	p, _ := PrincipalOf(c)
	t, err := h.Teams.Accept(c.Request().Context(), p, c.Param("secret"))
	if err != nil {
		return err
	}
	h.workIn(c, p, t.ID)
	h.flash(c, "team.joined")
	return redirect(c, "/vms")
}
