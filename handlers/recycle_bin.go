package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/views"
)

// RestoreVM is POST /api/v1/vms/{uuid}/restore and POST /vms/{uuid}/restore
// (from Recently deleted on the list, or from the VM's own page): the VM
// comes out of the recycle bin and starts, as an action. On the dashboard it
// leads to the VM's page, where a refusal (the wallet cannot pay the hour) is
// shown beside the Restore button.
func (h *Handlers) RestoreVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	a, err := h.VMs.Restore(c.Request().Context(), p, uuid)
	return h.actionAnswer(c, uuid, a, err, http.StatusOK, "vm.restore_started", "", nil,
		func(v *views.VMPageView, f views.Form) { v.Restore = f })
}
