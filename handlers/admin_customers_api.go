package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"abrak/services"
)

// The admin JSON door's customers (/api/v1/admin/customers…): the same
// services as the operator's pages, for an admin's token with the admin scope.

type apiCustomer struct {
	ID            int64  `json:"id"`
	Email         string `json:"email"`
	Name          string `json:"name"`
	Team          bool   `json:"team"`
	BalanceRials  int64  `json:"balance_rials"`
	BurnRials     int64  `json:"burn_rials_per_hour"`
	VMs           int    `json:"vm_count"`
	StaffRole     string `json:"staff_role"`
	TwoFactor     bool   `json:"two_factor"`
	EmailVerified bool   `json:"email_verified"`
	Suspended     bool   `json:"suspended"`
	SuspendReason string `json:"suspend_reason"`
	CreatedAt     string `json:"created_at"`
}

func customerJSON(c services.Customer) apiCustomer {
	return apiCustomer{ID: c.ID, Email: c.Email, Name: c.Name, Team: c.Team, BalanceRials: c.BalanceRials, BurnRials: c.BurnRials, VMs: c.VMs,
		StaffRole: c.StaffRole, TwoFactor: c.TwoFactor, EmailVerified: c.EmailVerified, Suspended: c.Suspended, SuspendReason: c.SuspendReason,
		CreatedAt: rfc3339(c.CreatedAt)}
}

type apiCustomerVM struct {
	UUID   string `json:"uuid"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Plan   string `json:"plan"`
	Region string `json:"region"`
	IP     string `json:"ip"`
	Node   string `json:"node"`
}

type apiLedgerEntry struct {
	AmountRials  int64  `json:"amount_rials"`
	BalanceAfter int64  `json:"balance_after_rials"`
	Kind         string `json:"kind"`
	Ref          string `json:"ref"`
	CreatedAt    string `json:"created_at"`
}

type apiTokenInfo struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Prefix    string   `json:"prefix"`
	Scopes    []string `json:"scopes"`
	CreatedAt string   `json:"created_at"`
	LastUsed  string   `json:"last_used_at"`
	Expired   bool     `json:"expired"`
}

type apiCustomerFile struct {
	apiCustomer
	Sessions int              `json:"open_sessions"`
	VMList   []apiCustomerVM  `json:"vms"`
	Ledger   []apiLedgerEntry `json:"ledger"`
	Tokens   []apiTokenInfo   `json:"tokens"`
}

// APIAdminCustomers is GET /api/v1/admin/customers.
func (h *Handlers) APIAdminCustomers(c echo.Context) error {
	p, _ := PrincipalOf(c)
	limit, offset := paging(c, 50, 200)
	f := services.CustomerFilter{Q: c.QueryParam("q"), Sort: c.QueryParam("sort"), Desc: c.QueryParam("desc") == "true" || c.QueryParam("desc") == "1",
		Limit: limit, Offset: offset}
	if f.Sort != "" && !services.CustomerSortable(f.Sort) {
		return services.Invalid(map[string]string{"sort": "admin.customers.bad_sort"})
	}
	rows, total, err := h.Staff.Customers(c.Request().Context(), p, f)
	if err != nil {
		return err
	}
	out := make([]apiCustomer, 0, len(rows))
	for _, r := range rows {
		out = append(out, customerJSON(r))
	}
	keep := url.Values{}
	for _, k := range []string{"q", "sort", "desc"} {
		if v := c.QueryParam(k); v != "" {
			keep.Set(k, v)
		}
	}
	setPageLinks(c, keep, total, limit, offset)
	return c.JSON(http.StatusOK, map[string]any{"customers": out, "meta": map[string]int{"total": total, "limit": limit, "offset": offset}})
}

// APIAdminCustomer is GET /api/v1/admin/customers/{id}.
func (h *Handlers) APIAdminCustomer(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	f, err := h.Staff.CustomerFile(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	body := apiCustomerFile{apiCustomer: customerJSON(f.Customer), Sessions: f.Sessions,
		VMList: []apiCustomerVM{}, Ledger: []apiLedgerEntry{}, Tokens: []apiTokenInfo{}}
	for _, v := range f.VMs {
		body.VMList = append(body.VMList, apiCustomerVM{UUID: v.UUID, Name: v.Name, Status: v.Status, Plan: v.Plan, Region: v.Region, IP: v.IP, Node: v.Node})
	}
	for _, e := range f.Ledger {
		body.Ledger = append(body.Ledger, apiLedgerEntry{AmountRials: e.AmountRials, BalanceAfter: e.BalanceAfter, Kind: e.Kind, Ref: e.Ref, CreatedAt: rfc3339(e.CreatedAt)})
	}
	for _, k := range f.Tokens {
		t := apiTokenInfo{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, CreatedAt: rfc3339(k.CreatedAt), Expired: k.Expired}
		if !k.LastUsedAt.IsZero() {
			t.LastUsed = rfc3339(k.LastUsedAt)
		}
		body.Tokens = append(body.Tokens, t)
	}
	return c.JSON(http.StatusOK, map[string]apiCustomerFile{"customer": body})
}

type apiCredit struct {
	AmountRials int64  `json:"amount_rials"`
	Reason      string `json:"reason"`
}

// APIAdminCredit is POST /api/v1/admin/customers/{id}/credit: a signed
// amount, a reason, and the Idempotency-Key header (required) that makes a
// retried request move money once.
func (h *Handlers) APIAdminCredit(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in apiCredit
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	after, err := h.Staff.Credit(c.Request().Context(), p, id, services.CreditInput{Rials: in.AmountRials, Reason: in.Reason,
		Key: c.Request().Header.Get("Idempotency-Key")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int64{"balance_rials": after})
}

type apiReason struct {
	Reason string `json:"reason"`
}

// apiAccountAction answers an account action of the admin door with 204.
func (h *Handlers) apiAccountAction(c echo.Context, withReason bool, do func(p services.Principal, id int64, reason string) error) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in apiReason
	if withReason {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	if err := do(p, id, in.Reason); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIAdminSuspend is POST /api/v1/admin/customers/{id}/suspend.
func (h *Handlers) APIAdminSuspend(c echo.Context) error {
	return h.apiAccountAction(c, true, func(p services.Principal, id int64, reason string) error {
		return h.Staff.Suspend(c.Request().Context(), p, id, reason)
	})
}

// APIAdminUnsuspend is POST /api/v1/admin/customers/{id}/unsuspend.
func (h *Handlers) APIAdminUnsuspend(c echo.Context) error {
	return h.apiAccountAction(c, false, func(p services.Principal, id int64, _ string) error {
		return h.Staff.Unsuspend(c.Request().Context(), p, id)
	})
}

// APIAdminResetTwoFactor is POST /api/v1/admin/customers/{id}/reset-2fa.
func (h *Handlers) APIAdminResetTwoFactor(c echo.Context) error {
	return h.apiAccountAction(c, true, func(p services.Principal, id int64, reason string) error {
		return h.Staff.ResetTwoFactor(c.Request().Context(), p, id, reason)
	})
}

// APIAdminResendVerification is POST /api/v1/admin/customers/{id}/resend-verification.
func (h *Handlers) APIAdminResendVerification(c echo.Context) error {
	return h.apiAccountAction(c, false, func(p services.Principal, id int64, _ string) error {
		return h.Staff.ResendVerification(c.Request().Context(), p, id)
	})
}
