package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"abrak/services"
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

// ListActions is GET /api/v1/actions: the caller's actions across their VMs,
// newest first, paged like the VM list, by status and type.
func (h *Handlers) ListActions(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	page, err := parseListQuery(url.Values{"limit": q["limit"], "offset": q["offset"]})
	if err != nil {
		return err
	}
	in := services.ActionListInput{Status: q.Get("status"), Type: q.Get("type"), Limit: page.Limit, Offset: page.Offset}
	acts, total, err := h.VMs.ListActions(c.Request().Context(), p, in)
	if err != nil {
		return err
	}
	body := apiActionList{Actions: make([]apiAction, 0, len(acts)), Meta: apiMeta{Total: total, Limit: in.Limit, Offset: in.Offset}}
	for _, a := range acts {
		body.Actions = append(body.Actions, actionJSON(LocaleOf(c), a))
	}
	keep := url.Values{}
	for _, k := range []string{"status", "type"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	setPageLinks(c, keep, total, in.Limit, in.Offset)
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

// RunVMAction is POST /api/v1/vms/{uuid}/actions: seed 003's action by type.
func (h *Handlers) RunVMAction(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	var body apiRunAction
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	req := services.ActionRequest{Type: body.Type, Name: body.Name, Resource: body.Resource, Size: body.Size, WaitFor: body.WaitFor}
	if body.Data != nil {
		req.Need = &services.Size{CPU: body.Data.CPU, RAM: body.Data.RAM, Disk: body.Data.Disk}
	}
	uuid := c.Param("uuid")
	done, err := h.VMs.RunAction(c.Request().Context(), p, uuid, req)
	if err != nil {
		return err
	}
	if done.Action.VMUUID == "" {
		done.Action.VMUUID = uuid
	}
	if done.Password != "" {
		c.Response().Header().Set("Cache-Control", "no-store")
	}
	return c.JSON(http.StatusCreated, apiRunActionBody{Action: actionJSON(LocaleOf(c), done.Action), Password: done.Password})
}
