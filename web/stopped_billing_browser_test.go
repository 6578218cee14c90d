package web_test

import (
	"testing"

	"abrak/testkit"
	"abrak/views"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// A stopped VM is still billed, and the panel says so where it happens: the
// shutdown and power-off questions of a running VM name its hourly price in
// the customer's money, and the stopped VM's page says what it costs and that
// deleting it (into the recycle bin, unbilled) stops the charge. In Persian
// and English, on a phone and a desktop.
func TestAStoppedVMSaysItIsStillBilled(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			email := "stopped-" + string(lang) + "@example.com"
			c := newVMCustomer(t, a, email, startBalanceRials)
			uuid := orderVM(t, a, c, "web-"+string(lang), "web-"+string(lang))
			settle(t, a, uuid, vmstatus.Running)
			row := vmRow(t, a, uuid)
			price := i18n.Money(lang, row.PriceHourly+row.BackupPriceHourly)
			p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			p.SignIn(string(lang), email)
			p.Open("/vms/" + uuid)
			for action, question := range map[string]string{"shutdown": "vm.confirm.shutdown", "kill": "vm.confirm.kill"} {
				want := T(question, "name", testkit.Isolated(row.DisplayName)) + " " + T("vm.confirm_still_billed", "price", price)
				if got := p.MustElement(`[data-action=` + action + `]`).MustAttribute("data-confirm"); got == nil || *got != want {
					t.Errorf("%s asks %v, want %q", action, got, want)
				}
			}
			if got := p.MustElement(`[data-action=reboot]`).MustAttribute("data-confirm"); got == nil || *got != T("vm.confirm.reboot", "name", testkit.Isolated(row.DisplayName)) {
				t.Errorf("a reboot, which leaves the VM running, asks %v", got)
			}
			if n := len(p.MustElements(`[data-testid=stopped-billing]`)); n != 0 {
				t.Error("a running VM's page says it is stopped and billed")
			}

			settle(t, a, uuid, vmstatus.Stopped)
			for _, size := range []string{"phone", "desktop"} {
				p.Open("/vms/" + uuid)
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				p.WantLangDir(string(lang), lang.Dir())
				p.WantText(`[data-testid=stopped-billing]`, T("vm.stopped_billing", "price", price, "grace", views.Span(views.Shell{Locale: lang}, a.VMs.RecycleGrace())))
				p.SaveFullScreenshot("walk-5-" + string(lang) + "-" + size)
			}
		})
	}
}
