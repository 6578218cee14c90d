package testkit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/cdp"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"
	"github.com/ysmood/gson"

	"abrak/hypervisor/localvirt"
)

const chromiumBin = "/usr/bin/chromium"

// NewBrowser starts Debian's headless Chromium with a fresh profile and makes
// sure it is gone when the test ends. A failed step fails the test (t.Fatal),
// and no step waits longer than the test's browser deadline.
func NewBrowser(t *testing.T) *rod.Browser {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped in -short mode")
	}
	if _, err := os.Stat(chromiumBin); err != nil {
		t.Fatalf("%s is missing: `make deps` installs Debian's chromium package", chromiumBin)
	}
	l := launcher.New().Bin(chromiumBin).Leakless(false).Headless(true).NoSandbox(true).
		Set("disable-gpu").Set("disable-background-networking").Set("disable-component-update").
		Set("disable-sync").Set("no-first-run").UserDataDir(t.TempDir())
	u, err := l.Launch()
	if err != nil {
		t.Fatalf("launch chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	b := rod.New().ControlURL(u).Context(ctx)
	// Registered before Connect so that a failed connection still ends the process.
	t.Cleanup(func() {
		_ = b.Close()
		cancel()
		exited := make(chan struct{})
		go func() { l.Cleanup(); close(exited) }() // waits for the process to exit
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			l.Kill()
			<-exited
		}
	})
	if err := b.Connect(); err != nil {
		t.Fatalf("connect to chromium: %v", err)
	}
	return b.WithPanic(func(v any) { t.Helper(); t.Fatalf("%v\n%s", v, testFrames()) })
}

// testFrames names the test lines on the stack: rod reports a failed step from
// its own must.go, which does not say which step of the test it was.
func testFrames() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	var out []string
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.File, "_test.go") {
			out = append(out, fmt.Sprintf("\tat %s:%d", filepath.Base(f.File), f.Line))
		}
		if !more {
			return strings.Join(out, "\n")
		}
	}
}

// pageWatch records, in the page itself, what the Content-Security-Policy
// blocked and which scripts failed, for every document the tab loads.
const pageWatch = `window.__problems = [];
document.addEventListener('securitypolicyviolation', e => window.__problems.push('CSP ' + e.violatedDirective + ' ' + e.blockedURI));
window.addEventListener('error', e => window.__problems.push('error ' + (e.message || (e.target && (e.target.src || e.target.href)))), true);`

// Tab is a page of a browser, opened on the panel; its methods fail the test
// that opened it.
type Tab struct {
	t *testing.T
	*rod.Page
	base string
}

// NewTab opens a tab in b, at desktop size, that records what the
// Content-Security-Policy blocked and which scripts failed; paths it opens are
// under base.
func NewTab(t *testing.T, b *rod.Browser, base string) *Tab {
	p := b.MustPage("")
	p.MustEvalOnNewDocument(pageWatch)
	p.MustSetViewport(1280, 800, 1, false)
	return &Tab{t: t, Page: p, base: base}
}

// Open loads path and waits for the page to be ready.
func (tb *Tab) Open(path string) {
	tb.t.Helper()
	tb.MustNavigate(tb.base + path).MustWaitLoad()
	tb.Clean()
}

// submit clicks a form's button and waits until an element of the next page is there.
func (tb *Tab) Click(selector, thenSelector string) {
	tb.t.Helper()
	tb.MustElement(selector).MustClick()
	tb.SettledElement(thenSelector)
	tb.MustWaitLoad()
	tb.Clean()
}

// Fill types each value into the field its selector finds.
func (tb *Tab) Fill(fields map[string]string) {
	tb.t.Helper()
	for sel, v := range fields {
		tb.MustElement(sel).MustInput(v)
	}
}

// Retype replaces what fields already hold (Fill types after it), each
// field by selector.
func (tb *Tab) Retype(fields map[string]string) {
	tb.t.Helper()
	for sel, v := range fields {
		tb.MustElement(sel).MustSelectAllText().MustInput(v)
	}
}

// Path is the path of the page the tab shows.
func (tb *Tab) Path() string {
	tb.t.Helper()
	return tb.SettledEval(`() => location.pathname`).Str()
}

// Clean fails the test when the page broke a CSP rule or a script failed.
func (tb *Tab) Clean() {
	tb.t.Helper()
	if ps := tb.SettledEval(`() => window.__problems || []`).Arr(); len(ps) > 0 {
		tb.t.Errorf("%s: %v", tb.Path(), ps)
	}
	if tb.SettledEval(`() => typeof window.htmx`).Str() != "object" {
		tb.t.Errorf("%s: htmx did not load", tb.Path())
	}
}

// SettledEval evaluates js in the tab's current document. A page that is still
// being replaced (a redirect after a form, a language switch) destroys the
// document an evaluation started in; then it waits for the next one and asks again.
func (tb *Tab) SettledEval(js string) gson.JSON {
	tb.t.Helper()
	for try := 0; ; try++ {
		res, err := tb.Eval(js)
		if err == nil {
			return res.Value
		}
		var ce *cdp.Error
		replaced := errors.As(err, &ce) && ce.Code == -32000 // navigated, or context gone
		if !replaced || try == 50 {
			tb.t.Fatalf("evaluate %s: %v\n%s", js, err, testFrames())
		}
		_ = tb.WaitLoad()
		time.Sleep(20 * time.Millisecond)
	}
}

// SettledElement waits for selector in the document that the navigation under
// way leads to: a search that began in the page being left ends with -32000
// (Chromium's "Inspected target navigated or closed"), and then it searches again.
func (tb *Tab) SettledElement(selector string) *rod.Element {
	tb.t.Helper()
	for try := 0; ; try++ {
		el, err := tb.Element(selector)
		if err == nil {
			return el
		}
		var ce *cdp.Error
		if !errors.As(err, &ce) || ce.Code != -32000 || try == 50 {
			tb.t.Fatalf("find %s: %v\n%s", selector, err, testFrames())
		}
		_ = tb.WaitLoad()
		time.Sleep(20 * time.Millisecond)
	}
}

// LangDir is the page's <html lang dir>.
func (tb *Tab) LangDir() (string, string) {
	tb.t.Helper()
	v := tb.SettledEval(`() => [document.documentElement.lang, document.documentElement.dir]`).Arr()
	return v[0].Str(), v[1].Str()
}

// WantLangDir fails the test unless the page is in lang, written dir.
func (tb *Tab) WantLangDir(lang, dir string) {
	tb.t.Helper()
	if l, d := tb.LangDir(); l != lang || d != dir {
		tb.t.Errorf("%s: <html lang=%q dir=%q>, want %q %q", tb.Path(), l, d, lang, dir)
	}
}

// WantVazirmatn checks that body text is set in Vazirmatn and that the font
// file really loaded (a declared but failed font would silently fall back).
func (tb *Tab) WantVazirmatn() {
	tb.t.Helper()
	v := tb.MustEval(`() => document.fonts.ready.then(() => ({
		family: getComputedStyle(document.body).fontFamily,
		check: document.fonts.check('16px Vazirmatn'),
		loaded: [...document.fonts].some(f => f.family.replace(/["']/g, '') === 'Vazirmatn' && f.status === 'loaded'),
	}))`)
	if fam := v.Get("family").Str(); !strings.Contains(fam, "Vazirmatn") {
		tb.t.Errorf("%s: body font-family %q lacks Vazirmatn", tb.Path(), fam)
	}
	if !v.Get("check").Bool() || !v.Get("loaded").Bool() {
		tb.t.Errorf("%s: Vazirmatn did not load (check %v, loaded face %v)", tb.Path(), v.Get("check").Bool(), v.Get("loaded").Bool())
	}
}

// AtPhoneSize checks, at 390×844, that nothing scrolls sideways; it leaves the tab phone-sized.
func (tb *Tab) AtPhoneSize() {
	tb.t.Helper()
	tb.MustSetViewport(390, 844, 1, true)
	v := tb.MustEval(`() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() =>
		r([document.documentElement.scrollWidth, window.innerWidth]))))`).Arr()
	if sw, w := v[0].Int(), v[1].Int(); w != 390 || sw > w {
		tb.t.Errorf("%s at phone size: scrollWidth %d, innerWidth %d: the page scrolls sideways", tb.Path(), sw, w)
	}
}

// AtDesktopSize makes the tab 1280×800 again.
func (tb *Tab) AtDesktopSize() { tb.MustSetViewport(1280, 800, 1, false) }

// SaveScreenshot saves the viewport as artefacts/<name>.png at the repository root.
func (tb *Tab) SaveScreenshot(name string) { tb.t.Helper(); tb.capture(name, false) }

// capture saves the viewport, or the whole page when full, as artefacts/<name>.png.
func (tb *Tab) capture(name string, full bool) {
	tb.t.Helper()
	img, err := tb.Screenshot(full, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng})
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join(repoRoot(tb.t), "artefacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// WaitDOM evaluates js (a function of args) in the page until it returns
// something truthy, and returns that as a string; it fails the test after
// limit. A navigation in between only costs a round.
func (tb *Tab) WaitDOM(limit time.Duration, what, js string, args ...any) string {
	tb.t.Helper()
	probe := `(...a) => { const v = (` + js + `)(...a); return v ? String(v) : "" }`
	deadline := time.Now().Add(limit)
	for {
		res, err := tb.Evaluate(rod.Eval(probe, args...))
		if err == nil && res.Value.Str() != "" {
			return res.Value.Str()
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s: gave up after %s waiting until %s (last error: %v)", tb.Path(), limit, what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ConfirmClick clicks a button that asks first in the page's confirmation
// dialog, checks the question and confirms it, then waits for the page the
// confirmed form leads to.
func (tb *Tab) ConfirmClick(selector, question string) {
	tb.t.Helper()
	if got := tb.AskConfirm(selector); got != question {
		tb.t.Errorf("the confirmation asks %q, want %q", got, question)
	}
	// The page that follows is a new document, without this mark.
	tb.MustEval(`() => { window.__beforeConfirm = true }`)
	tb.MustElement(`#confirm-dialog[open] [data-confirm-ok]`).MustClick()
	tb.WaitDOM(30*time.Second, "the confirmed form's page loads", `() => !window.__beforeConfirm && document.readyState === "complete"`)
	tb.MustWaitLoad()
}

// AskConfirm clicks a button that asks first, and returns the question the
// page's confirmation dialog shows, leaving it open.
func (tb *Tab) AskConfirm(selector string) string {
	tb.t.Helper()
	tb.MustElement(selector).MustClick()
	return tb.WaitDOM(30*time.Second, "the confirmation dialog opens", `() => {
		const d = document.getElementById("confirm-dialog");
		return d && d.open && d.querySelector("[data-confirm-question]").textContent;
	}`)
}

// SaveFullScreenshot saves the whole page, not just the viewport, as artefacts/<name>.png.
func (tb *Tab) SaveFullScreenshot(name string) { tb.t.Helper(); tb.capture(name, true) }

// SaveAtBothWidths saves the whole page at phone width (checking, as
// AtPhoneSize does, that nothing scrolls sideways) as <prefix>phone.png and
// at desktop width as <prefix>desktop.png; it leaves the tab desktop-sized.
func (tb *Tab) SaveAtBothWidths(prefix string) {
	tb.t.Helper()
	tb.AtPhoneSize()
	tb.SaveFullScreenshot(prefix + "phone")
	tb.AtDesktopSize()
	tb.SaveFullScreenshot(prefix + "desktop")
}

// SignIn signs the account email (with the tests' Password) in through the
// sign-in page in lang, and waits for the signed-in header.
func (tb *Tab) SignIn(lang, email string) {
	tb.t.Helper()
	tb.Open("/signin?lang=" + lang)
	tb.Fill(map[string]string{"#f-email": email, "#f-password": Password})
	tb.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
}

// repoRoot is the module root, where the artefacts folder lives.
func repoRoot(testing.TB) string { return localvirt.RepoRoot() }

// WantText checks the text a customer reads in the element selector.
func (tb *Tab) WantText(selector, want string) {
	tb.t.Helper()
	if got := tb.MustElement(selector).MustText(); got != want {
		tb.t.Errorf("%s reads %q, want %q", selector, got, want)
	}
}

// WantTexts checks the texts of every element selector finds, in order.
func (tb *Tab) WantTexts(selector string, want ...string) {
	tb.t.Helper()
	got := tb.MustEval(`(sel) => [...document.querySelectorAll(sel)].map(e => e.innerText.trim())`, selector).Arr()
	if len(got) != len(want) {
		tb.t.Errorf("%s: %d elements, want %d", selector, len(got), len(want))
		return
	}
	for i := range want {
		if got[i].Str() != want[i] {
			tb.t.Errorf("%s #%d reads %q, want %q", selector, i, got[i].Str(), want[i])
		}
	}
}
