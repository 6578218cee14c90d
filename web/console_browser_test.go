package web_test

import (
	"testing"
	"time"

	"github.com/go-rod/rod/lib/input"

	"abrak/testkit"
	"abrak/views/i18n"
)

// canvasInk counts the non-black pixels of noVNC's canvas, to tell the guest's
// screen from an empty canvas.
const canvasInk = `() => {
	const c = document.querySelector('#console-screen canvas');
	if (!c || !c.width || !c.height) return {ink: 0};
	const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
	let ink = 0;
	for (let i = 0; i < d.length; i += 4) {
		if (d[i] + d[i+1] + d[i+2] > 0) ink++;
	}
	return {ink};
}`

// screenScale is how large the guest's screen is drawn against its own pixels.
const screenScale = `() => {
	const c = document.querySelector("#console-screen canvas");
	return c && c.width ? Math.round(c.getBoundingClientRect().width / c.width * 100) / 100 : 0;
}`

// TestConsoleInBrowser opens a real guest's console in headless Chromium from
// the VM page, in Persian and in English, waits for the guest's screen, types
// a key into it (the console stays connected) and keeps screenshots.
func TestConsoleInBrowser(t *testing.T) {
	t.Parallel()
	w := newConsoleWorld(t)
	b := testkit.NewBrowser(t)
	p := testkit.NewTab(t, b, w.URL)
	p.Open("/signin?lang=fa")
	p.Fill(map[string]string{"#f-email": "ana@example.com", "#f-password": testkit.Password})
	p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)

	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		if lang == i18n.FA {
			p.Open("/vms/" + w.vm.UUID + "?lang=fa")
			p.MustElement(`[data-testid=console-link]`).MustClick()
		} else {
			p.MustNavigate(w.URL + "/vms/" + w.vm.UUID + "/console?lang=en")
		}
		// Found in the console's page, not in the page the click leaves.
		p.SettledElement(`body[data-console-state=connected]`)
		p.MustWaitLoad()
		if got, want := p.MustElement("#console-state").MustText(), i18n.T(lang, "console.state_connected"); got != want {
			t.Errorf("%s: state reads %q, want %q", lang, got, want)
		}
		p.WantLangDir(string(lang), lang.Dir())

		// The guest's screen arrives: the canvas gets ink.
		p.Timeout(2 * time.Minute).MustWait(`() => (` + canvasInk + `)().ink > 500`)
		p.MustElement("#console-screen canvas").MustClick()
		p.Keyboard.MustType(input.KeyA, input.Enter)
		p.MustEval(`() => new Promise(r => setTimeout(r, 300))`)
		if state := p.MustEval(`() => document.body.dataset.consoleState`).Str(); state != "connected" {
			t.Errorf("%s: after typing the console is %q", lang, state)
		}
		// The key bar: its keys reach the guest without dropping the session;
		// Ctrl stays held until pressed again.
		ctrl := p.MustElement(`#console-keys [data-key=ControlLeft]`)
		if ctrl.MustAttribute("aria-pressed") == nil || *ctrl.MustAttribute("aria-pressed") != "false" {
			t.Errorf("%s: Ctrl starts pressed", lang)
		}
		ctrl.MustClick()
		if got := *ctrl.MustAttribute("aria-pressed"); got != "true" {
			t.Errorf("%s: Ctrl after a press: aria-pressed %q", lang, got)
		}
		p.MustElement(`#console-keys [data-key=ArrowUp]`).MustClick()
		ctrl.MustClick()
		if got := *ctrl.MustAttribute("aria-pressed"); got != "false" {
			t.Errorf("%s: Ctrl after a second press: aria-pressed %q", lang, got)
		}
		for _, k := range []string{"Escape", "Tab", "ArrowLeft", "ArrowRight", "ArrowDown"} {
			b := p.MustElement(`#console-keys [data-key=` + k + `]`)
			if label := b.MustAttribute("aria-label"); label == nil || *label == "" {
				t.Errorf("%s: the %s key has no name for a screen reader", lang, k)
			}
			b.MustClick()
		}
		p.MustEval(`() => new Promise(r => setTimeout(r, 300))`)
		if state := p.MustEval(`() => document.body.dataset.consoleState`).Str(); state != "connected" {
			t.Errorf("%s: after the key bar the console is %q", lang, state)
		}
		if ps := p.MustEval(`() => window.__problems || []`).Arr(); len(ps) > 0 {
			t.Errorf("%s console page: %v", lang, ps)
		}
		if got := *p.MustElement(`#console-zoom`).MustAttribute("aria-pressed"); got != "false" {
			t.Errorf("%s: at desktop size the screen is not fitted to the window (zoom pressed %q)", lang, got)
		}
		p.MustWait(`() => { const c = document.querySelector("#console-screen canvas").getBoundingClientRect(), s = document.querySelector("#console-screen");
			return c.width > 0 && c.width <= s.clientWidth + 1 && c.height <= s.clientHeight + 1; }`)
		p.SaveScreenshot("console-" + string(lang))
		// On a phone the bar is there, whole, and the guest's screen is at its
		// own size, readable, until the zoom button fits it to the window.
		p.AtPhoneSize()
		if box := p.MustElement(`#console-keys`).MustShape().Box(); box.Y+box.Height > 844 || box.Width > 390 {
			t.Errorf("%s: the key bar at phone size is off the screen: %+v", lang, box)
		}
		p.WaitDOM(10*time.Second, "the phone shows the guest's screen at its own size", `() => (`+screenScale+`)() === 1`)
		if got := *p.MustElement(`#console-zoom`).MustAttribute("aria-pressed"); got != "true" {
			t.Errorf("%s: on a phone the zoom button is not pressed at actual size", lang)
		}
		p.SaveScreenshot("console-" + string(lang) + "-phone")
		p.MustElement(`#console-zoom`).MustClick()
		p.WaitDOM(10*time.Second, "the zoom button fits the screen into the phone", `() =>
			(`+screenScale+`)() < 0.9 && document.querySelector("#console-screen canvas").getBoundingClientRect().width <= 390`)
		p.MustElement(`#console-zoom`).MustClick() // the customer's choice, back to actual size
		p.AtDesktopSize()
	}
}
