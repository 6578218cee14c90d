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
	plan, err := field(c, "plan_slug", func(b apiResize) string { return b.PlanSlug })
	if err != nil {
		return err
	}
	a, err := h.VMs.Resize(c.Request().Context(), p, uuid, plan)
	return h.actionAnswer(c, uuid, a, err, http.StatusOK, "vm.resize_started", "#resize", map[string]string{"plan_slug": plan},
		func(v *views.VMPageView, f views.Form) { v.Manage.Resize = f })
}
