package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// AdminNodes is the operator's Nodes page.
func (h *Handlers) AdminNodes(c echo.Context) error {
	return h.adminNodesPage(c, http.StatusOK, 0, views.Form{})
}

func (h *Handlers) adminNodesPage(c echo.Context, status int, refused int64, form views.Form) error {
	p, _ := PrincipalOf(c)
	f, keep := listQuery(c, services.NodeSorts.Sortable)
	nodes, total, err := h.Staff.FindNodes(c.Request().Context(), p, f)
	if err != nil {
		return err
	}
	v := views.AdminNodesView{CanManage: p.RequireStaff(services.StaffManage) == nil, Refused: refused, RefusedForm: form,
		Q: f.Q, Pager: listPager("/admin/nodes", f, keep, total), Sort: listSorting("/admin/nodes", f, keep)}
	if v.CanManage {
		if v.AddForm, err = h.nodeAddForm(c); err != nil {
			return err
		}
		if refused == views.NodeAddRefused {
			v.AddForm.Form = form
		}
	}
	for _, n := range nodes {
		v.Rows = append(v.Rows, views.AdminNodeRow{ID: n.ID, Name: n.Name, Region: n.Region, URI: n.URI, Up: n.Up, Draining: n.Draining,
			Error: n.Error, Accel: n.VirtType, Reason: n.VirtReason, VCPUs: n.VCPUs, MemoryMB: n.MemoryMB, DiskGB: n.DiskGB,
			UsedVCPUs: n.UsedVCPUs, UsedMemoryMB: n.UsedMemoryMB, UsedDiskGB: n.UsedDiskGB, VMs: n.VMs,
			Maintenance: n.Maintenance.On, Until: n.Maintenance.Until, MaintenanceReason: n.Maintenance.Reason})
	}
	return render(c, status, views.AdminNodesPage(h.shell(c, "admin.nodes.title", "admin-nodes"), v))
}

// AdminNodeMaintenance turns a node's maintenance on (with an end some hours
// ahead and a reason) or off, back on the Nodes page.
func (h *Handlers) AdminNodeMaintenance(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return services.NotFound()
	}
	in := services.MaintenanceInput{On: c.FormValue("on") != "0", Reason: c.FormValue("reason")}
	if hours := strings.TrimSpace(digitsValue(c, "hours")); hours != "" && in.On {
		n, perr := strconv.Atoi(hours)
		if perr != nil || n < 1 || n > 720 {
			err = services.Invalid(map[string]string{"hours": "admin.nodes.hours_invalid"})
		} else {
			in.Until = time.Now().Add(time.Duration(n) * time.Hour).Truncate(time.Minute)
		}
	}
	if err == nil {
		_, err = h.Staff.SetNodeMaintenance(c.Request().Context(), p, id, in)
	}
	if err != nil {
		f, status, ferr := formFor(c, err, formValues(c, "hours", "reason"))
		if ferr != nil {
			return ferr
		}
		return h.adminNodesPage(c, status, id, f)
	}
	if in.On {
		h.flash(c, "admin.nodes.maintenance_on_done")
	} else {
		h.flash(c, "admin.nodes.maintenance_off_done")
	}
	return redirect(c, "/admin/nodes")
}

type apiMaintenance struct {
	On     bool   `json:"on"`
	Until  string `json:"until,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// APIAdminNodeMaintenance is POST /api/v1/admin/nodes/{id}/maintenance:
// {"on": true, "until": RFC 3339 (optional), "reason": "…"}; answers the
// node's maintenance as it now is.
func (h *Handlers) APIAdminNodeMaintenance(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return services.NotFound()
	}
	var body apiMaintenance
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	in := services.MaintenanceInput{On: body.On, Reason: body.Reason}
	if body.Until != "" {
		if in.Until, err = time.Parse(time.RFC3339, body.Until); err != nil {
			return services.Invalid(map[string]string{"until": "admin.nodes.until_past"})
		}
	}
	m, err := h.Staff.SetNodeMaintenance(c.Request().Context(), p, id, in)
	if err != nil {
		return err
	}
	out := apiMaintenance{On: m.On, Reason: m.Reason}
	if !m.Until.IsZero() {
		out.Until = rfc3339(m.Until)
	}
	return c.JSON(http.StatusOK, out)
}
