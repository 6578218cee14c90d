package handlers

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// Home sends customers to their VMs; visitors see the landing page.
func (h *Handlers) Home(c echo.Context) error {
	if _, ok := PrincipalOf(c); ok {
		return c.Redirect(http.StatusSeeOther, "/vms")
	}
	regions, plans, tmpls, err := h.catalogOptions(c)
	if err != nil {
		return err
	}
	v := views.LandingView{Regions: regions, Plans: plans, Templates: tmpls}
	return render(c, http.StatusOK, views.LandingPage(h.shell(c, "landing.page_title", ""), v))
}

// paging reads limit and offset with the panel's bounds.
func paging(c echo.Context, def, maxLimit int) (limit, offset int) {
	limit, err := strconv.Atoi(c.QueryParam("limit"))
	if err != nil || limit < 1 || limit > maxLimit {
		limit = def
	}
	offset, err = strconv.Atoi(c.QueryParam("offset"))
	if err != nil || offset < 0 {
		offset = 0
	}
	return limit, offset
}

// Activity lists the customer's audit events.
func (h *Handlers) Activity(c echo.Context) error {
	p, _ := PrincipalOf(c)
	limit, offset := paging(c, 50, 200)
	ctx := c.Request().Context()
	person, _ := strconv.ParseInt(c.QueryParam("person"), 10, 64)
	events, total, err := h.Audit.ListBy(ctx, p, max(person, 0), limit, offset)
	if err != nil {
		return err
	}
	v := views.ActivityView{Pager: views.Pager{Total: total, Limit: limit, Offset: offset, Path: "/activity"}, Person: person}
	if person > 0 {
		v.Pager.Query = url.Values{"person": {strconv.FormatInt(person, 10)}}
	}
	if p.PersonID != 0 {
		// In a team: who did what, and the list narrowed to one person.
		members, err := h.Teams.Members(ctx, p)
		if err != nil {
			return err
		}
		for _, m := range members {
			v.People = append(v.People, views.ActivityPerson{ID: m.PersonID, Name: m.Name})
		}
	}
	for _, e := range events {
		v.Events = append(v.Events, views.ActivityRow{Action: "audit." + e.Action, Severity: e.Severity, Via: e.Via, Target: e.TargetID, TargetType: e.TargetType, TargetName: e.TargetName, IP: e.IP, At: e.CreatedAt,
			ActorID: e.ActorID, ActorName: e.ActorName})
	}
	return render(c, http.StatusOK, views.ActivityPage(h.shell(c, "nav.activity", "activity"), v))
}

// idParam reads the :id of a route; anything but a number is a resource that does not exist.
func idParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, services.NotFound()
	}
	return id, nil
}
