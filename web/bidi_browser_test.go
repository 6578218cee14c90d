package web_test

import (
	"net/http"
	"testing"

	"abrak/testkit"
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
	testkit.MustStatus(t, "rename", w.a.APICall(t, "PATCH", "/api/v1/vms/"+w.web, w.ana.token, `{"display_name":"`+name+`"}`), http.StatusOK)
	b := testkit.NewBrowser(t)
	p := testkit.NewTab(t, b, w.a.URL)
	p.Open("/signin?lang=fa")
	p.Fill(map[string]string{"#f-email": w.ana.email, "#f-password": testkit.Password})
	p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
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
			p.AtPhoneSize()
		}
		p.Open("/vms/" + w.web + "?tab=danger&lang=fa")
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
		p.SaveScreenshot("bidi-vm-page-fa-" + size)
	}
}

// A ledger's amount and balance columns read alike: in Persian «تومان» stands
// left of the digits in both, and a credit's plus or a debit's minus stands
// right beside the digits on their left, as in English.
func TestLedgerAmountsReadAlike(t *testing.T) {
	w := newVMWorld(t) // ana's wallet has a credit, and orders' debits
	b := testkit.NewBrowser(t)
	p := testkit.NewTab(t, b, w.a.URL)
	p.Open("/signin?lang=fa")
	p.Fill(map[string]string{"#f-email": w.ana.email, "#f-password": testkit.Password})
	p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
	// For each cell: x of its sign (null when none), of its first and last digit, and of its unit word.
	const measure = `(sel) => [...document.querySelectorAll(sel)].map((cell) => {
		const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
		const box = {sign: null, first: null, last: null, unit: null};
		for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			const t = n.textContent;
			const at = (k) => { const r = document.createRange(); r.setStart(n, k); r.setEnd(n, k + 1); const b = r.getBoundingClientRect(); return b.left + b.width / 2; };
			const digits = [...t].map((c, i) => /[0-9۰-۹]/.test(c) ? i : -1).filter((i) => i >= 0);
			if (!digits.length) continue;
			box.first = at(digits[0]);
			box.last = at(digits[digits.length - 1]);
			const s = t.search(/[+−-]/);
			if (s >= 0) box.sign = at(s);
			const u = t.search(/تومان|toman/);
			if (u >= 0) box.unit = at(u);
		}
		return box;
	})`
	for _, lang := range []string{"fa", "en"} {
		p.Open("/wallet?lang=" + lang)
		signs := 0
		for _, col := range []string{"[data-ledger-amount]", "[data-ledger-balance]"} {
			cells := p.MustEval(measure, col).Arr()
			if len(cells) == 0 {
				t.Fatalf("%s: no %s cells", lang, col)
			}
			for i, c := range cells {
				first, last, unit := c.Get("first").Num(), c.Get("last").Num(), c.Get("unit").Num()
				left, right := min(first, last), max(first, last)
				if lang == "fa" && unit > left || lang == "en" && unit < right {
					t.Errorf("%s %s row %d: the unit word is on the wrong side of the digits (unit %.0f, digits %.0f–%.0f)", lang, col, i, unit, left, right)
				}
				if !c.Get("sign").Nil() {
					signs++
					if sign := c.Get("sign").Num(); sign > left || lang == "fa" && sign < unit {
						t.Errorf("%s %s row %d: the sign is not just left of the digits (sign %.0f, digits %.0f–%.0f, unit %.0f)", lang, col, i, sign, left, right, unit)
					}
				}
			}
		}
		if signs == 0 {
			t.Errorf("%s: no signed amount in the ledger to measure", lang)
		}
		p.SaveScreenshot("wallet-ledger-" + lang)
	}
}
