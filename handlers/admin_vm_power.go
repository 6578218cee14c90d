package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// AdminPowerVM is a power action (the form's action field) on a customer's VM
// from the operator's list, back on the list narrowed to it.
func (h *Handlers) AdminPowerVM(c echo.Context) error {
	p, _ := PrincipalOf(c)
	uuid := c.Param("uuid")
	if _, err := h.Staff.PowerVM(c.Request().Context(), p, uuid, c.FormValue("action")); err != nil {
		return err
	}
	h.flash(c, "admin.vms.power_done")
	return redirect(c, "/admin/vms?q="+url.QueryEscape(uuid))
}

// APIAdminPowerVM is POST /api/v1/admin/vms/{uuid}/power/{action}: the
// customer's own answer, the action, which the operator follows.
func (h *Handlers) APIAdminPowerVM(c echo.Context) error {
	p, _ := PrincipalOf(c)
	a, err := h.Staff.PowerVM(c.Request().Context(), p, c.Param("uuid"), c.Param("action"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiActionBody{Action: actionJSON(LocaleOf(c), a)})
}
