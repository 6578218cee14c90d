package handlers

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
	"abrak/vmstatus"
)

// staffVMFilter reads the operator's VM search from the query.
func staffVMFilter(c echo.Context) (services.StaffVMFilter, url.Values, error) {
	limit, offset := paging(c, 50, 200)
	f := services.StaffVMFilter{Q: c.QueryParam("q"), Status: c.QueryParam("status"), Locked: c.QueryParam("locked") == "1" || c.QueryParam("locked") == "true",
		Sort: c.QueryParam("sort"), Desc: c.QueryParam("desc") == "1" || c.QueryParam("desc") == "true", Limit: limit, Offset: offset}
	if !services.VMSortable(f.Sort) {
		f.Sort, f.Desc = "", false
	}
	if f.Status != "" && !vmstatus.Valid(f.Status) {
		return f, nil, services.Invalid(map[string]string{"status": "vm.status_invalid"})
	}
	keep := url.Values{}
	for _, k := range []string{"q", "status", "locked"} {
		if v := c.QueryParam(k); v != "" {
			keep.Set(k, v)
		}
	}
	if f.Sort != "" {
		keep.Set("sort", f.Sort)
	}
	if f.Desc {
		keep.Set("desc", "1")
	}
	return f, keep, nil
}

// AdminVMs is every customer's VMs for the operator.
func (h *Handlers) AdminVMs(c echo.Context) error {
	return h.adminVMsPage(c, http.StatusOK, "", views.Form{})
}

func (h *Handlers) adminVMsPage(c echo.Context, status int, refused string, form views.Form) error {
	p, _ := PrincipalOf(c)
	f, keep, err := staffVMFilter(c)
	if err != nil {
		return err
	}
	rows, total, err := h.Staff.VMs(c.Request().Context(), p, f)
	if err != nil {
		return err
	}
	v := views.AdminVMsView{Q: f.Q, Status: f.Status, Locked: f.Locked, CanAct: p.RequireStaff(services.StaffAct) == nil, Refused: refused, RefusedForm: form,
		Pager: views.Pager{Total: total, Limit: f.Limit, Offset: f.Offset, Path: "/admin/vms", Query: keep},
		Sort:  views.Sorting{Path: "/admin/vms", Col: f.Sort, Desc: f.Desc, Keep: keep}}
	for _, st := range vmstatus.All {
		if st != vmstatus.Destroyed {
			v.Statuses = append(v.Statuses, string(st))
		}
	}
	v.Power = map[string][]string{}
	for _, r := range rows {
		v.Rows = append(v.Rows, views.AdminVMRow(r))
		if v.CanAct {
			for _, a := range vmstatus.Status(r.Status).Actions() {
				if slices.Contains(services.StaffPowerActions, a) {
					v.Power[r.UUID] = append(v.Power[r.UUID], string(a))
				}
			}
		}
	}
	return render(c, status, views.AdminVMsPage(h.shell(c, "admin.vms.title", "admin-vms"), v))
}

// AdminLockVM locks a customer's VM with a reason, back on the list narrowed to it.
func (h *Handlers) AdminLockVM(c echo.Context) error {
	p, _ := PrincipalOf(c)
	uuid := c.Param("uuid")
	if err := h.Staff.LockVM(c.Request().Context(), p, uuid, c.FormValue("reason")); err != nil {
		f, status, err := formFor(c, err, formValues(c, "reason"))
		if err != nil {
			return err
		}
		c.QueryParams().Set("q", uuid)
		return h.adminVMsPage(c, status, uuid, f)
	}
	h.flash(c, "admin.vms.locked_done")
	return redirect(c, "/admin/vms?q="+url.QueryEscape(uuid))
}

// AdminUnlockVM lifts the operator's lock.
func (h *Handlers) AdminUnlockVM(c echo.Context) error {
	p, _ := PrincipalOf(c)
	uuid := c.Param("uuid")
	if err := h.Staff.UnlockVM(c.Request().Context(), p, uuid); err != nil {
		return err
	}
	h.flash(c, "admin.vms.unlocked_done")
	return redirect(c, "/admin/vms?q="+url.QueryEscape(uuid))
}

type apiStaffVM struct {
	UUID       string `json:"uuid"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	Plan       string `json:"plan"`
	Region     string `json:"region"`
	IP         string `json:"ip"`
	Node       string `json:"node"`
	OwnerID    int64  `json:"owner_id"`
	OwnerEmail string `json:"owner_email"`
	LockReason string `json:"lock_reason"`
	CreatedAt  string `json:"created_at"`
}

// APIAdminVMs is GET /api/v1/admin/vms.
func (h *Handlers) APIAdminVMs(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if s := c.QueryParam("sort"); s != "" && !services.VMSortable(s) {
		return services.Invalid(map[string]string{"sort": "admin.list.bad_sort"})
	}
	f, keep, err := staffVMFilter(c)
	if err != nil {
		return err
	}
	rows, total, err := h.Staff.VMs(c.Request().Context(), p, f)
	if err != nil {
		return err
	}
	out := make([]apiStaffVM, 0, len(rows))
	for _, r := range rows {
		out = append(out, apiStaffVM{UUID: r.UUID, Name: r.Name, Status: r.Status, Plan: r.Plan, Region: r.Region, IP: r.IP, Node: r.Node,
			OwnerID: r.OwnerID, OwnerEmail: r.OwnerEmail, LockReason: r.LockReason, CreatedAt: rfc3339(r.CreatedAt)})
	}
	setPageLinks(c, keep, total, f.Limit, f.Offset)
	return c.JSON(http.StatusOK, map[string]any{"vms": out, "meta": map[string]int{"total": total, "limit": f.Limit, "offset": f.Offset}})
}

// APIAdminLockVM is POST /api/v1/admin/vms/{uuid}/lock.
func (h *Handlers) APIAdminLockVM(c echo.Context) error {
	p, _ := PrincipalOf(c)
	var in apiReason
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := h.Staff.LockVM(c.Request().Context(), p, c.Param("uuid"), in.Reason); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIAdminUnlockVM is POST /api/v1/admin/vms/{uuid}/unlock.
func (h *Handlers) APIAdminUnlockVM(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if err := h.Staff.UnlockVM(c.Request().Context(), p, c.Param("uuid")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
