package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// MigrateVM is POST /api/v1/admin/vms/{uuid}/migrate: an operator moves any
// customer's VM to another node of its region ({"target_node": "name"}, or
// none to let the panel pick). The answer is the VM's migrate action, to poll.
func (h *Handlers) MigrateVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	var body apiMigrate
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	a, err := h.VMs.Migrate(c.Request().Context(), p, c.Param("uuid"), body.TargetNode)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, apiActionBody{Action: actionJSON(LocaleOf(c), a)})
}
