package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// RebuildVM is POST /api/v1/vms/{uuid}/rebuild and POST /vms/{uuid}/rebuild.
// The dashboard also checks, on the server, that the VM's name was typed.
func (h *Handlers) RebuildVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	ctx := c.Request().Context()
	tmpl, err := field(c, "os_template_slug", func(b apiRebuild) string { return b.OSTemplateSlug })
	if err != nil {
		return err
	}
	values := map[string]string{"os_template_slug": tmpl}
	if !apiDoor(c) {
		vm, err := h.VMs.Get(ctx, p, uuid)
		if err != nil {
			return err
		}
		if !services.NameMatches(c.FormValue("confirm"), vm.DisplayName) {
			f := views.Form{Values: values, Errors: map[string]string{"confirm": "vm.delete_name_mismatch"}}
			return h.vmPage(c, http.StatusUnprocessableEntity, uuid, func(v *views.VMPageView) { v.Manage.Rebuild = f })
		}
	}
	a, err := h.VMs.Rebuild(ctx, p, uuid, tmpl)
	return h.actionAnswer(c, uuid, a, err, http.StatusOK, "vm.rebuild_started", "#rebuild", values,
		func(v *views.VMPageView, f views.Form) { v.Manage.Rebuild = f })
}
