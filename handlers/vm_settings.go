package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// UpdateVM is PATCH /api/v1/vms/{uuid}: the fields sent are changed (the
// name first, so a refused name leaves the backups as they were); a body
// naming neither is a rename without a name.
func (h *Handlers) UpdateVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	ctx := c.Request().Context()
	var body apiUpdateVM
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	var vm services.VM
	if body.DisplayName != nil || body.BackupsEnabled == nil {
		name := ""
		if body.DisplayName != nil {
			name = *body.DisplayName
		}
		if vm, err = h.VMs.Rename(ctx, p, uuid, name); err != nil {
			return err
		}
	}
	if body.BackupsEnabled != nil {
		if vm, err = h.VMs.SetBackups(ctx, p, uuid, *body.BackupsEnabled); err != nil {
			return err
		}
	}
	return h.vmJSONResponse(c, http.StatusOK, vm)
}

// RenameVM is POST /vms/{uuid}/rename (inline, htmx).
func (h *Handlers) RenameVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	name := c.FormValue("display_name")
	_, err = h.VMs.Rename(c.Request().Context(), p, uuid, name)
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
	set, err := h.VMs.ChangeHostname(c.Request().Context(), p, uuid, hostname)
	if apiDoor(c) {
		if err != nil {
			return err
		}
		applied := "next_boot"
		if set.Now {
			applied = "now"
		}
		return c.JSON(http.StatusOK, apiHostnameBody{VM: vmJSON(set.VM, h.backupPrice(set.VM)), Applied: applied})
	}
	if err != nil {
		f, status, ferr := formFor(c, err, map[string]string{"hostname": hostname})
		if ferr != nil {
			return h.refusal(c, uuid, ferr)
		}
		return h.vmPage(c, status, uuid, func(v *views.VMPageView) { v.Hostname = f })
	}
	if set.Now {
		h.flash(c, "vm.hostname_set_now")
	} else {
		h.flash(c, "vm.hostname_set")
	}
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
