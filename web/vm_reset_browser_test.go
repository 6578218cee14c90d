package web_test

import (
	"context"
	"testing"
	"time"

	"abrak/services"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The VM page's power controls have a Reset button beside Reboot: it asks
// first, in the page's language, then resets the VM and the header says so,
// in fa and en at phone and desktop width.
func TestResetButtonAsksThenResets(t *testing.T) {
	ctx := context.Background()
	a := testkit.NewTestDriverPanel(t)
	u := a.CreateUser(t, "reset@example.com", testkit.Password)
	if _, err := a.DB.Credit(ctx, u.ID, 1_000_000, "test", ""); err != nil {
		t.Fatal(err)
	}
	owner := services.Principal{UserID: u.ID, Email: u.Email, Scopes: services.AllScopes}
	o, err := a.VMs.Create(ctx, owner, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "Web Server", Region: "thr-t"})
	if err != nil {
		t.Fatal(err)
	}
	uuid := o.VM.UUID
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Running })
	vm := vmRow(t, a, uuid)
	resets := func() int {
		return a.Count(t, `SELECT count(*) FROM actions WHERE vm_id = ? AND type = 'reset' AND status = 'completed'`, vm.ID)
	}
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
		p.Open("/signin?lang=" + string(lang))
		p.Fill(map[string]string{"#f-email": u.Email, "#f-password": testkit.Password})
		p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
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
