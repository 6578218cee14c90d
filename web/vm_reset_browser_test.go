package web_test

import (
	"testing"
	"time"

	"abrak/testkit"
	"abrak/views/i18n"
)

// The VM page's power controls have a Reset button beside Reboot: it asks
// first, in the page's language, then resets the VM and the header says so,
// in fa and en at phone and desktop width.
func TestResetButtonAsksThenResets(t *testing.T) {
	a := testkit.NewTestDriverPanel(t)
	u, vm := runningWebServer(t, a, "reset@example.com")
	uuid := vm.UUID
	resets := func() int {
		return a.Count(t, `SELECT count(*) FROM actions WHERE vm_id = ? AND type = 'reset' AND status = 'completed'`, vm.ID)
	}
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
		p.SignIn(string(lang), u.Email)
		for _, size := range []string{"phone", "desktop"} {
			testkit.WaitFor(t, time.Minute, "the VM is free", func() bool { return !vmRow(t, a, uuid).Locked })
			p.Open("/vms/" + uuid)
			if size == "phone" {
				p.AtPhoneSize()
			} else {
				p.AtDesktopSize()
			}
			before := resets()
			button := `[data-testid=power] [data-action=reset]`
			p.WantText(button, T("vm.power.reset"))
			p.ConfirmClick(button, T("vm.confirm.reset", "name", testkit.Isolated("Web Server")))
			want := T("vm.power_done.reset", "name", testkit.Isolated("Web Server"))
			p.WaitDOM(30*time.Second, "the header says the VM was reset", `(want) =>
				!document.querySelector('#vm-live[data-polling]') &&
				document.querySelector('[data-testid=power-feedback][data-state=done]')?.textContent.trim() === want`, want)
			if n := resets(); n != before+1 {
				t.Errorf("%s %s: %d resets done, want 1", lang, size, n-before)
			}
			p.WantText(`[data-testid=vm-live] [data-status]`, T("vm.status.running"))
			p.WantLangDir(string(lang), lang.Dir())
			p.SaveFullScreenshot("reset-" + string(lang) + "-" + size)
		}
	}
}
