package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
	"abrak/views/i18n"
)

// StaffDoor guards the operator's pages: a customer (or a visitor) gets the
// 404 any unknown page gets, so the door is not revealed; a staff member
// without two-factor sign-in is sent to set it up first. What each page may
// do is still the services' rule (Principal.RequireStaff).
func (h *Handlers) StaffDoor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, ok := PrincipalOf(c)
		if !ok || !p.IsStaff() {
			return services.NotFound()
		}
		if !p.TwoFactor {
			h.flash(c, "admin.needs_two_factor")
			return c.Redirect(http.StatusSeeOther, "/account#two-factor")
		}
		return next(c)
	}
}

// AdminOverview is the operator's first page.
func (h *Handlers) AdminOverview(c echo.Context) error {
	p, _ := PrincipalOf(c)
	l := LocaleOf(c)
	o, err := h.Staff.Overview(c.Request().Context(), p, time.Now(), l == i18n.FA)
	if err != nil {
		return err
	}
	v := views.AdminOverviewView{NodesUp: o.NodesUp, NodesDown: o.NodesDown, OrdersWaiting: o.OrdersWaiting, OrdersFailing: o.OrdersFailing,
		RevenueToday: o.RevenueToday, RevenueMonth: o.RevenueMonth, Month: i18n.MonthName(l, o.Month.Year, o.Month.Number, o.Month.Jalali),
		WalletsLow: o.WalletsLow, MailFailed: o.MailFailed, TemplatesNotReady: o.TemplatesNotReady, PoolsNearFull: o.PoolsNearFull,
		InMaintenance: o.InMaintenance}
	for _, n := range o.Nodes {
		v.Nodes = append(v.Nodes, views.AdminNode{Name: n.Name, Region: n.Region, Up: n.Up, Error: n.Error, Accel: n.VirtType, Reason: n.VirtReason, Draining: n.Draining})
	}
	for _, st := range o.VMsByStatus {
		v.VMs = append(v.VMs, views.AdminCount{Key: st.Status, Count: st.Count})
	}
	return render(c, http.StatusOK, views.AdminOverviewPage(h.shell(c, "admin.overview.title", "admin-overview"), v))
}
