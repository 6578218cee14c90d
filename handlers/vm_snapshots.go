package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

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
		body.Snapshots = append(body.Snapshots, apiSnapshot{Name: s.Name, DisplayName: s.DisplayName, CreatedAt: rfc3339(s.CreatedAt), Current: s.Current})
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
