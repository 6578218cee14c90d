package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/input"

	"abrak/services"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// A power button asks in the page's own dialog, in the page's language and
// direction with the site's buttons: Cancel and Escape leave the VM alone,
// Confirm shuts it down; the header then says "shutting down…" and, when the
// shutdown ends, that the VM is off, in fa and en at phone and desktop width.
func TestConfirmDialogAndPowerFeedback(t *testing.T) {
	ctx := context.Background()
	a := testkit.NewTestDriverPanel(t)
	u, vm := runningWebServer(t, a, "power@example.com")
	uuid := vm.UUID
	shutdowns := func() int {
		var n int
		if err := a.DB.W.QueryRowContext(ctx, `SELECT count(*) FROM actions WHERE vm_id = ? AND type = 'shutdown'`, vm.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
		p.SignIn(string(lang), u.Email)
		for _, size := range []string{"phone", "desktop"} {
			if vmRow(t, a, uuid).Status != vmstatus.Running {
				if _, err := a.VMs.Power(ctx, services.Principal{UserID: u.ID, Email: u.Email, Scopes: services.AllScopes}, uuid, "start"); err != nil {
					t.Fatal(err)
				}
				testkit.WaitFor(t, time.Minute, "the VM runs again", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Running })
			}
			p.Open("/vms/" + uuid)
			if size == "phone" {
				p.AtPhoneSize()
			} else {
				p.AtDesktopSize()
			}
			before := shutdowns()
			button := `[data-action=shutdown]`
			question := *p.MustElement(button).MustAttribute("data-confirm")
			label := p.MustElement(button).MustText()

			// Cancel: the dialog asks in the page's language and direction, and nothing happens.
			if got := p.AskConfirm(button); got != question {
				t.Errorf("%s %s: the dialog asks %q, want %q", lang, size, got, question)
			}
			dir := p.MustEval(`() => getComputedStyle(document.getElementById("confirm-dialog")).direction`).Str()
			if dir != lang.Dir() {
				t.Errorf("%s %s: the dialog is %s, want %s", lang, size, dir, lang.Dir())
			}
			p.WantText(`#confirm-dialog [data-confirm-cancel]`, T("dialog.cancel"))
			p.WantText(`#confirm-dialog [data-confirm-ok]`, label)
			p.SaveFullScreenshot("walk-9-" + string(lang) + "-" + size)
			p.MustElement(`#confirm-dialog [data-confirm-cancel]`).MustClick()
			p.WaitDOM(10*time.Second, "the dialog closes", `() => !document.getElementById("confirm-dialog").open`)

			// Escape: the same.
			p.AskConfirm(button)
			p.Keyboard.MustType(input.Escape)
			p.WaitDOM(10*time.Second, "Escape closes the dialog", `() => !document.getElementById("confirm-dialog").open`)
			if n := shutdowns(); n != before {
				t.Fatalf("%s %s: Cancel or Escape shut the VM down (%d shutdowns, were %d)", lang, size, n, before)
			}
			if p.Path() != "/vms/"+uuid {
				t.Errorf("%s %s: after Cancel and Escape the browser is at %s", lang, size, p.Path())
			}

			// Confirm: the shutdown is asked for, and the header follows it to its end.
			p.ConfirmClick(button, question)
			if n := shutdowns(); n != before+1 {
				t.Fatalf("%s %s: Confirm made %d shutdowns, want 1", lang, size, n-before)
			}
			if p.Path() != "/vms/"+uuid {
				t.Errorf("%s %s: after the shutdown the browser is at %s", lang, size, p.Path())
			}
			want := T("vm.power_done.shutdown", "name", testkit.Isolated("Web Server"))
			p.WaitDOM(30*time.Second, "the header says the VM is off", `(want) =>
				!document.querySelector('#vm-live[data-polling]') &&
				document.querySelector('[data-testid=power-feedback][data-state=done]')?.textContent.trim() === want`, want)
			p.WantText(`[data-testid=vm-live] [data-status]`, T("vm.status.stopped"))
			p.WantLangDir(string(lang), lang.Dir())
			p.SaveFullScreenshot("walk-9-done-" + string(lang) + "-" + size)
		}
	}
}
