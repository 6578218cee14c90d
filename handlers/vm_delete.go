package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// DeleteVM is DELETE /api/v1/vms/{uuid} and POST /vms/{uuid}/delete: into the
// recycle bin, or destroyed at once with purge=true (the query, or the form's
// field). On the dashboard a delete for good also needs the VM's name typed,
// checked here on the server; one into the bin is confirmed in the browser
// only, since it can be undone (docs/decisions.md, "The recycle bin").
func (h *Handlers) DeleteVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	ctx := c.Request().Context()
	purge, err := boolParam(c, "purge")
	if err != nil {
		return err
	}
	if purge && !apiDoor(c) {
		vm, err := h.VMs.Get(ctx, p, uuid)
		if err != nil {
			return err
		}
		if !services.NameMatches(c.FormValue("confirm"), vm.DisplayName) {
			f := views.Form{Errors: map[string]string{"confirm": "vm.delete_name_mismatch"}}
			return h.vmPage(c, http.StatusUnprocessableEntity, uuid, func(v *views.VMPageView) { v.Delete = f })
		}
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
	h.flash(c, map[bool]string{false: "vm.deleted", true: "vm.purged"}[purge])
	return redirect(c, "/vms")
}
