package web_test

import (
	"fmt"
	"strings"
	"testing"

	"abrak/testkit"
	"abrak/vmstatus"
)

// contrastProblems lists the page's visible text whose contrast with what is
// behind it is under WCAG's 4.5:1 (3:1 for large text), each once.
const contrastProblems = `() => {
	const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
	const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
	const behind = (el) => {
		for (let e = el; e; e = e.parentElement) {
			const c = parse(getComputedStyle(e).backgroundColor);
			if (c && c.a > 0.5) return c;
		}
		return {r: 255, g: 255, b: 255, a: 1};
	};
	const out = new Set();
	const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = walker.nextNode(); n; n = walker.nextNode()) {
		const text = n.textContent.trim();
		const el = n.parentElement;
		if (!text || !el || el.closest("[hidden], .sr-only, #console-screen, canvas, svg")) continue;
		const st = getComputedStyle(el);
		if (st.visibility === "hidden" || st.display === "none" || parseFloat(st.opacity) < 0.6 || !el.getClientRects().length) continue;
		if (el.closest("button:disabled, fieldset:disabled, [aria-disabled=true]")) continue; // WCAG exempts inactive controls
		const fg = parse(st.color), bg = behind(el);
		if (!fg) continue;
		const a = lum(fg), b = lum(bg);
		const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
		const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight, 10) >= 700;
		const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
		if (ratio < need) out.add(el.tagName.toLowerCase() + "." + [...el.classList].join(".") + " «" + text.slice(0, 30) + "» " + ratio.toFixed(2) + " on rgb(" + bg.r + "," + bg.g + "," + bg.b + ")");
	}
	return [...out];
}`

// Every page, in both languages, keeps its text readable: 4.5:1 against what
// is behind it (3:1 for large text), grey hints on tinted cards included.
func TestTextContrast(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.web, vmstatus.Running)
	b := testkit.NewBrowser(t)
	p := testkit.NewTab(t, b, w.a.URL)
	for _, path := range []string{"/?lang=fa", "/signin?lang=en", "/signup?lang=fa"} {
		p.Open(path)
		for _, problem := range p.MustEval(contrastProblems).Arr() {
			t.Errorf("%s: %s", path, problem.Str())
		}
	}
	p.Open("/signin?lang=fa")
	p.Fill(map[string]string{"#f-email": w.ana.email, "#f-password": testkit.Password})
	p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
	pages := []string{"/vms", "/vms/new", "/wallet", "/activity", "/account", "/tokens", "/ssh-keys", "/docs/api"}
	for _, tab := range vmTabNames { // each tab of the VM page shows its own texts
		pages = append(pages, "/vms/"+w.web+"?tab="+tab)
	}
	for _, lang := range []string{"fa", "en"} {
		for _, path := range pages {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			p.Open(fmt.Sprintf("%s%slang=%s", path, sep, lang))
			for _, problem := range p.MustEval(contrastProblems).Arr() {
				t.Errorf("%s (%s): %s", path, lang, problem.Str())
			}
		}
	}
}
