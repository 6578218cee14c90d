package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"

	"abrak/testkit"
	"abrak/views/i18n"
)

// The order form adds an SSH key in place: the key is stored and ticked, SSH
// keys stay chosen, and what was already filled in is kept, where the link to
// the keys page lost the form; a bad key is refused under its field, in
// place. In fa and en at phone and desktop width.
func TestOrderFormAddsAKeyInPlace(t *testing.T) {
	w := newVMWorld(t)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		p := testkit.NewTab(t, testkit.NewBrowser(t), w.a.URL)
		p.SignIn(string(lang), w.ana.email)
		for _, size := range []string{"phone", "desktop"} {
			where := string(lang) + " " + size
			p.Open("/vms/new")
			if size == "phone" {
				p.AtPhoneSize()
			} else {
				p.AtDesktopSize()
			}
			p.MustElement(`#f-hostname`).MustInput("kept-" + size)
			center(p, `#auth-ssh`).MustClick()
			if p.MustEval(`() => !document.querySelector('[data-testid=order-add-key]').open`).Bool() {
				p.MustEval(`() => document.querySelector('[data-testid=order-add-key] summary').click()`)
			}
			before := p.MustEval(`() => document.querySelectorAll('input[name=ssh_key_ids]').length`).Int()

			// A bad key: refused under its field, nothing else lost.
			center(p, `#f-new-key-name`).MustInput("bad " + where)
			center(p, `#f-new-key`).MustInput("not a key")
			center(p, `[data-testid=order-add-key-submit]`).MustEval(`function () { this.click() }`)
			p.WaitDOM(10*time.Second, "the bad key is refused in place", `() => document.querySelector('[data-field-error=public_key]')`)

			// A good key: stored, ticked, and the form as it was.
			_, pub := testkit.SSHKeyPair(t)
			name := "key " + where
			center(p, `#f-new-key-name`).MustSelectAllText().MustInput(name)
			center(p, `#f-new-key`).MustSelectAllText().MustInput(pub)
			center(p, `[data-testid=order-add-key-submit]`).MustEval(`function () { this.click() }`)
			p.WaitDOM(10*time.Second, "the new key is listed and ticked", `(n) =>
				document.querySelectorAll('input[name=ssh_key_ids]').length === n &&
				document.querySelectorAll('input[name=ssh_key_ids]:checked').length >= 1 &&
				!document.querySelector('[data-field-error=public_key]')`, before+1)
			if p.Path() != "/vms/new" {
				t.Errorf("%s: adding a key left the order form for %s", where, p.Path())
			}
			if got := p.MustElement(`#f-hostname`).MustProperty("value").Str(); got != "kept-"+size {
				t.Errorf("%s: the hostname typed before reads %q after adding a key", where, got)
			}
			if !p.MustElement(`#auth-ssh`).MustProperty("checked").Bool() {
				t.Errorf("%s: SSH keys are no longer chosen after adding one", where)
			}
			ticked := p.MustEval(`() => [...document.querySelectorAll('input[name=ssh_key_ids]:checked')].map(i => i.closest('label').textContent).join(" | ")`).Str()
			if !strings.Contains(ticked, name) {
				t.Errorf("%s: the ticked keys are %q, without %q", where, ticked, name)
			}
			if size == "phone" {
				p.AtPhoneSize() // the key's fingerprint does not push the page sideways
			}
			p.WantLangDir(string(lang), lang.Dir())
			p.SaveFullScreenshot("walk-7-add-key-" + string(lang) + "-" + size)
		}
	}
}

// center brings an element to the middle of the screen, clear of the phone's
// order bar, and returns it.
func center(p *testkit.Tab, sel string) *rod.Element {
	el := p.MustElement(sel)
	el.MustEval(`function () { this.scrollIntoView({block: "center"}) }`)
	return el
}
