package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// VMActions is GET /api/v1/vms/{uuid}/actions.
func (h *Handlers) VMActions(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	in, err := parseListQuery(url.Values{"limit": c.QueryParams()["limit"], "offset": c.QueryParams()["offset"]})
	if err != nil {
		return err
	}
	acts, total, err := h.VMs.Actions(c.Request().Context(), p, c.Param("uuid"), in.Limit, in.Offset)
	if err != nil {
		return err
	}
	body := apiActionList{Actions: make([]apiAction, 0, len(acts)), Meta: apiMeta{Total: total, Limit: in.Limit, Offset: in.Offset}}
	for _, a := range acts {
		body.Actions = append(body.Actions, actionJSON(LocaleOf(c), a))
	}
	setPageLinks(c, nil, total, in.Limit, in.Offset)
	return c.JSON(http.StatusOK, body)
}

// GetAction is GET /api/v1/actions/{id}.
func (h *Handlers) GetAction(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	id, err := idParam(c)
	if err != nil {
		return err
	}
	a, err := h.VMs.Action(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiActionBody{Action: actionJSON(LocaleOf(c), a)})
}
