package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// BootVM is POST /api/v1/vms/{uuid}/boot and POST /vms/{uuid}/boot: restart the
// VM from its disk, an ISO or the rescue system. The rescue system's one-time
// password is in the answer (the API body, or the page drawn in place of the
// usual redirect, so it never rests in a session).
func (h *Handlers) BootVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	if apiDoor(c) {
		var body apiSetBoot
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
		b, err := h.VMs.SetBoot(c.Request().Context(), p, uuid, services.BootInput{Type: body.Type, ISO: body.ISO})
		if err != nil {
			return err
		}
		if b.Action.VMUUID == "" {
			b.Action.VMUUID = uuid
		}
		if b.RescuePassword != "" {
			noStore(c)
		}
		return c.JSON(http.StatusOK, apiBootBody{Action: actionJSON(LocaleOf(c), b.Action), RescuePassword: b.RescuePassword})
	}
	in := services.BootInput{Type: c.FormValue("boot_type"), ISO: c.FormValue("cdrom")}
	values := map[string]string{"boot_type": in.Type, "cdrom": in.ISO}
	if c.FormValue("confirm") != "yes" {
		f := views.Form{Values: values, Errors: map[string]string{"confirm": "vm.boot_confirm_required"}}
		return h.vmPage(c, http.StatusUnprocessableEntity, uuid, func(v *views.VMPageView) { v.Manage.Boot = f })
	}
	b, err := h.VMs.SetBoot(c.Request().Context(), p, uuid, in)
	if err == nil && b.RescuePassword != "" {
		noStore(c)
		return h.vmPage(c, http.StatusOK, uuid, func(v *views.VMPageView) { v.Manage.RescuePassword = b.RescuePassword })
	}
	return h.actionAnswer(c, uuid, b.Action, err, http.StatusOK, "vm.boot_started", "#boot", values,
		func(v *views.VMPageView, f views.Form) { v.Manage.Boot = f })
}
