package web_test

import (
	"net/http"
	"testing"

	"abrak/vmstatus"
)

// A name that mixes Latin, Persian and digits reads in its own order inside a
// Persian sentence: measured on screen, "ux-server" starts left of the final
// "2" in the delete form's label (the text the customer must retype), as it
// does when the name stands alone. Without isolation the right-to-left
// sentence pulls the "2" to the left of the name.
func TestEmbeddedNamesKeepTheirOrderOnScreen(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.web, vmstatus.Running)
	const name = "ux-server (آزمایشی) 2"
	mustStatus(t, "rename", apiCall(t, w.a, "PATCH", "/api/v1/vms/"+w.web, w.ana.token, `{"display_name":"`+name+`"}`), http.StatusOK)
	b := newBrowser(t)
	p := newTab(t, b, w.a.URL)
	p.open("/signin?lang=fa")
	p.fill(map[string]string{"#f-email": w.ana.email, "#f-password": testPassword})
	p.click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
	// x of the "u" that starts the name and of its last character, the "2".
	const measure = `(sel) => {
		const el = document.querySelector(sel);
		const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
		for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			const i = n.textContent.indexOf("ux-server");
			if (i < 0) continue;
			const j = n.textContent.indexOf(") 2", i) + 2;
			const at = (k) => { const r = document.createRange(); r.setStart(n, k); r.setEnd(n, k + 1); return r.getBoundingClientRect().left; };
			return [at(i), at(j)];
		}
		return null;
	}`
	for _, size := range []string{"desktop", "phone"} {
		if size == "phone" {
			p.atPhoneSize()
		}
		p.open("/vms/" + w.web + "?lang=fa")
		for _, sel := range []string{`label[for=f-confirm]`, `h1`} {
			got := p.MustEval(measure, sel)
			if got.Nil() {
				t.Fatalf("%s %s: the name is not in it", size, sel)
			}
			u, two := got.Get("0").Num(), got.Get("1").Num()
			if u >= two {
				t.Errorf("%s %s: the name reads out of order (its start at x=%.0f, its final 2 at x=%.0f)", size, sel, u, two)
			}
		}
		p.screenshot("bidi-vm-page-fa-" + size)
	}
}
