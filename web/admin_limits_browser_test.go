package web_test

import (
	"context"
	"testing"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// Support's limits in Chromium, in Persian and English, at phone and desktop
// width: an admin sets them in their section of the Settings page (a figure
// that is not a number is refused beside its field); support's credit over
// the per-act limit, then over the day's, is refused beside the amount field
// with the limit said, and moves nothing, while a credit within them is
// recorded; above the form support reads what its limits leave it today.
func TestAdminSetsSupportsLimitsAndSupportIsHeldToThem(t *testing.T) {
	a := testkit.NewApp(t)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			staff := func(email, role string) {
				a.CreateUser(t, email, testkit.Password)
				if _, err := a.Staff.SetRole(context.Background(), services.OperatorOnMachine(), email, role); err != nil {
					t.Fatal(err)
				}
			}
			adminEmail, supportEmail, customer := "ops-"+l+"@example.com", "sara-"+l+"@example.com", "ana-"+l+"@example.com"
			staff(adminEmail, store.StaffAdmin)
			staff(supportEmail, store.StaffSupport)
			ana := a.CreateUser(t, customer, testkit.Password)

			// The admin sets the limits, at phone width.
			p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			p.SignIn(l, adminEmail)
			enableTOTP(t, a, adminEmail)
			p.Open("/admin/settings")
			p.WantLangDir(l, lang.Dir())
			p.AtPhoneSize()
			p.Retype(map[string]string{"#f-per_act_toman": "lots", "#f-per_day_toman": "1500"})
			p.Click(`[data-testid=limits-submit]`, `[data-field-error=per_act_toman]`)
			p.WantText(`[data-field-error=per_act_toman]`, T("admin.limits.invalid"))
			p.Retype(map[string]string{"#f-per_act_toman": "1000", "#f-per_day_toman": "1500"})
			p.Click(`[data-testid=limits-submit]`, `#flash .flash-success`)
			p.WantText(`#flash`, T("admin.limits.saved"))
			if l, _ := a.Staff.SupportLimits(context.Background(), services.OperatorOnMachine()); l != (services.SupportLimits{PerActToman: 1000, PerDayToman: 1500}) {
				t.Fatalf("the limits saved are %+v", l)
			}
			p.SaveAtBothWidths("admin-support-limits-" + l + "-")

			// Support credits beyond them, at phone width: refused beside the amount.
			q := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			q.SignIn(l, supportEmail)
			enableTOTP(t, a, supportEmail)
			q.Open("/admin/customers/" + itoa(ana.ID))
			q.WantLangDir(l, lang.Dir())
			q.AtPhoneSize()
			before := a.User(t, customer).BalanceRials
			q.Fill(map[string]string{"#f-amount": "1001", "#f-reason": "Goodwill " + l})
			q.Click(`[data-testid=credit-submit]`, `[data-field-error=amount]`)
			q.WantText(`[data-field-error=amount]`, T("admin.limits.amount_over"))
			q.WantText(`#credit [data-testid=form-message]`, T("admin.limits.over_act", "limit", "1000"))
			if got := a.User(t, customer).BalanceRials; got != before {
				t.Fatalf("a credit over the per-act limit moved the balance to %d", got)
			}
			q.SaveFullScreenshot("admin-support-over-act-" + l + "-phone")

			q.Retype(map[string]string{"#f-amount": "1000"})
			q.Click(`[data-testid=credit-submit]`, `#flash .flash-success`)
			q.WantText(`[data-testid=customer-balance]`, i18n.Money(lang, before+10_000))
			q.WantText(`[data-testid=credit-allowance]`, T("admin.limits.allowance", "act", i18n.Number(lang, 1000), "left", i18n.Number(lang, 500)))

			// The day's total: 1,000 moved, 600 more passes 1,500.
			q.AtDesktopSize()
			q.Fill(map[string]string{"#f-amount": "600", "#f-reason": "Goodwill again " + l})
			q.Click(`[data-testid=credit-submit]`, `[data-field-error=amount]`)
			q.WantText(`#credit [data-testid=form-message]`, T("admin.limits.over_day", "limit", "1500"))
			if got := a.User(t, customer).BalanceRials; got != before+10_000 {
				t.Fatalf("a credit over the day's limit moved the balance to %d", got)
			}
			q.SaveAtBothWidths("admin-support-over-day-" + l + "-")
		})
	}
}
