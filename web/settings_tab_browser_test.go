package web_test

import (
	"testing"

	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The settings tab ticks what the VM boots from now and says so (not the
// rescue system), words its English plainly, and shows each plan whole, on a
// phone too, in fa and en at phone and desktop width.
func TestSettingsTabSaysWhatIsInEffect(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.web, vmstatus.Stopped)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
		p := testkit.NewTab(t, testkit.NewBrowser(t), w.a.URL)
		p.SignIn(string(lang), w.ana.email)
		for _, size := range []string{"phone", "desktop"} {
			where := string(lang) + " " + size
			p.Open("/vms/" + w.web + "?tab=settings")
			if size == "phone" {
				p.AtPhoneSize()
			} else {
				p.AtDesktopSize()
			}
			checked := p.MustEval(`() => document.querySelector('[data-testid=boot-form] input[name=boot_type]:checked')?.value || ""`).Str()
			if checked != "disk" {
				t.Errorf("%s: the VM boots from its disk and the form ticks %q", where, checked)
			}
			p.WantText(`[data-testid=boot-form] label:has(input[value=disk]) [data-testid=boot-current]`, T("vm.boot_current"))
			if lang == i18n.EN {
				p.WantText(`[data-testid=boot-form] label:has(input[value=disk]) > span:not([data-testid])`, "The VM's own disk")
				p.WantText(`[data-testid=boot-form] button[type=submit]`, "Restart with this choice")
			}
			// Every plan is shown whole: nothing cut, nothing past the screen's edge.
			cut := p.MustEval(`() => [...document.querySelectorAll('[data-testid=resize-plans] .choice-card')].filter(c => {
				const b = c.getBoundingClientRect(), t = c.querySelector('span');
				return b.left < 0 || b.right > innerWidth || t.scrollWidth > t.clientWidth + 1;
			}).map(c => c.textContent.trim()).join(" | ")`).Str()
			if cut != "" {
				t.Errorf("%s: plans cut: %s", where, cut)
			}
			if n := p.MustEval(`() => document.querySelectorAll('[data-testid=resize-plans] input[name=plan_slug]').length`).Int(); n < 2 {
				t.Errorf("%s: the resize offers %d plans as cards", where, n)
			}
			p.WantLangDir(string(lang), lang.Dir())
			p.SaveFullScreenshot("walk-10-" + string(lang) + "-" + size)
		}
	}
}
