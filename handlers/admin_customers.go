package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// AdminCustomers is the operator's customer list: search, sort, pages.
func (h *Handlers) AdminCustomers(c echo.Context) error {
	p, _ := PrincipalOf(c)
	limit, offset := paging(c, 50, 200)
	f := services.CustomerFilter{Q: c.QueryParam("q"), Sort: c.QueryParam("sort"), Desc: c.QueryParam("desc") == "1", Limit: limit, Offset: offset}
	if !services.CustomerSortable(f.Sort) {
		f.Sort = ""
	}
	rows, total, err := h.Staff.Customers(c.Request().Context(), p, f)
	if err != nil {
		return err
	}
	v := views.AdminCustomersView{Q: f.Q, Sort: f.Sort, Desc: f.Desc,
		Pager: views.Pager{Total: total, Limit: limit, Offset: offset, Path: "/admin/customers", Query: url.Values{}}}
	for k, key := range map[string]string{"q": f.Q, "sort": f.Sort} {
		if key != "" {
			v.Pager.Query.Set(k, key)
		}
	}
	if f.Desc {
		v.Pager.Query.Set("desc", "1")
	}
	for _, r := range rows {
		v.Rows = append(v.Rows, customerRow(r))
	}
	return render(c, http.StatusOK, views.AdminCustomersPage(h.shell(c, "admin.customers.title", "admin-customers"), v))
}

func customerRow(r services.Customer) views.AdminCustomerRow {
	return views.AdminCustomerRow{ID: r.ID, Email: r.Email, Name: r.Name, Team: r.Team, BalanceRials: r.BalanceRials, VMs: r.VMs,
		StaffRole: r.StaffRole, TwoFactor: r.TwoFactor, EmailVerified: r.EmailVerified, CreatedAt: r.CreatedAt, Closed: !r.ClosedAt.IsZero()}
}

// AdminCustomer is a customer's page for the operator.
func (h *Handlers) AdminCustomer(c echo.Context) error {
	return h.adminCustomerPage(c, http.StatusOK, views.Form{})
}

// adminCustomerPage draws a customer's page; credit is the credit form as
// sent back, refused the account action's form refused.
func (h *Handlers) adminCustomerPage(c echo.Context, status int, credit views.Form, refused ...any) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	f, err := h.Staff.CustomerFile(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	v := views.AdminCustomerView{Customer: customerRow(f.Customer), Sessions: f.Sessions, Credit: credit,
		CanAct: p.RequireStaff(services.StaffAct) == nil, CanManage: p.RequireStaff(services.StaffManage) == nil, Suspended: f.Suspended, SuspendReason: f.SuspendReason}
	if len(refused) == 2 {
		v.Refused, v.RefusedForm = refused[0].(string), refused[1].(views.Form)
	}
	// The credit form's key: a refused form keeps its own (nothing moved
	// under it), a new page gets a new one.
	if v.CreditKey = credit.V("key"); v.CreditKey == "" {
		v.CreditKey = formKey()
	}
	if v.CanAct {
		if v.Allowance, err = h.creditAllowance(c, p); err != nil {
			return err
		}
	}
	for _, vm := range f.VMs {
		v.VMs = append(v.VMs, views.AdminCustomerVM(vm))
	}
	for _, e := range f.Ledger {
		v.Ledger = append(v.Ledger, views.LedgerRow{Kind: e.Kind, Ref: e.Ref, AmountRials: e.AmountRials, BalanceAfter: e.BalanceAfter, At: e.CreatedAt})
	}
	for _, e := range f.Activity {
		v.Activity = append(v.Activity, views.ActivityRow{Action: "audit." + e.Action, Severity: e.Severity, Via: e.Via, IP: e.IP, At: e.CreatedAt})
	}
	for _, k := range f.Tokens {
		v.Tokens = append(v.Tokens, views.TokenRow{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt,
			LastUsedAt: k.LastUsedAt, LastUsedIP: k.LastUsedIP, Expired: k.Expired})
	}
	return render(c, status, views.AdminCustomerPage(h.shell(c, "admin.customers.title", "admin-customers"), v))
}

// formKey is a fresh key a form carries so that sending it twice acts once.
func formKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// AdminCredit credits or debits a customer's wallet with a reason, in toman
// as the operator types it.
func (h *Handlers) AdminCredit(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	in := services.CreditInput{Reason: c.FormValue("reason"), Key: c.FormValue("key")}
	if toman, err := strconv.ParseInt(digitsValue(c, "amount"), 10, 64); err == nil && toman > 0 && toman < 1e12 {
		in.Rials = toman * 10
		if c.FormValue("direction") == "debit" {
			in.Rials = -in.Rials
		}
	}
	if _, err := h.Staff.Credit(c.Request().Context(), p, id, in); err != nil {
		f, status, err := formFor(c, err, formValues(c, "amount", "reason", "direction", "key"))
		if err != nil {
			return err
		}
		return h.adminCustomerPage(c, status, f)
	}
	h.flash(c, "admin.credit.done")
	return redirect(c, "/admin/customers/"+strconv.FormatInt(id, 10))
}

// adminAccountAction runs one of the account actions of a customer's page
// and comes back to it with flash, or with the refused form.
func (h *Handlers) adminAccountAction(c echo.Context, name, flash string, do func(p services.Principal, id int64) error) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := do(p, id); err != nil {
		f, status, err := formFor(c, err, formValues(c, "reason"))
		if err != nil {
			e := services.AsError(err)
			if e.Status != http.StatusConflict {
				return err
			}
			f, status = views.Form{Message: e.Key, Args: e.Args}, e.Status
		}
		return h.adminCustomerPage(c, status, views.Form{}, name, f)
	}
	h.flash(c, flash)
	return redirect(c, "/admin/customers/"+strconv.FormatInt(id, 10))
}

// AdminSuspend suspends a customer's account with a reason.
func (h *Handlers) AdminSuspend(c echo.Context) error {
	return h.adminAccountAction(c, "suspend", "admin.suspend.done", func(p services.Principal, id int64) error {
		return h.Staff.Suspend(c.Request().Context(), p, id, c.FormValue("reason"))
	})
}

// AdminUnsuspend lifts a suspension.
func (h *Handlers) AdminUnsuspend(c echo.Context) error {
	return h.adminAccountAction(c, "suspend", "admin.suspend.lifted", func(p services.Principal, id int64) error {
		return h.Staff.Unsuspend(c.Request().Context(), p, id)
	})
}

// AdminResetTwoFactor turns a customer's two-factor sign-in off, with a reason.
func (h *Handlers) AdminResetTwoFactor(c echo.Context) error {
	return h.adminAccountAction(c, "reset-2fa", "admin.totp_reset.done", func(p services.Principal, id int64) error {
		return h.Staff.ResetTwoFactor(c.Request().Context(), p, id, c.FormValue("reason"))
	})
}

// AdminResendVerification sends the customer their confirmation link again.
func (h *Handlers) AdminResendVerification(c echo.Context) error {
	return h.adminAccountAction(c, "resend-verification", "admin.verification.sent", func(p services.Principal, id int64) error {
		return h.Staff.ResendVerification(c.Request().Context(), p, id)
	})
}

// AdminSetRole gives the account a role on the operator's side (an admin only).
func (h *Handlers) AdminSetRole(c echo.Context) error {
	return h.adminAccountAction(c, "role", "admin.role.done", func(p services.Principal, id int64) error {
		_, err := h.Staff.SetRoleOf(c.Request().Context(), p, id, c.FormValue("role"))
		return err
	})
}
