package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// DeleteVM is DELETE /api/v1/vms/{uuid} and POST /vms/{uuid}/delete: into the
// recycle bin, or destroyed at once with purge=true (the query, or the form's
// field). The dashboard also checks, on the server, that the VM's name was typed.
func (h *Handlers) DeleteVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	ctx := c.Request().Context()
	if !apiDoor(c) {
		vm, err := h.VMs.Get(ctx, p, uuid)
		if err != nil {
			return err
		}
		if !services.NameMatches(c.FormValue("confirm"), vm.DisplayName) {
			f := views.Form{Errors: map[string]string{"confirm": "vm.delete_name_mismatch"}}
			return h.vmPage(c, http.StatusUnprocessableEntity, uuid, func(v *views.VMPageView) { v.Delete = f })
		}
	}
	purge, err := boolParam(c, "purge")
	if err != nil {
		return err
	}
	_, err = h.VMs.Delete(ctx, p, uuid, purge)
	if apiDoor(c) {
		if err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
	if err != nil {
		return h.refusal(c, uuid, err)
	}
	h.flash(c, "vm.deleted")
	return redirect(c, "/vms")
}
