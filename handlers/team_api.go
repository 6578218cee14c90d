package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/services"
)

type apiTeamMember struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
	Since string `json:"since"`
}

type apiTeam struct {
	ID       int64           `json:"id"`
	Name     string          `json:"name"`
	Personal bool            `json:"personal"`
	Role     string          `json:"role"`
	Members  []apiTeamMember `json:"members"`
}

type apiTeamInvitation struct {
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	Role      string `json:"role"`
	InvitedBy string `json:"invited_by"`
	CreatedAt string `json:"created_at"`
	ExpiresAt string `json:"expires_at"`
}

// APITeam is GET /api/v1/team: the team the token works in, the token's
// maker's role in it, and its members.
func (h *Handlers) APITeam(c echo.Context) error {
	p, _ := PrincipalOf(c)
	ctx := c.Request().Context()
	members, err := h.Teams.Members(ctx, p)
	if err != nil {
		return err
	}
	t, err := h.Teams.Membership(ctx, p.Person(), p.UserID)
	if err != nil {
		return err
	}
	body := apiTeam{ID: t.ID, Name: t.Name, Personal: t.Personal, Role: t.Role, Members: membersJSON(members)}
	return c.JSON(http.StatusOK, map[string]apiTeam{"team": body})
}

// APITeamMembers is GET /api/v1/team/members: the members alone, as
// scripts that sync them with a directory read them.
func (h *Handlers) APITeamMembers(c echo.Context) error {
	p, _ := PrincipalOf(c)
	members, err := h.Teams.Members(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string][]apiTeamMember{"members": membersJSON(members)})
}

func membersJSON(members []services.TeamMember) []apiTeamMember {
	out := make([]apiTeamMember, 0, len(members))
	for _, m := range members {
		out = append(out, apiTeamMember{ID: m.PersonID, Name: m.Name, Email: m.Email, Role: m.Role, Since: m.Since.UTC().Format(time.RFC3339)})
	}
	return out
}

// APITeamInvitations is GET /api/v1/team/invitations: the invitations
// waiting, for a token of the team's owners and admins.
func (h *Handlers) APITeamInvitations(c echo.Context) error {
	p, _ := PrincipalOf(c)
	vs, err := h.Teams.Invitations(c.Request().Context(), p)
	if err != nil {
		return err
	}
	out := make([]apiTeamInvitation, 0, len(vs))
	for _, v := range vs {
		out = append(out, apiTeamInvitation{ID: v.ID, Email: v.Email, Role: v.Role, InvitedBy: v.InvitedBy,
			CreatedAt: v.CreatedAt.UTC().Format(time.RFC3339), ExpiresAt: v.ExpiresAt.UTC().Format(time.RFC3339)})
	}
	return c.JSON(http.StatusOK, map[string][]apiTeamInvitation{"invitations": out})
}
