package web_test

import (
	"net/http"
	"strings"
	"testing"

	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The operator's side in Chromium, in Persian and English, at phone and
// desktop width: support signs in (two-factor on), opens the overview from
// the header's link, finds a customer, credits the wallet with a reason,
// suspends the account (the customer's own page says why) and lifts it, and
// locks the customer's VM (the API answers 423 with the reason; the VM's page
// says why).
func TestTheOperatorsSideInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			staffEmail := "sara-" + l + "@example.com"
			staffMember(t, a, staffEmail, store.StaffSupport)
			ana, uuid := adminCustomerWithVM(t, a, "ana-"+l+"@example.com", 1_000_000, "203.0.113."+map[i18n.Locale]string{i18n.FA: "101", i18n.EN: "102"}[lang])
			settle(t, a, uuid, vmstatus.Stopped)

			// Support: password, then two-factor turned on (the door asks for it).
			p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			p.SignIn(l, staffEmail)
			p.Open("/admin")
			p.WantText(`#flash`, T("admin.needs_two_factor"))
			enableTOTP(t, a, staffEmail)
			p.Open("/vms")
			p.Click(`[data-testid=operator-link]`, `[data-testid=overview]`)
			p.WantLangDir(l, lang.Dir())
			p.WantText(`[data-testid=value-nodes-down]`, i18n.Number(lang, 0))
			p.SaveAtBothWidths("admin-overview-" + l + "-")

			// Find the customer and credit the wallet, at phone width.
			p.AtPhoneSize()
			p.Click(`a[href="/admin/customers"]`, `[data-testid=customer-search]`)
			p.Open("/admin/customers?q=" + ana.email)
			p.Click(`[data-testid=customer-`+itoa(ana.id)+`] a`, `[data-testid=credit-form]`)
			before := a.User(t, ana.email).BalanceRials
			p.Fill(map[string]string{"#f-amount": "2500"})
			p.Click(`[data-testid=credit-submit]`, `[data-field-error=reason]`)
			if got := a.User(t, ana.email).BalanceRials; got != before {
				t.Fatalf("a credit without a reason moved the balance to %d", got)
			}
			// The refused form kept the amount; the reason is what it lacked.
			p.Fill(map[string]string{"#f-reason": "Goodwill " + l})
			p.Click(`[data-testid=credit-submit]`, `#flash .flash-success`)
			p.WantText(`#flash`, T("admin.credit.done"))
			p.WantText(`[data-testid=customer-balance]`, i18n.Money(lang, before+25_000))
			p.SaveFullScreenshot("admin-credit-" + l + "-phone")

			// Suspend, at desktop width: the customer's page says why.
			p.AtDesktopSize()
			p.Fill(map[string]string{"#f-suspend-reason": "Abuse " + l})
			p.ConfirmClick(`[data-testid=suspend]`, T("admin.suspend.confirm"))
			p.WantText(`#flash`, T("admin.suspend.done"))
			p.WantText(`[data-testid=customer-suspended]`, T("admin.suspend.is_suspended", "reason", testkit.Isolated("Abuse "+l)))
			p.SaveFullScreenshot("admin-suspended-" + l + "-desktop")
			q := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			q.Open("/signin?lang=" + l)
			q.Fill(map[string]string{"#f-email": ana.email, "#f-password": testkit.Password})
			q.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=account-suspended]`)
			q.WantText(`[data-testid=account-suspended]`, T("admin.suspend.banner", "reason", testkit.Isolated("Abuse "+l)))
			q.AtPhoneSize()
			q.SaveFullScreenshot("admin-suspended-customer-" + l + "-phone")
			p.ConfirmClick(`[data-testid=unsuspend]`, T("admin.suspend.unsuspend_confirm"))
			p.WantText(`#flash`, T("admin.suspend.lifted"))
			q.Open("/vms")
			if n := len(q.MustElements(`[data-testid=account-suspended]`)); n != 0 {
				t.Error("the customer's page still says the account is suspended")
			}

			// Lock the VM, at phone width: 423 with the reason, and the VM's page says why.
			p.AtPhoneSize()
			p.Open("/admin/vms?q=" + uuid)
			p.Fill(map[string]string{`[data-testid=lock-form] input[name=reason]`: "Spam " + l})
			p.Click(`[data-testid=lock]`, `[data-testid=lock-reason]`)
			p.WantText(`#flash`, T("admin.vms.locked_done"))
			p.SaveFullScreenshot("admin-locked-" + l + "-phone")
			r := a.APICall(t, http.MethodPatch, "/api/v1/vms/"+uuid+"?lang="+l, ana.token, `{"display_name":"x"}`, "Accept-Language", l)
			testkit.MustStatus(t, "a rename of the locked VM", r, http.StatusLocked)
			if e := testkit.APIErrorOf(t, r); e.Error.Code != "locked" || !strings.Contains(e.Error.Message, "Spam "+l) {
				t.Errorf("the 423 reads %s %q", e.Error.Code, e.Error.Message)
			}
			q.Open("/vms/" + uuid)
			q.WantText(`[data-testid=vm-admin-locked]`, T("vm.admin_locked_banner", "reason", testkit.Isolated("Spam "+l)))
			q.SaveAtBothWidths("admin-locked-customer-" + l + "-")
			p.Clean()
			q.Clean()
		})
	}
}
