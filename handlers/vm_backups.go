package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// VMBackups is GET /api/v1/vms/{uuid}/backups: the VM's backups, newest first.
func (h *Handlers) VMBackups(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	list, err := h.VMs.Backups(c.Request().Context(), p, c.Param("uuid"))
	if err != nil {
		return err
	}
	body := apiBackupList{Backups: make([]apiBackup, 0, len(list))}
	for _, b := range list {
		body.Backups = append(body.Backups, backupJSON(b))
	}
	return c.JSON(http.StatusOK, body)
}

// CreateBackup is POST /api/v1/vms/{uuid}/backups and POST /vms/{uuid}/backups:
// a backup now, as an action (202, as a snapshot is: something new is being made).
func (h *Handlers) CreateBackup(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	a, err := h.VMs.BackupNow(c.Request().Context(), p, uuid)
	return h.actionAnswer(c, uuid, a, err, http.StatusAccepted, "backup.started", "", nil,
		func(v *views.VMPageView, f views.Form) { v.Backups.Now = f })
}

// SetBackups is POST /vms/{uuid}/backups/enabled, the tab's switch (the API
// turns them on and off with PATCH /api/v1/vms/{uuid}).
func (h *Handlers) SetBackups(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	on, err := boolParam(c, "enabled")
	if err == nil {
		_, err = h.VMs.SetBackups(c.Request().Context(), p, uuid, on)
	}
	if err != nil {
		f, status, ferr := formFor(c, err, nil)
		if ferr != nil {
			return h.refusal(c, uuid, ferr)
		}
		return h.vmPage(c, status, uuid, func(v *views.VMPageView) { v.Backups.Switch = f })
	}
	h.flash(c, map[bool]string{true: "backup.turned_on", false: "backup.turned_off"}[on])
	return redirect(c, vmBack(c, uuid, ""))
}

// restoreNewFields are the new-VM form's fields copied back when it is
// refused (the password never is).
var restoreNewFields = []string{"plan_slug", "auth_mode", "hostname", "display_name", "backups_enabled", "idempotency_key"}

// RestoreBackup is POST /api/v1/vms/{uuid}/backups/{id}/restore and the same
// path on the dashboard: onto the VM itself (target self: an action, 200, as
// a snapshot's revert is; the dashboard also checks that the VM's name was
// typed), or as a new VM (target new: an order, answered as POST /api/v1/vms).
func (h *Handlers) RestoreBackup(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	ctx := c.Request().Context()
	id, err := backupID(c)
	if err != nil {
		return err
	}
	var body apiRestoreBackup
	if apiDoor(c) {
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
	} else {
		body.Target = c.FormValue("target")
	}
	switch body.Target {
	case "self":
		if sent := orderFieldsSent(body); len(sent) > 0 {
			return services.Invalid(sent)
		}
		if !apiDoor(c) {
			vm, err := h.VMs.Get(ctx, p, uuid)
			if err != nil {
				return err
			}
			if !services.NameMatches(c.FormValue("confirm"), vm.DisplayName) {
				f := views.Form{Errors: map[string]string{"confirm": "vm.delete_name_mismatch"}}
				return h.vmPage(c, http.StatusUnprocessableEntity, uuid, func(v *views.VMPageView) { v.Backups.Restore, v.Backups.RestoreID = f, id })
			}
		}
		a, err := h.VMs.RestoreBackup(ctx, p, uuid, id)
		return h.actionAnswer(c, uuid, a, err, http.StatusOK, "backup.restore_started", "", nil,
			func(v *views.VMPageView, f views.Form) { v.Backups.Restore, v.Backups.RestoreID = f, id })
	case "new":
		return h.restoreAsNew(c, p, uuid, id, body)
	}
	return services.Invalid(map[string]string{"target": "backup.target_unknown"})
}

// restoreAsNew orders a new VM from backup id of the VM uuid.
func (h *Handlers) restoreAsNew(c echo.Context, p services.Principal, uuid string, id int64, body apiRestoreBackup) error {
	var in services.CreateVMInput
	if apiDoor(c) {
		in = services.CreateVMInput{PlanSlug: body.PlanSlug, AuthMode: body.AuthMode, CustomPassword: body.CustomPassword,
			SSHKeyIDs: body.SSHKeyIDs, DisplayName: body.DisplayName, Hostname: body.Hostname, BackupsEnabled: body.BackupsEnabled,
			IdempotencyKey: c.Request().Header.Get("Idempotency-Key")}
		if len(in.IdempotencyKey) > 255 {
			return services.Invalid(map[string]string{"idempotency_key": "form.too_long"})
		}
	} else {
		var err error
		if in, err = createFormInput(c); err != nil {
			return h.refusedRestore(c, uuid, id, err)
		}
	}
	o, err := h.VMs.RestoreBackupAsNew(c.Request().Context(), p, uuid, id, in)
	if err != nil {
		if apiDoor(c) {
			return err
		}
		return h.refusedRestore(c, uuid, id, err)
	}
	return h.orderedAnswer(c, o)
}

// refusedRestore draws the VM page again with backup id's new-VM form open
// and what was wrong with it, or the refusal above the page.
func (h *Handlers) refusedRestore(c echo.Context, uuid string, id int64, err error) error {
	f, status, ferr := formFor(c, err, formValues(c, restoreNewFields...))
	if ferr != nil {
		return h.refusal(c, uuid, ferr)
	}
	return h.vmPage(c, status, uuid, func(v *views.VMPageView) { v.Backups.RestoreNew, v.Backups.RestoreNewID = f, id })
}

// orderFieldsSent names the order's fields a restore onto the VM itself was
// sent: they belong to target new, and are refused rather than ignored.
func orderFieldsSent(b apiRestoreBackup) map[string]string {
	sent := map[string]string{}
	for name, set := range map[string]bool{"plan_slug": b.PlanSlug != "", "auth_mode": b.AuthMode != "",
		"custom_password": b.CustomPassword != "", "ssh_key_ids": b.SSHKeyIDs != nil, "display_name": b.DisplayName != "",
		"hostname": b.Hostname != "", "backups_enabled": b.BackupsEnabled} {
		if set {
			sent[name] = "backup.field_new_only"
		}
	}
	return sent
}

// DeleteBackup is DELETE /api/v1/vms/{uuid}/backups/{id} and POST /vms/{uuid}/backups/{id}/delete.
func (h *Handlers) DeleteBackup(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	id, err := backupID(c)
	if err != nil {
		return err
	}
	err = h.VMs.DeleteBackup(c.Request().Context(), p, uuid, id)
	if apiDoor(c) {
		if err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
	if err != nil {
		return h.refusal(c, uuid, err)
	}
	h.flash(c, "backup.deleted")
	return redirect(c, vmBack(c, uuid, ""))
}

// backupID reads a backup's id from the path; anything else is no backup.
func backupID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, services.NotFound()
	}
	return id, nil
}

// backupPrice is what a VM's backups cost an hour while they are on, and what
// turning them on would cost now while they are off: the price a customer
// reads before deciding, as the API's backup_price_hourly and the page show it.
func (h *Handlers) backupPrice(v services.VM) int64 {
	if v.BackupsEnabled {
		return v.BackupPriceHourly
	}
	return h.VMs.BackupPrice(v.PriceHourly)
}

// backupsView fills the VM page's Backups tab (after manageView, whose plans it offers).
func (h *Handlers) backupsView(c echo.Context, p services.Principal, vm services.VM, v *views.VMPageView) error {
	if !v.VM.Live() {
		return nil
	}
	ctx := c.Request().Context()
	uuid := vm.UUID
	offer, err := h.VMs.BackupOffer(ctx, p, uuid)
	if err != nil {
		return err
	}
	list, err := h.VMs.Backups(ctx, p, uuid)
	if err != nil {
		return err
	}
	b := &v.Backups
	b.Enabled = vm.BackupsEnabled
	b.PriceHourlyRials, b.Keep, b.LeftToday, b.PerDay, b.Available = offer.PriceHourly, offer.Keep, offer.LeftToday, offer.PerDay, offer.Available
	b.PasswordMin, b.NewKey = services.MinPasswordLen, newFormKey()
	for _, bk := range list {
		row := views.BackupRow{ID: bk.ID, Kind: bk.Kind, Status: bk.Status, Consistency: bk.Consistency, Size: bk.Size,
			Capacity: bk.Capacity, CreatedAt: bk.CreatedAt}
		for _, a := range v.Actions {
			if a.ID == bk.ActionID {
				row.Progress = a.Progress
			}
		}
		b.List = append(b.List, row)
	}
	for _, pl := range v.Manage.Plans {
		b.Plans = append(b.Plans, views.RestorePlan{Slug: pl.Slug, Name: pl.Name, VCPUs: pl.VCPUs, MemoryMB: pl.MemoryMB, DiskGB: pl.DiskGB,
			PriceHourlyRials: pl.PriceHourlyRials, BackupPriceHourlyRials: h.VMs.BackupPrice(pl.PriceHourlyRials)})
	}
	if h.SSHKeys != nil {
		keys, err := h.SSHKeys.List(ctx, p)
		if err != nil {
			return err
		}
		for _, k := range keys {
			b.SSHKeys = append(b.SSHKeys, views.SSHKeyOption{ID: k.ID, Name: k.Name, Fingerprint: k.Fingerprint})
		}
	}
	return nil
}
