package web_test

import (
	"context"
	"testing"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// Orders needing attention in Chromium, in Persian and English, at phone and
// desktop width: support follows the overview's figure to the list, sees each
// order's state and last error, tries the retrying one again and cancels the
// waiting one with a reason; the customer's wallet has the charge back.
func TestOrdersNeedingAttentionInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			email := "sara-" + l + "@example.com"
			a.CreateUser(t, email, testkit.Password)
			if _, err := a.Staff.SetRole(context.Background(), services.OperatorOnMachine(), email, store.StaffSupport); err != nil {
				t.Fatal(err)
			}
			ana, waiting := adminCustomerWithVM(t, a, "ana-"+l+"@example.com", 1_000_000, "203.0.113."+map[i18n.Locale]string{i18n.FA: "121", i18n.EN: "122"}[lang])
			_, retrying := adminCustomerWithVM(t, a, "babak-"+l+"@example.com", 1_000_000, "203.0.113."+map[i18n.Locale]string{i18n.FA: "123", i18n.EN: "124"}[lang])
			if _, err := a.DB.W.Exec(`UPDATE orders SET failures = 1, attempts = 2, next_attempt_at = unixepoch() + 3600, last_error = 'node said: disk full'
				WHERE vm_id = (SELECT id FROM vms WHERE uuid = ?)`, retrying); err != nil {
				t.Fatal(err)
			}

			b := testkit.NewBrowser(t)
			p := testkit.NewTab(t, b, a.URL)
			p.Open("/signin?lang=" + l)
			p.Fill(map[string]string{"#f-email": email, "#f-password": testkit.Password})
			p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
			enableTOTP(t, a, email)
			p.Open("/admin")
			p.Click(`[data-testid=figure-orders-waiting]`, `[data-testid=admin-orders]`)
			p.WantLangDir(l, lang.Dir())
			wantIn(t, p, `[data-testid=admin-order-`+retrying+`] [data-testid=order-state]`, T("admin.orders.state_retrying"))
			wantIn(t, p, `[data-testid=admin-order-`+retrying+`] [data-testid=order-error]`, "node said: disk full")
			wantIn(t, p, `[data-testid=admin-order-`+waiting+`] [data-testid=order-state]`, T("admin.orders.state_waiting"))
			for _, size := range []string{"phone", "desktop"} {
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				p.SaveFullScreenshot("admin-orders-" + l + "-" + size)
			}

			// Retry now at desktop width.
			p.Click(`[data-testid=admin-order-`+retrying+`] [data-testid=retry]`, `#flash .flash-success`)
			p.WantText(`#flash`, T("admin.orders.retried"))
			if a.Count(t, `SELECT count(*) FROM orders WHERE vm_id = (SELECT id FROM vms WHERE uuid = ?) AND next_attempt_at <= unixepoch()`, retrying) != 1 {
				t.Error("retry now did not bring the next try to now")
			}

			// Cancel with a reason at phone width, on the list opened again (the
			// retry's message gone, so the cancel's is the one waited for).
			p.AtPhoneSize()
			p.Open("/admin/orders")
			before := balanceOf(t, a, ana.email)
			p.Fill(map[string]string{"#f-cancel-" + waiting: "Region full " + l})
			p.Click(`[data-testid=admin-order-`+waiting+`] [data-testid=cancel]`, `#flash .flash-success`)
			p.WantText(`#flash`, T("admin.orders.cancelled"))
			p.SaveFullScreenshot("admin-orders-cancelled-" + l + "-phone")
			if got, want := balanceOf(t, a, ana.email), before+orderOf(t, a, waiting).AmountRials; got != want {
				t.Errorf("ana's balance %d after the cancel, want %d", got, want)
			}
		})
	}
}
