package web_test

import (
	"testing"
	"time"

	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// On a phone nothing leaks out of its place, in fa and en (and the desktop
// keeps its layout): the VM list's IP cell keeps the page's direction (so its
// Persian label joins and sits at the start) with only the address left to
// right; the VM page's operations are cards whose end time is on the screen;
// the menu is one row; the order form keeps its price and button in sight
// wherever it is scrolled.
func TestPhoneLayoutLeaksNothing(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.web, vmstatus.Running)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		p := testkit.NewTab(t, testkit.NewBrowser(t), w.a.URL)
		p.SignIn(string(lang), w.ana.email)
		for _, size := range []string{"phone", "desktop"} {
			phone := size == "phone"
			at := func() {
				if phone {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
			}
			where := string(lang) + " " + size

			// The VM list's IP cell.
			p.Open("/vms")
			at()
			cell := p.MustElement(`tr[data-vm="` + w.web + `"] [data-testid=vm-ip-cell]`)
			if dir := cell.MustEval(`function () { return getComputedStyle(this).direction }`).Str(); dir != lang.Dir() {
				t.Errorf("%s: the IP cell is %s, want the page's %s", where, dir, lang.Dir())
			}
			if d := p.MustElement(`#ip-` + w.web).MustAttribute("dir"); d == nil || *d != "ltr" {
				t.Errorf("%s: the address itself is not left to right", where)
			}
			p.SaveFullScreenshot("walk-7-list-" + string(lang) + "-" + size)

			// The menu: one row on a phone.
			rows := p.MustEval(`() => new Set([...document.querySelectorAll('[data-testid=nav-list] > li')].map(li => li.offsetTop)).size`).Int()
			if phone && rows != 1 {
				t.Errorf("%s: the menu takes %d rows", where, rows)
			}

			// The VM page's operations: the end time is on the screen.
			p.Open("/vms/" + w.web)
			at()
			p.WaitDOM(10*time.Second, "the operations are drawn", `() => document.querySelector('[data-testid=vm-actions] tbody tr td:nth-child(4)')`)
			r := p.MustEval(`() => { const td = document.querySelector('[data-testid=vm-actions] tbody tr td:nth-child(4)'); const b = td.getBoundingClientRect();
				const wrap = td.closest('table').parentElement; return [b.left, b.right, innerWidth, wrap.scrollWidth - wrap.clientWidth] }`).Arr()
			if r[0].Num() < 0 || r[1].Num() > r[2].Num() || r[3].Int() > 0 {
				t.Errorf("%s: the operations' end time is at %.0f–%.0f of %.0f, the table scrolls %d px sideways", where, r[0].Num(), r[1].Num(), r[2].Num(), r[3].Int())
			}
			p.SaveFullScreenshot("walk-7-vm-" + string(lang) + "-" + size)

			// The order form: price and button in sight at the top, the middle and the bottom.
			p.Open("/vms/new")
			at()
			if phone {
				for _, y := range []string{"0", "document.documentElement.scrollHeight / 2", "document.documentElement.scrollHeight"} {
					seen := p.MustEval(`() => new Promise(r => { scrollTo(0, ` + y + `); requestAnimationFrame(() => requestAnimationFrame(() => {
						const inView = (el) => { const b = el.getBoundingClientRect(); return b.height > 0 && b.top >= 0 && b.bottom <= innerHeight; };
						const q = (s) => document.querySelector(s).getBoundingClientRect(); r(inView(document.querySelector("[data-testid=create-submit]")) && inView(document.querySelector("[data-order-summary] [data-summary-hourly]")) ? "" : JSON.stringify([scrollY, innerHeight, q("[data-testid=create-submit]"), q("[data-order-summary] [data-summary-hourly]"), q("[data-order-summary]")]));
					})) })`).Str()
					if seen != "" {
						t.Errorf("%s: scrolled to %s the order's price or button is out of sight: %s", where, y, seen)
					}
				}
				p.MustEval(`() => scrollTo(0, document.documentElement.scrollHeight / 3)`)
				p.SaveScreenshot("walk-7-order-" + string(lang) + "-" + size)
			}
			p.SaveFullScreenshot("walk-7-order-full-" + string(lang) + "-" + size)
			p.WantLangDir(string(lang), lang.Dir())
		}
	}
}
