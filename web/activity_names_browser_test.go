package web_test

import (
	"context"
	"strings"
	"testing"

	"abrak/services"
	"abrak/testkit"
	"abrak/views/i18n"
)

// The activity log names what each event was about as the customer calls it
// (the VM, the SSH key), linked to its page, with the id in a tooltip rather
// than "SSH key 1" or a VM's UUID broken across lines; in fa and en at phone
// and desktop width.
func TestActivityShowsNames(t *testing.T) {
	w := newVMWorld(t)
	ctx := context.Background()
	ana := services.Principal{UserID: w.ana.id, Email: w.ana.email, Scopes: services.AllScopes}
	key, err := w.a.SSHKeys.Add(ctx, ana, "my laptop", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMUuydsgrWE7DICUyan+6nbdalQoUvCgBFpk8YPgz+wI doc@laptop")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		p := testkit.NewTab(t, testkit.NewBrowser(t), w.a.URL)
		p.SignIn(string(lang), w.ana.email)
		for _, size := range []string{"phone", "desktop"} {
			p.Open("/activity")
			if size == "phone" {
				p.AtPhoneSize()
			} else {
				p.AtDesktopSize()
			}
			vm := p.MustElement(`[data-testid=activity] a[data-testid=activity-target][href="/vms/` + w.web + `"]`)
			if got := vm.MustText(); got != "Web Server" {
				t.Errorf("%s %s: the VM's event names it %q, want Web Server", lang, size, got)
			}
			if title := *vm.MustAttribute("title"); !strings.Contains(title, w.web) {
				t.Errorf("%s %s: the VM's tooltip is %q, without its id", lang, size, title)
			}
			k := p.MustElement(`[data-testid=activity] a[data-testid=activity-target][href="/ssh-keys"]`)
			if got := k.MustText(); got != "my laptop" {
				t.Errorf("%s %s: the key's event names it %q, want my laptop", lang, size, got)
			}
			if title := *k.MustAttribute("title"); !strings.Contains(title, i18n.Number(lang, key.ID)) && !strings.Contains(title, itoa(key.ID)) {
				t.Errorf("%s %s: the key's tooltip is %q, without its id", lang, size, title)
			}
			if text := p.MustElement(`[data-testid=activity]`).MustText(); strings.Contains(text, w.web) {
				t.Errorf("%s %s: the log shows a VM's UUID: %s", lang, size, text)
			}
			p.WantLangDir(string(lang), lang.Dir())
			p.SaveFullScreenshot("walk-8-" + string(lang) + "-" + size)
		}
	}
}
