package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/views"
)

// ResizeVM is POST /api/v1/vms/{uuid}/resize and POST /vms/{uuid}/resize.
func (h *Handlers) ResizeVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	var body apiResize
	if apiDoor(c) {
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
	} else {
		body.PlanSlug = c.FormValue("plan_slug")
	}
	plan := body.PlanSlug
	a, err := h.VMs.ResizeWait(c.Request().Context(), p, uuid, plan, body.WaitFor)
	return h.actionAnswer(c, uuid, a, err, http.StatusOK, "vm.resize_started", "#resize", map[string]string{"plan_slug": plan},
		func(v *views.VMPageView, f views.Form) { v.Manage.Resize = f })
}
