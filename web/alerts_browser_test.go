package web_test

import (
	"testing"
	"time"

	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The alerts on the Graphs tab, in Persian and English, on a phone and a
// desktop: a threshold out of range comes back on the tab with its message,
// an alert added is listed in the page's words and digits, and deleted.
func TestAlertsOnTheGraphsTab(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.web, vmstatus.Running)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			p := testkit.NewTab(t, testkit.NewBrowser(t), w.a.URL)
			p.SignIn(string(lang), w.ana.email)
			for _, size := range []string{"desktop", "phone"} {
				p.Open("/vms/" + w.web + "?tab=graphs")
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				wantTab(t, p, "graphs")
				p.WantText(`[data-testid=alerts-none]`, T("alert.none"))

				if got := p.MustElement(`#f-alert-kind option[value=cpu]`).MustText(); got != T("alert.kind_cpu") {
					t.Errorf("the CPU kind reads %q", got)
				}
				p.MustEval(`() => { document.querySelector('#f-alert-kind').value = 'cpu' }`)
				p.Fill(map[string]string{"#f-alert-threshold": "150", "#f-alert-minutes": "5"})
				p.Click(`[data-testid=alert-form] button[type=submit]`, `[data-field-error=threshold]`)
				// The refused form comes back on its tab, the field in focus (so
				// the header may be scrolled away).
				p.WaitDOM(5*time.Second, "the graphs panel is the one shown", `() =>
					[...document.querySelectorAll('[data-tab-panel]')].every(p => p.hidden === (p.dataset.tabPanel !== 'graphs'))`)
				p.WantText(`[data-field-error=threshold]`, T("alert.percent_invalid"))

				// Persian digits are read as typed.
				threshold := map[i18n.Locale]string{i18n.FA: "۹۰", i18n.EN: "90"}[lang]
				p.MustElement(`#f-alert-threshold`).MustSelectAllText().MustInput(threshold)
				p.MustElement(`#f-alert-minutes`).MustSelectAllText().MustInput("10")
				p.Click(`[data-testid=alert-form] button[type=submit]`, `[data-testid=alert-row]`)
				wantTab(t, p, "graphs")
				p.WantTexts(`[data-testid=alert-line]`, T("alert.line_cpu", "n", i18n.Number(lang, 90), "minutes", i18n.Number(lang, 10)))
				p.WantTexts(`[data-testid=alert-state]`, T("alert.quiet"))
				p.SaveFullScreenshot("alerts-" + string(lang) + "-" + size)

				p.Click(`[data-testid=alert-delete]`, `[data-testid=alerts-none]`)
				wantTab(t, p, "graphs")
			}
		})
	}
}
