package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// AdminPlans is the operator's Plans page.
func (h *Handlers) AdminPlans(c echo.Context) error {
	return h.adminPlansPage(c, http.StatusOK, "", views.Form{}, views.Form{})
}

func (h *Handlers) adminPlansPage(c echo.Context, status int, refused string, form, create views.Form) error {
	p, _ := PrincipalOf(c)
	q, keep := listQuery(c, services.PlanSorts.Sortable)
	plans, total, err := h.Staff.FindPlans(c.Request().Context(), p, q)
	if err != nil {
		return err
	}
	v := views.AdminPlansView{List: views.List{Q: q.Q, Sort: listSorting("/admin/plans", q, keep), Pager: listPager("/admin/plans", q, keep, total)}, CanManage: p.RequireStaff(services.StaffManage) == nil, Refused: refused, RefusedForm: form, New: create}
	for _, pl := range plans {
		v.Rows = append(v.Rows, views.AdminPlanRow{Slug: pl.Slug, NameFA: pl.NameFA, NameEN: pl.NameEN, VCPUs: pl.VCPUs, MemoryMB: pl.MemoryMB,
			DiskGB: pl.DiskGB, TrafficGB: pl.TrafficGB, PriceHourlyRials: pl.PriceHourlyRials, Active: pl.Active, VMs: pl.VMs})
	}
	return render(c, status, views.AdminPlansPage(h.shell(c, "admin.plans.title", "admin-plans"), v))
}

// tomanField reads a whole number of toman from a form field (Persian digits
// too) as rials; a number that is not one becomes -1, which the service refuses.
func tomanField(c echo.Context, name string) int64 {
	n, err := strconv.ParseInt(digitsValue(c, name), 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return -1
	}
	return n * rialsPerToman
}

// wholeField reads a whole number from a form field; anything else is -1.
func wholeField(c echo.Context, name string) int {
	n, err := strconv.Atoi(digitsValue(c, name))
	if err != nil {
		return -1
	}
	return n
}

// pageFields names the service's price field as the page's form does (toman).
func pageFields(err error) error {
	e := services.AsError(err)
	if k, ok := e.Fields["price_hourly_rials"]; ok {
		fields := map[string]string{"price": k}
		for n, v := range e.Fields {
			if n != "price_hourly_rials" {
				fields[n] = v
			}
		}
		copied := *e
		copied.Fields = fields
		return &copied
	}
	return err
}

// AdminCreatePlan adds a plan from the page's form.
func (h *Handlers) AdminCreatePlan(c echo.Context) error {
	p, _ := PrincipalOf(c)
	in := services.PlanInput{Slug: c.FormValue("slug"), NameFA: c.FormValue("name_fa"), NameEN: c.FormValue("name_en"),
		VCPUs: wholeField(c, "vcpus"), MemoryMB: wholeField(c, "memory_mb"), DiskGB: wholeField(c, "disk_gb"),
		PriceHourlyRials: tomanField(c, "price")}
	if t := digitsValue(c, "traffic_gb"); t != "" {
		in.TrafficGB = wholeField(c, "traffic_gb")
	}
	if _, err := h.Staff.CreatePlan(c.Request().Context(), p, in); err != nil {
		f, status, ferr := formFor(c, pageFields(err), formValues(c, "slug", "name_fa", "name_en", "vcpus", "memory_mb", "disk_gb", "traffic_gb", "price"))
		if ferr != nil {
			return ferr
		}
		return h.adminPlansPage(c, status, "", views.Form{}, f)
	}
	h.flash(c, "admin.plans.created")
	return redirect(c, "/admin/plans")
}

// AdminEditPlan renames and reprices a plan from its row's form.
func (h *Handlers) AdminEditPlan(c echo.Context) error {
	p, _ := PrincipalOf(c)
	slug := c.Param("slug")
	in := services.PlanInput{NameFA: c.FormValue("name_fa"), NameEN: c.FormValue("name_en"), PriceHourlyRials: tomanField(c, "price")}
	if _, err := h.Staff.EditPlan(c.Request().Context(), p, slug, in); err != nil {
		f, status, ferr := formFor(c, pageFields(err), formValues(c, "name_fa", "name_en", "price"))
		if ferr != nil {
			return ferr
		}
		return h.adminPlansPage(c, status, slug, f, views.Form{})
	}
	h.flash(c, "admin.plans.saved")
	return redirect(c, "/admin/plans")
}

// AdminDisablePlan stops offering a plan to new orders; AdminEnablePlan offers it again.
func (h *Handlers) AdminDisablePlan(c echo.Context) error { return h.adminSetPlanActive(c, false) }
func (h *Handlers) AdminEnablePlan(c echo.Context) error  { return h.adminSetPlanActive(c, true) }

func (h *Handlers) adminSetPlanActive(c echo.Context, active bool) error {
	p, _ := PrincipalOf(c)
	if _, err := h.Staff.SetPlanActive(c.Request().Context(), p, c.Param("slug"), active); err != nil {
		return err
	}
	if active {
		h.flash(c, "admin.plans.enabled")
	} else {
		h.flash(c, "admin.plans.disabled")
	}
	return redirect(c, "/admin/plans")
}

// apiAdminPlan is a plan as the admin API answers it.
type apiAdminPlan struct {
	Slug         string `json:"slug"`
	NameFA       string `json:"name_fa"`
	NameEN       string `json:"name_en"`
	VCPUs        int    `json:"vcpus"`
	MemoryMB     int    `json:"memory_mb"`
	DiskGB       int    `json:"disk_gb"`
	TrafficGB    int    `json:"traffic_gb"`
	PriceHourly  int64  `json:"price_hourly_rials"`
	PriceMonthly int64  `json:"price_monthly_rials"`
	Active       bool   `json:"active"`
	VMs          int    `json:"vms"`
}

func adminPlanJSON(p services.StaffPlan) apiAdminPlan {
	return apiAdminPlan{Slug: p.Slug, NameFA: p.NameFA, NameEN: p.NameEN, VCPUs: p.VCPUs, MemoryMB: p.MemoryMB, DiskGB: p.DiskGB,
		TrafficGB: p.TrafficGB, PriceHourly: p.PriceHourlyRials, PriceMonthly: p.PriceHourlyRials * hoursPerMonth, Active: p.Active, VMs: p.VMs}
}

// APIAdminPlans is GET /api/v1/admin/plans: every plan, disabled ones too.
func (h *Handlers) APIAdminPlans(c echo.Context) error {
	p, _ := PrincipalOf(c)
	q, keep, err := apiListQuery(c, services.PlanSorts.Sortable)
	if err != nil {
		return err
	}
	plans, total, err := h.Staff.FindPlans(c.Request().Context(), p, q)
	if err != nil {
		return err
	}
	setPageLinks(c, keep, total, q.Limit, q.Offset)
	out := make([]apiAdminPlan, 0, len(plans))
	for _, pl := range plans {
		out = append(out, adminPlanJSON(pl))
	}
	return c.JSON(http.StatusOK, map[string]any{"plans": out, "meta": listMeta(q, total)})
}

type apiNewPlan struct {
	Slug        string `json:"slug"`
	NameFA      string `json:"name_fa"`
	NameEN      string `json:"name_en"`
	VCPUs       int    `json:"vcpus"`
	MemoryMB    int    `json:"memory_mb"`
	DiskGB      int    `json:"disk_gb"`
	TrafficGB   int    `json:"traffic_gb"`
	PriceHourly int64  `json:"price_hourly_rials"`
}

// APIAdminCreatePlan is POST /api/v1/admin/plans.
func (h *Handlers) APIAdminCreatePlan(c echo.Context) error {
	p, _ := PrincipalOf(c)
	var body apiNewPlan
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	pl, err := h.Staff.CreatePlan(c.Request().Context(), p, services.PlanInput{Slug: body.Slug, NameFA: body.NameFA, NameEN: body.NameEN,
		VCPUs: body.VCPUs, MemoryMB: body.MemoryMB, DiskGB: body.DiskGB, TrafficGB: body.TrafficGB, PriceHourlyRials: body.PriceHourly})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, adminPlanJSON(pl))
}

type apiPlanChange struct {
	NameFA      *string `json:"name_fa"`
	NameEN      *string `json:"name_en"`
	PriceHourly *int64  `json:"price_hourly_rials"`
	Active      *bool   `json:"active"`
}

// APIAdminUpdatePlan is PATCH /api/v1/admin/plans/{slug}: new names, a new
// price, active or not; what is left out stays.
func (h *Handlers) APIAdminUpdatePlan(c echo.Context) error {
	p, _ := PrincipalOf(c)
	ctx := c.Request().Context()
	// Refused before the body is read: support's PATCH that would change
	// nothing is still not support's to send.
	if err := p.RequireStaff(services.StaffManage); err != nil {
		return err
	}
	var body apiPlanChange
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	pl, err := h.Staff.Plan(ctx, p, c.Param("slug"))
	if err != nil {
		return err
	}
	if body.NameFA != nil || body.NameEN != nil || body.PriceHourly != nil {
		in := services.PlanInput{NameFA: pl.NameFA, NameEN: pl.NameEN, PriceHourlyRials: pl.PriceHourlyRials}
		if body.NameFA != nil {
			in.NameFA = *body.NameFA
		}
		if body.NameEN != nil {
			in.NameEN = *body.NameEN
		}
		if body.PriceHourly != nil {
			in.PriceHourlyRials = *body.PriceHourly
		}
		if pl, err = h.Staff.EditPlan(ctx, p, pl.Slug, in); err != nil {
			return err
		}
	}
	if body.Active != nil && *body.Active != pl.Active {
		if pl, err = h.Staff.SetPlanActive(ctx, p, pl.Slug, *body.Active); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, adminPlanJSON(pl))
}
