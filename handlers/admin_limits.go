package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// supportLimitsView is the Settings page's section on support's limits;
// refused is the form sent back with its errors (nil: the limits as they are).
func (h *Handlers) supportLimitsView(c echo.Context, p services.Principal, refused *views.Form) (views.SupportLimitsView, error) {
	l, err := h.Staff.SupportLimits(c.Request().Context(), p)
	if err != nil {
		return views.SupportLimitsView{}, err
	}
	v := views.SupportLimitsView{CanManage: p.RequireAdmin() == nil, PerAct: l.PerActToman, PerDay: l.PerDayToman,
		Form: views.Form{Values: map[string]string{"per_act_toman": strconv.FormatInt(l.PerActToman, 10), "per_day_toman": strconv.FormatInt(l.PerDayToman, 10)}}}
	if refused != nil {
		v.Form = *refused
	}
	return v, nil
}

// AdminSetSupportLimits saves the limits form of the Settings page.
func (h *Handlers) AdminSetSupportLimits(c echo.Context) error {
	p, _ := PrincipalOf(c)
	var in services.SupportLimits
	for name, to := range map[string]*int64{"per_act_toman": &in.PerActToman, "per_day_toman": &in.PerDayToman} {
		n, err := strconv.ParseInt(digitsValue(c, name), 10, 64)
		if err != nil {
			n = -1 // refused by the service, after it asks who acts, naming the field
		}
		*to = n
	}
	_, err := h.Staff.SetSupportLimits(c.Request().Context(), p, in)
	if err != nil {
		f, status, ferr := formFor(c, err, formValues(c, "per_act_toman", "per_day_toman"))
		if ferr != nil {
			return ferr
		}
		return h.adminSettingsPageWith(c, status, nil, &f)
	}
	h.flash(c, "admin.limits.saved")
	return redirect(c, "/admin/settings")
}

type apiSupportLimits struct {
	PerActToman int64 `json:"per_act_toman"`
	PerDayToman int64 `json:"per_day_toman"`
}

type apiSupportLimitsInput struct {
	PerActToman *int64 `json:"per_act_toman"`
	PerDayToman *int64 `json:"per_day_toman"`
}

// APIAdminSetSupportLimits is PATCH /api/v1/admin/support-limits: the
// figures given change (toman; 0 forbids support to move money).
func (h *Handlers) APIAdminSetSupportLimits(c echo.Context) error {
	p, _ := PrincipalOf(c)
	var in apiSupportLimitsInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	l, err := h.Staff.SupportLimits(ctx, p)
	if err != nil {
		return err
	}
	if in.PerActToman != nil {
		l.PerActToman = *in.PerActToman
	}
	if in.PerDayToman != nil {
		l.PerDayToman = *in.PerDayToman
	}
	if l, err = h.Staff.SetSupportLimits(ctx, p, l); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiSupportLimits{PerActToman: l.PerActToman, PerDayToman: l.PerDayToman})
}

// creditAllowance is what support's limits leave it, shown above the credit
// form (nil for an admin).
func (h *Handlers) creditAllowance(c echo.Context, p services.Principal) (*views.CreditAllowance, error) {
	a, err := h.Staff.CreditAllowance(c.Request().Context(), p)
	if err != nil || !a.Limited {
		return nil, err
	}
	return &views.CreditAllowance{PerAct: a.PerActToman, LeftToday: a.LeftTodayToman}, nil
}
