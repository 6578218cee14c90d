package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/calendar"
	"abrak/services"
	"abrak/views"
	"abrak/views/i18n"
)

// Statements opens this month's statement, in the calendar of the page's
// language (Jalali for fa, Gregorian for en).
func (h *Handlers) Statements(c echo.Context) error {
	m := calendar.At(time.Now(), LocaleOf(c) == i18n.FA)
	return c.Redirect(http.StatusSeeOther, "/wallet/statements/"+m.String())
}

// Statement is one month of the wallet, printable.
func (h *Handlers) Statement(c echo.Context) error {
	m, err := services.ParseMonth(c.Param("month"))
	if err != nil {
		return services.NotFound()
	}
	p, _ := PrincipalOf(c)
	st, err := h.Wallets.Statement(c.Request().Context(), p, m)
	if err != nil {
		return err
	}
	v := views.StatementView{Year: m.Year, Month: m.Number, Jalali: m.Jalali, Prev: m.Prev().String(),
		Opening: st.Opening, Closing: st.Closing, TotalTopUps: st.TotalTopUps, TotalCharges: st.TotalCharges,
		TotalRefunds: st.TotalRefunds, TotalOther: st.TotalOther, VATRials: st.VATRials}
	if next := m.Next(); next.From.Before(time.Now()) {
		v.Next = next.String()
	}
	if u := userBarOf(c); u != nil {
		v.Name, v.Email = u.Name, u.Email
	}
	rows := func(lines []services.StatementLine) []views.LedgerRow {
		var out []views.LedgerRow
		for _, l := range lines {
			kind := l.Kind
			if !i18n.Has("wallet.kind." + kind) {
				kind = "other"
			}
			out = append(out, views.LedgerRow{Kind: kind, Ref: l.Ref, AmountRials: l.Rials, At: l.At})
		}
		return out
	}
	v.TopUps, v.Refunds, v.Other = rows(st.TopUps), rows(st.Refunds), rows(st.Other)
	for _, ch := range st.Charges {
		v.Charges = append(v.Charges, views.StatementCharge{Name: ch.Name, UUID: ch.UUID, Hours: ch.Hours, First: ch.First, Last: ch.Last, Rials: ch.Rials,
			BackupRials: ch.BackupRials})
	}
	return render(c, http.StatusOK, views.StatementPage(h.shell(c, "statement.page_title", "wallet"), v))
}

// APIStatement is GET /api/v1/billing/statements/{month}.
func (h *Handlers) APIStatement(c echo.Context) error {
	m, err := services.ParseMonth(c.Param("month"))
	if err != nil {
		return err
	}
	p, _ := PrincipalOf(c)
	st, err := h.Wallets.Statement(c.Request().Context(), p, m)
	if err != nil {
		return err
	}
	body := apiStatement{Month: m.String(), Calendar: "gregorian", From: rfc3339(m.From), To: rfc3339(m.To),
		Opening: st.Opening, Closing: st.Closing, VATPaid: st.VATRials,
		Totals: apiStatementTotals{TopUps: st.TotalTopUps, Charges: st.TotalCharges, Refunds: st.TotalRefunds, Other: st.TotalOther},
		TopUps: statementLinesJSON(st.TopUps), Refunds: statementLinesJSON(st.Refunds), Other: statementLinesJSON(st.Other), Charges: []apiVMCharge{}}
	if m.Jalali {
		body.Calendar = "jalali"
	}
	for _, ch := range st.Charges {
		body.Charges = append(body.Charges, apiVMCharge{VMUUID: ch.UUID, VMName: ch.Name, Hours: ch.Hours,
			FirstHourAt: rfc3339(ch.First), LastHourAt: rfc3339(ch.Last), Amount: ch.Rials + ch.BackupRials, Backups: ch.BackupRials})
	}
	return c.JSON(http.StatusOK, map[string]apiStatement{"statement": body})
}

func statementLinesJSON(lines []services.StatementLine) []apiStatementLine {
	out := []apiStatementLine{}
	for _, l := range lines {
		out = append(out, apiStatementLine{At: rfc3339(l.At), Amount: l.Rials, Kind: l.Kind, Ref: l.Ref})
	}
	return out
}
