package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// PowerVM is POST /api/v1/vms/{uuid}/power/{action} and POST /vms/{uuid}/power/{action}.
func (h *Handlers) PowerVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	a, err := h.VMs.Power(c.Request().Context(), p, uuid, c.Param("action"))
	if apiDoor(c) {
		if err != nil {
			return err
		}
		if a.VMUUID == "" {
			a.VMUUID = uuid
		}
		return c.JSON(http.StatusOK, apiActionBody{Action: actionJSON(LocaleOf(c), a)})
	}
	if err != nil {
		return h.refusal(c, uuid, err)
	}
	h.flash(c, "vm.action_started")
	return redirect(c, vmBack(c, uuid, ""))
}
