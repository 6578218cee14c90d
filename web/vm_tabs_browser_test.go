package web_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// vmTabNames are the VM page's tabs that are panels of the page (the console
// tab leads to the console's own page).
var vmTabNames = []string{"overview", "graphs", "snapshots", "backups", "network", "settings", "danger"}

// showTab presses a tab of the VM page and waits until its panel is the one shown.
func showTab(t *testing.T, tb *testkit.Tab, name string) {
	t.Helper()
	tb.MustElement(`.vm-tab[data-tab="` + name + `"]`).MustClick()
	wantTab(t, tb, name)
}

// wantTab checks that the page shows the tab name (and only it), that the
// address names it, and that the status header is in sight above it.
func wantTab(t *testing.T, tb *testkit.Tab, name string) {
	t.Helper()
	tb.WaitDOM(10*time.Second, "the "+name+" panel is the one shown", `(name) =>
		[...document.querySelectorAll('[data-tab-panel]')].every(p => p.hidden === (p.dataset.tabPanel !== name)) &&
		document.querySelector('.vm-tab[aria-current=page]')?.dataset.tab === name`, name)
	q, err := url.ParseQuery(tb.SettledEval(`() => location.search.slice(1)`).Str())
	if err != nil {
		t.Fatal(err)
	}
	if got := q.Get("tab"); got != name && !(name == "overview" && got == "") {
		t.Errorf("the address names the tab %q, want %q", got, name)
	}
	// One evaluation: the poll may replace the header between two.
	box := tb.SettledEval(`() => { const r = document.querySelector('#vm-live [data-status]')?.getBoundingClientRect(); return r ? [r.width, r.y] : [0, -1]; }`).Arr()
	if w, y := box[0].Num(), box[1].Num(); w == 0 || y < 0 || y > 844 {
		t.Errorf("on the %s tab the status is not in sight (width %.0f at y %.0f)", name, w, y)
	}
}

// The VM page is in tabs, in both languages and at both sizes: each tab shows
// its own panel under the status header and writes itself into the address, a
// reload comes back to it, a refused form opens on its tab with the field in
// focus, a power button returns to the tab it was pressed on, and the page's
// poll updates the status and the overview without leaving the tab.
func TestVMPageTabs(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.web, vmstatus.Running)
	for _, lang := range []string{"fa", "en"} {
		p := testkit.NewTab(t, testkit.NewBrowser(t), w.a.URL)
		p.SignIn(lang, w.ana.email)
		for _, size := range []string{"desktop", "phone"} {
			p.Open("/vms/" + w.web)
			if size == "phone" {
				p.AtPhoneSize()
			} else {
				p.AtDesktopSize()
			}
			wantTab(t, p, "overview")
			for _, name := range vmTabNames {
				showTab(t, p, name)
				if size == "phone" {
					p.AtPhoneSize() // nothing on the tab scrolls sideways
				}
				p.SaveFullScreenshot("vm-tab-" + name + "-" + lang + "-" + size)
			}
			p.MustReload().MustWaitLoad()
			wantTab(t, p, "danger")
		}
		p.AtDesktopSize()

		// A refused hostname brings the settings tab back with the field in focus.
		p.Open("/vms/" + w.web)
		showTab(t, p, "settings")
		p.MustElement("#f-hostname").MustSelectAllText().MustInput("not a hostname!")
		p.Click(`[data-testid=hostname-form] button[type=submit]`, `[data-field-error=hostname]`)
		wantTab(t, p, "settings")
		if id := p.MustEval(`() => document.activeElement?.id`).Str(); id != "f-hostname" {
			t.Errorf("%s: after the refused hostname the focus is on %q, want f-hostname", lang, id)
		}

		// A power button in the header leads back to the tab it was pressed on,
		// whether the reboot starts or is refused (this panel has no hypervisor).
		showTab(t, p, "network")
		p.ConfirmClick(`[data-action=reboot]`, i18n.T(i18n.Locale(lang), "vm.confirm.reboot", "name", testkit.Isolated("Web Server")))
		p.MustElement(`[data-testid=power-feedback], [data-testid=vm-message]`)
		wantTab(t, p, "network")

		// While an action runs the header polls; when it ends, the status and the
		// overview's list of actions change, and the customer is still on the tab.
		ctx := context.Background()
		vm := vmRow(t, w.a, w.web)
		if _, err := w.a.DB.W.ExecContext(ctx, `UPDATE actions SET status = 'completed', completed_at = unixepoch() WHERE vm_id = ?`, vm.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.a.DB.W.ExecContext(ctx, `INSERT INTO actions (user_id, vm_id, type, status, started_at) VALUES (?, ?, 'hostname', 'in-progress', unixepoch())`, vm.UserID, vm.ID); err != nil {
			t.Fatal(err)
		}
		p.MustReload().MustWaitLoad()
		wantTab(t, p, "network")
		p.MustElement(`#vm-live[data-polling]`)
		if _, err := w.a.DB.W.ExecContext(ctx, `UPDATE actions SET status = 'completed', completed_at = unixepoch() WHERE vm_id = ?`, vm.ID); err != nil {
			t.Fatal(err)
		}
		p.WaitDOM(30*time.Second, "the poll brings the ended reboot into the overview", `() =>
			!document.querySelector('#vm-live[data-polling]') &&
			[...document.querySelectorAll('#vm-overview [data-testid=vm-actions] tbody tr')].length > 0 &&
			!document.querySelector('#vm-overview [data-testid=vm-actions] .badge-creating')`)
		wantTab(t, p, "network")
	}
}
