package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// Resize, snapshots and rebuild: like the other VM operations, each handler
// serves the API (JSON in, an action out) and the VM page's forms.

// ResizeVM is POST /api/v1/vms/{uuid}/resize and POST /vms/{uuid}/resize.
func (h *Handlers) ResizeVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	plan, err := field(c, "plan_slug", func(b apiResize) string { return b.PlanSlug })
	if err != nil {
		return err
	}
	a, err := h.VMs.Resize(c.Request().Context(), p, uuid, plan)
	return h.actionAnswer(c, uuid, a, err, http.StatusOK, "vm.resize_started", "#resize", map[string]string{"plan_slug": plan},
		func(v *views.VMPageView, f views.Form) { v.Manage.Resize = f })
}

// VMSnapshots is GET /api/v1/vms/{uuid}/snapshots.
func (h *Handlers) VMSnapshots(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	snaps, err := h.VMs.Snapshots(c.Request().Context(), p, c.Param("uuid"))
	if err != nil {
		return err
	}
	body := apiSnapshotList{Snapshots: make([]apiSnapshot, 0, len(snaps))}
	for _, s := range snaps {
		body.Snapshots = append(body.Snapshots, apiSnapshot{Name: s.Name, CreatedAt: rfc3339(s.CreatedAt), Current: s.Current})
	}
	return c.JSON(http.StatusOK, body)
}

// CreateSnapshot is POST /api/v1/vms/{uuid}/snapshots and POST /vms/{uuid}/snapshots.
func (h *Handlers) CreateSnapshot(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	name, err := field(c, "name", func(b apiCreateSnapshot) string { return b.Name })
	if err != nil {
		return err
	}
	a, err := h.VMs.CreateSnapshot(c.Request().Context(), p, uuid, name)
	return h.actionAnswer(c, uuid, a, err, http.StatusAccepted, "vm.snapshot_started", "#snapshots", map[string]string{"name": name},
		func(v *views.VMPageView, f views.Form) { v.Manage.Snapshot = f })
}

// RevertSnapshot is POST /api/v1/vms/{uuid}/snapshots/{name}/revert and the same path on the dashboard.
func (h *Handlers) RevertSnapshot(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	a, err := h.VMs.RevertSnapshot(c.Request().Context(), p, uuid, c.Param("name"))
	return h.actionAnswer(c, uuid, a, err, http.StatusOK, "vm.snapshot_revert_started", "#snapshots", nil,
		func(v *views.VMPageView, f views.Form) { v.Manage.Snapshot = f })
}

// DeleteSnapshot is DELETE /api/v1/vms/{uuid}/snapshots/{name} and POST /vms/{uuid}/snapshots/{name}/delete.
func (h *Handlers) DeleteSnapshot(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	_, err = h.VMs.DeleteSnapshot(c.Request().Context(), p, uuid, c.Param("name"))
	if apiDoor(c) {
		if err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
	return h.actionAnswer(c, uuid, services.Action{}, err, 0, "vm.snapshot_delete_started", "#snapshots", nil,
		func(v *views.VMPageView, f views.Form) { v.Manage.Snapshot = f })
}

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

// actionAnswer answers an operation that started an action: the action as
// JSON with status on the API; on the dashboard a 422 beside the form's
// fields (set puts it in place), a refusal above the page, or back to the
// page with a flash.
func (h *Handlers) actionAnswer(c echo.Context, uuid string, a services.Action, err error, status int, flash, anchor string,
	values map[string]string, set func(*views.VMPageView, views.Form)) error {
	if apiDoor(c) {
		if err != nil {
			return err
		}
		if a.VMUUID == "" {
			a.VMUUID = uuid
		}
		return c.JSON(status, apiActionBody{Action: actionJSON(LocaleOf(c), a)})
	}
	if err != nil {
		f, code, ferr := formFor(c, err, values)
		if ferr != nil {
			return h.refusal(c, uuid, ferr)
		}
		return h.vmPage(c, code, uuid, func(v *views.VMPageView) { set(v, f) })
	}
	h.flash(c, flash)
	return redirect(c, vmBack(c, uuid, anchor))
}

// snapshotListTimeout bounds how long the VM page waits for its node's snapshot list.
const snapshotListTimeout = 3 * time.Second

// manageView fills the page's Manage part: plans, templates and, when the
// page shows the forms, the node's snapshots.
func (h *Handlers) manageView(c echo.Context, p services.Principal, vm services.VM, v *views.VMPageView) error {
	ctx := c.Request().Context()
	v.Manage.MaxSnapshots = services.MaxSnapshots
	if !v.VM.Live() {
		return nil
	}
	plans, err := h.VMs.Plans(ctx)
	if err != nil {
		return services.Internal(err)
	}
	for _, pl := range plans {
		v.Manage.Plans = append(v.Manage.Plans, views.ManagePlan{Slug: pl.Slug, Name: planName(LocaleOf(c), pl),
			VCPUs: pl.VCPUs, MemoryMB: pl.MemoryMB, DiskGB: pl.DiskGB, PriceHourlyRials: pl.PriceHourlyRials, PriceMonthlyRials: pl.PriceHourlyRials * hoursPerMonth,
			Current: pl.Slug == vm.PlanSlug, DiskTooSmall: pl.DiskGB < vm.DiskGB})
	}
	tmpls, err := h.VMs.OSTemplates(ctx)
	if err != nil {
		return services.Internal(err)
	}
	for _, t := range tmpls {
		if t.MinDiskGB <= vm.DiskGB {
			v.Manage.Templates = append(v.Manage.Templates, views.ManageTemplate{Slug: t.Slug, Name: t.Name, Current: t.Slug == vm.OSTemplateSlug})
		}
	}
	isos, err := h.VMs.ISOs(ctx)
	if err != nil {
		return services.Internal(err)
	}
	v.Manage.BootNow = vm.Boot
	for _, iso := range isos {
		v.Manage.ISOs = append(v.Manage.ISOs, views.ManageTemplate{Slug: iso.Slug, Name: iso.Name, Current: iso.Slug == vm.BootISO})
		if iso.Slug == vm.BootISO {
			v.Manage.BootISO = iso.Name
		}
	}
	lctx, cancel := context.WithTimeout(ctx, snapshotListTimeout)
	defer cancel()
	snaps, err := h.VMs.Snapshots(lctx, p, vm.UUID)
	if err != nil {
		v.Manage.SnapshotsUnknown = true
		return nil
	}
	for _, s := range snaps {
		v.Manage.Snapshots = append(v.Manage.Snapshots, views.SnapshotRow{Name: s.Name, CreatedAt: s.CreatedAt, Current: s.Current})
	}
	return nil
}

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
	var in services.BootInput
	if apiDoor(c) {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		b, err := h.VMs.SetBoot(c.Request().Context(), p, uuid, in)
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
	in = services.BootInput{Type: c.FormValue("boot_type"), ISO: c.FormValue("cdrom")}
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

// ISOs is GET /api/v1/isos: the images a VM may boot from.
func (h *Handlers) ISOs(c echo.Context) error {
	isos, err := h.VMs.ISOs(c.Request().Context())
	if err != nil {
		return services.Internal(err)
	}
	out := make([]apiISO, 0, len(isos))
	for _, iso := range isos {
		out = append(out, apiISO{Slug: iso.Slug, Name: iso.Name})
	}
	return c.JSON(http.StatusOK, map[string][]apiISO{"isos": out})
}
