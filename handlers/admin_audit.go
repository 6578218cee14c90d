package handlers

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// auditFilterFields are the audit page's filter fields, kept across pages
// and in the export link.
var auditFilterFields = []string{"actor", "customer", "vm", "severity", "from", "to"}

// auditQuery reads the filter; a malformed date is a field error.
func auditQuery(c echo.Context) (services.AuditQuery, url.Values, error) {
	q := services.AuditQuery{Actor: c.QueryParam("actor"), Customer: c.QueryParam("customer"), VM: c.QueryParam("vm"), Severity: c.QueryParam("severity")}
	keep := url.Values{}
	for _, k := range auditFilterFields {
		if v := c.QueryParam(k); v != "" {
			keep.Set(k, v)
		}
	}
	bad := map[string]string{}
	for name, at := range map[string]*time.Time{"from": &q.From, "to": &q.To} {
		if v := c.QueryParam(name); v != "" {
			t, err := time.Parse("2006-01-02", v)
			if err != nil {
				bad[name] = "admin.audit.bad_date"
				continue
			}
			*at = t
		}
	}
	if !q.To.IsZero() {
		q.To = q.To.AddDate(0, 0, 1) // the day named is included
	}
	if len(bad) > 0 {
		return q, keep, services.Invalid(bad)
	}
	return q, keep, nil
}

// AdminAudit is the whole audit log for the operator.
func (h *Handlers) AdminAudit(c echo.Context) error {
	p, _ := PrincipalOf(c)
	limit, offset := paging(c, 50, 200)
	q, keep, err := auditQuery(c)
	v := views.AdminAuditView{Filter: views.Form{Values: map[string]string{}}, CSV: "/admin/audit.csv?" + keep.Encode(),
		Pager: views.Pager{Limit: limit, Offset: offset, Path: "/admin/audit", Query: keep}}
	for _, k := range auditFilterFields {
		v.Filter.Values[k] = c.QueryParam(k)
	}
	status := http.StatusOK
	var rows []services.StaffEvent
	if err == nil {
		q.Limit, q.Offset = limit, offset
		rows, v.Pager.Total, err = h.Staff.Audit(c.Request().Context(), p, q)
	}
	if err != nil {
		f, st, err := formFor(c, err, v.Filter.Values)
		if err != nil {
			return err
		}
		v.Filter, status = f, st
	}
	for _, e := range rows {
		v.Rows = append(v.Rows, views.AdminAuditRow{At: e.CreatedAt, Action: "audit." + e.Action, Severity: e.Severity, Account: e.Account, Actor: e.Actor,
			Via: e.Via, IP: e.IP, TargetType: e.TargetType, TargetID: e.TargetID, Detail: e.Detail})
	}
	return render(c, status, views.AdminAuditPage(h.shell(c, "admin.audit.title", "admin-audit"), v))
}

// AdminAuditCSV exports the filtered log (up to services.AuditCSVRows
// events), machine-readable: action keys, RFC 3339 times in UTC.
func (h *Handlers) AdminAuditCSV(c echo.Context) error {
	p, _ := PrincipalOf(c)
	q, _, err := auditQuery(c)
	if err != nil {
		return err
	}
	q.Limit = services.AuditCSVRows
	rows, _, err := h.Staff.Audit(c.Request().Context(), p, q)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="audit-`+time.Now().UTC().Format("20060102-150405")+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"time", "action", "severity", "actor", "account", "via", "ip", "target_type", "target_id", "detail"})
	for _, e := range rows {
		_ = w.Write([]string{e.CreatedAt.UTC().Format(time.RFC3339), e.Action, e.Severity, e.Actor, e.Account, e.Via, e.IP, e.TargetType, e.TargetID, csvSafe(e.Detail)})
	}
	w.Flush()
	return w.Error()
}

// csvSafe keeps a spreadsheet from reading a customer's text as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

type apiStaffEvent struct {
	At         string `json:"at"`
	Action     string `json:"action"`
	Severity   string `json:"severity"`
	Actor      string `json:"actor"`
	Account    string `json:"account"`
	Via        string `json:"via"`
	IP         string `json:"ip"`
	TargetType string `json:"target_type"`
	TargetID   string `json:"target_id"`
	Detail     string `json:"detail"`
}

// APIAdminAudit is GET /api/v1/admin/audit: the audit page's JSON twin,
// the same filters (actor, customer, vm, severity, from, to) and paging.
func (h *Handlers) APIAdminAudit(c echo.Context) error {
	p, _ := PrincipalOf(c)
	limit, offset := paging(c, 50, 200)
	q, keep, err := auditQuery(c)
	if err != nil {
		return err
	}
	q.Limit, q.Offset = limit, offset
	rows, total, err := h.Staff.Audit(c.Request().Context(), p, q)
	if err != nil {
		return err
	}
	out := make([]apiStaffEvent, 0, len(rows))
	for _, e := range rows {
		out = append(out, apiStaffEvent{At: rfc3339(e.CreatedAt), Action: e.Action, Severity: e.Severity, Actor: e.Actor, Account: e.Account,
			Via: e.Via, IP: e.IP, TargetType: e.TargetType, TargetID: e.TargetID, Detail: e.Detail})
	}
	setPageLinks(c, keep, total, limit, offset)
	return c.JSON(http.StatusOK, map[string]any{"events": out, "meta": map[string]int{"total": total, "limit": limit, "offset": offset}})
}
