package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
	"abrak/vmstatus"
)

// staffOrderFilter reads the operator's order search from the query.
func staffOrderFilter(c echo.Context) (services.StaffOrderFilter, url.Values) {
	q, keep := listQuery(c, services.OrderSortable, "state")
	return services.StaffOrderFilter{Q: q.Q, State: c.QueryParam("state"), Sort: q.Sort, Desc: q.Desc, Limit: q.Limit, Offset: q.Offset}, keep
}

// AdminOrders is the orders that need the operator.
func (h *Handlers) AdminOrders(c echo.Context) error {
	return h.adminOrdersPage(c, http.StatusOK, "", views.Form{})
}

func (h *Handlers) adminOrdersPage(c echo.Context, status int, refused string, form views.Form) error {
	p, _ := PrincipalOf(c)
	f, keep := staffOrderFilter(c)
	rows, total, err := h.Staff.Orders(c.Request().Context(), p, f)
	if err != nil {
		return err
	}
	v := views.AdminOrdersView{Q: f.Q, State: f.State, States: services.OrderStates, CanAct: p.RequireStaff(services.StaffAct) == nil,
		Refused: refused, RefusedForm: form, Pager: views.Pager{Total: total, Limit: f.Limit, Offset: f.Offset, Path: "/admin/orders", Query: keep},
		Sort: views.Sorting{Path: "/admin/orders", Col: f.Sort, Desc: f.Desc, Keep: keep}}
	for _, o := range rows {
		v.Rows = append(v.Rows, views.AdminOrderRow{State: o.State, VMUUID: o.VMUUID, VMName: o.VMName, Plan: o.Plan, Region: o.Region,
			OwnerID: o.OwnerID, OwnerEmail: o.OwnerEmail, AmountRials: o.AmountRials, Attempts: o.Attempts, Failures: o.Failures,
			LastError: o.LastError, Since: o.CreatedAt, LastTry: o.UpdatedAt, Next: o.NextAttemptAt, Building: o.Status == vmstatus.OrderProvisioning})
	}
	return render(c, status, views.AdminOrdersPage(h.shell(c, "admin.orders.title", "admin-orders"), v))
}

// AdminRetryOrder tries a waiting order now.
func (h *Handlers) AdminRetryOrder(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if err := h.Staff.RetryOrder(c.Request().Context(), p, c.Param("uuid")); err != nil {
		return err
	}
	h.flash(c, "admin.orders.retried")
	return redirect(c, "/admin/orders")
}

// AdminCancelOrder cancels a waiting order with a reason and refunds it.
func (h *Handlers) AdminCancelOrder(c echo.Context) error {
	p, _ := PrincipalOf(c)
	uuid := c.Param("uuid")
	if err := h.Staff.CancelOrder(c.Request().Context(), p, uuid, c.FormValue("reason")); err != nil {
		f, status, err := formFor(c, err, formValues(c, "reason"))
		if err != nil {
			return err
		}
		c.QueryParams().Set("q", uuid)
		return h.adminOrdersPage(c, status, uuid, f)
	}
	h.flash(c, "admin.orders.cancelled")
	return redirect(c, "/admin/orders")
}

type apiStaffOrder struct {
	VMUUID        string `json:"vm_uuid"`
	VMName        string `json:"vm_name"`
	State         string `json:"state"`
	Plan          string `json:"plan"`
	Region        string `json:"region"`
	OwnerID       int64  `json:"owner_id"`
	OwnerEmail    string `json:"owner_email"`
	AmountRials   int64  `json:"amount_rials"`
	Attempts      int    `json:"attempts"`
	Failures      int    `json:"failures"`
	LastError     string `json:"last_error"`
	CreatedAt     string `json:"created_at"`
	LastAttemptAt string `json:"last_attempt_at"`
	NextAttemptAt string `json:"next_attempt_at,omitempty"`
}

// APIAdminOrders is GET /api/v1/admin/orders.
func (h *Handlers) APIAdminOrders(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if s := c.QueryParam("sort"); s != "" && !services.OrderSortable(s) {
		return services.Invalid(map[string]string{"sort": "admin.list.bad_sort"})
	}
	f, keep := staffOrderFilter(c)
	rows, total, err := h.Staff.Orders(c.Request().Context(), p, f)
	if err != nil {
		return err
	}
	out := make([]apiStaffOrder, 0, len(rows))
	for _, o := range rows {
		a := apiStaffOrder{VMUUID: o.VMUUID, VMName: o.VMName, State: o.State, Plan: o.Plan, Region: o.Region, OwnerID: o.OwnerID,
			OwnerEmail: o.OwnerEmail, AmountRials: o.AmountRials, Attempts: o.Attempts, Failures: o.Failures, LastError: o.LastError,
			CreatedAt: rfc3339(o.CreatedAt), LastAttemptAt: rfc3339(o.UpdatedAt)}
		if o.State != services.OrderGaveUp {
			a.NextAttemptAt = rfc3339(o.NextAttemptAt)
		}
		out = append(out, a)
	}
	setPageLinks(c, keep, total, f.Limit, f.Offset)
	return c.JSON(http.StatusOK, map[string]any{"orders": out, "meta": map[string]int{"total": total, "limit": f.Limit, "offset": f.Offset}})
}

// APIAdminRetryOrder is POST /api/v1/admin/orders/{uuid}/retry.
func (h *Handlers) APIAdminRetryOrder(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if err := h.Staff.RetryOrder(c.Request().Context(), p, c.Param("uuid")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIAdminCancelOrder is POST /api/v1/admin/orders/{uuid}/cancel.
func (h *Handlers) APIAdminCancelOrder(c echo.Context) error {
	p, _ := PrincipalOf(c)
	var in apiReason
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := h.Staff.CancelOrder(c.Request().Context(), p, c.Param("uuid"), in.Reason); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
