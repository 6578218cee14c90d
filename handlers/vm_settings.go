package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// field reads one input of an operation: the JSON body's on the API, the
// form's in the dashboard. body is the JSON body's type, get its value.
func field[T any](c echo.Context, name string, get func(T) string) (string, error) {
	if !apiDoor(c) {
		return c.FormValue(name), nil
	}
	var body T
	if err := decodeJSON(c, &body); err != nil {
		return "", err
	}
	return get(body), nil
}

// RenameVM is PATCH /api/v1/vms/{uuid} and POST /vms/{uuid}/rename (inline, htmx).
func (h *Handlers) RenameVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	name, err := field(c, "display_name", func(b apiRename) string { return b.DisplayName })
	if err != nil {
		return err
	}
	vm, err := h.VMs.Rename(c.Request().Context(), p, uuid, name)
	if apiDoor(c) {
		if err != nil {
			return err
		}
		return h.vmJSONResponse(c, http.StatusOK, vm)
	}
	if err != nil {
		f, status, ferr := formFor(c, err, map[string]string{"display_name": name})
		if ferr != nil {
			return h.refusal(c, uuid, ferr)
		}
		if isHTMX(c) {
			v, verr := h.vmPageView(c, p, uuid, true)
			if verr != nil {
				return verr
			}
			v.Rename = f
			return render(c, status, views.VMTitle(h.shell(c, "vm.page_title", "vms"), v))
		}
		return h.vmPage(c, status, uuid, func(v *views.VMPageView) { v.Rename = f })
	}
	if isHTMX(c) {
		v, err := h.vmPageView(c, p, uuid, true)
		if err != nil {
			return err
		}
		return render(c, http.StatusOK, views.VMRenamed(h.shell(c, "vm.page_title", "vms"), v))
	}
	h.flash(c, "vm.renamed")
	return redirect(c, vmBack(c, uuid, ""))
}

// SetHostname is POST /api/v1/vms/{uuid}/security/hostname and POST /vms/{uuid}/hostname.
func (h *Handlers) SetHostname(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	hostname, err := field(c, "hostname", func(b apiHostname) string { return b.Hostname })
	if err != nil {
		return err
	}
	vm, err := h.VMs.SetHostname(c.Request().Context(), p, uuid, hostname)
	if apiDoor(c) {
		if err != nil {
			return err
		}
		return h.vmJSONResponse(c, http.StatusOK, vm)
	}
	if err != nil {
		f, status, ferr := formFor(c, err, map[string]string{"hostname": hostname})
		if ferr != nil {
			return h.refusal(c, uuid, ferr)
		}
		return h.vmPage(c, status, uuid, func(v *views.VMPageView) { v.Hostname = f })
	}
	h.flash(c, "vm.hostname_set")
	return redirect(c, vmBack(c, uuid, ""))
}

// SetPassword is POST /api/v1/vms/{uuid}/security/password and POST /vms/{uuid}/password.
// The password is never written back: not in the answer, not into a refused form.
func (h *Handlers) SetPassword(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	password, err := field(c, "password", func(b apiPassword) string { return b.Password })
	if err != nil {
		return err
	}
	err = h.VMs.SetPassword(c.Request().Context(), p, uuid, password)
	if apiDoor(c) {
		if err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
	if err != nil {
		f, status, ferr := formFor(c, err, nil)
		if ferr != nil {
			return h.refusal(c, uuid, ferr)
		}
		return h.vmPage(c, status, uuid, func(v *views.VMPageView) { v.Password = f })
	}
	h.flash(c, "vm.password_set")
	return redirect(c, vmBack(c, uuid, "#password"))
}

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

// DeleteVM is DELETE /api/v1/vms/{uuid} and POST /vms/{uuid}/delete. The
// dashboard also checks, on the server, that the VM's name was typed.
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
	_, err = h.VMs.Delete(ctx, p, uuid)
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
