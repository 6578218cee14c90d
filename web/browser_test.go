package web_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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

// newBrowser starts Debian's headless Chromium with a fresh profile and makes
// sure it is gone when the test ends. A failed step fails the test (t.Fatal),
// and no step waits longer than the test's browser deadline.
func newBrowser(t *testing.T) *rod.Browser {
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

type tab struct {
	t *testing.T
	*rod.Page
	base string
}

func newTab(t *testing.T, b *rod.Browser, base string) *tab {
	p := b.MustPage("")
	p.MustEvalOnNewDocument(pageWatch)
	p.MustSetViewport(1280, 800, 1, false)
	return &tab{t: t, Page: p, base: base}
}

// open loads path and waits for the page to be ready.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.MustNavigate(tb.base + path).MustWaitLoad()
	tb.clean()
}

// submit clicks a form's button and waits until an element of the next page is there.
func (tb *tab) click(selector, thenSelector string) {
	tb.t.Helper()
	tb.MustElement(selector).MustClick()
	tb.settledElement(thenSelector)
	tb.MustWaitLoad()
	tb.clean()
}

func (tb *tab) fill(fields map[string]string) {
	tb.t.Helper()
	for sel, v := range fields {
		tb.MustElement(sel).MustInput(v)
	}
}

func (tb *tab) path() string {
	tb.t.Helper()
	return tb.settledEval(`() => location.pathname`).Str()
}

// clean fails the test when the page broke a CSP rule or a script failed.
func (tb *tab) clean() {
	tb.t.Helper()
	if ps := tb.settledEval(`() => window.__problems || []`).Arr(); len(ps) > 0 {
		tb.t.Errorf("%s: %v", tb.path(), ps)
	}
	if tb.settledEval(`() => typeof window.htmx`).Str() != "object" {
		tb.t.Errorf("%s: htmx did not load", tb.path())
	}
}

// settledEval evaluates js in the tab's current document. A page that is still
// being replaced (a redirect after a form, a language switch) destroys the
// document an evaluation started in; then it waits for the next one and asks again.
func (tb *tab) settledEval(js string) gson.JSON {
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

// settledElement waits for selector in the document that the navigation under
// way leads to: a search that began in the page being left ends with -32000
// (Chromium's "Inspected target navigated or closed"), and then it searches again.
func (tb *tab) settledElement(selector string) *rod.Element {
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

func (tb *tab) langDir() (string, string) {
	tb.t.Helper()
	v := tb.settledEval(`() => [document.documentElement.lang, document.documentElement.dir]`).Arr()
	return v[0].Str(), v[1].Str()
}

func (tb *tab) wantLangDir(lang, dir string) {
	tb.t.Helper()
	if l, d := tb.langDir(); l != lang || d != dir {
		tb.t.Errorf("%s: <html lang=%q dir=%q>, want %q %q", tb.path(), l, d, lang, dir)
	}
}

// wantVazirmatn checks that body text is set in Vazirmatn and that the font
// file really loaded (a declared but failed font would silently fall back).
func (tb *tab) wantVazirmatn() {
	tb.t.Helper()
	v := tb.MustEval(`() => document.fonts.ready.then(() => ({
		family: getComputedStyle(document.body).fontFamily,
		check: document.fonts.check('16px Vazirmatn'),
		loaded: [...document.fonts].some(f => f.family.replace(/["']/g, '') === 'Vazirmatn' && f.status === 'loaded'),
	}))`)
	if fam := v.Get("family").Str(); !strings.Contains(fam, "Vazirmatn") {
		tb.t.Errorf("%s: body font-family %q lacks Vazirmatn", tb.path(), fam)
	}
	if !v.Get("check").Bool() || !v.Get("loaded").Bool() {
		tb.t.Errorf("%s: Vazirmatn did not load (check %v, loaded face %v)", tb.path(), v.Get("check").Bool(), v.Get("loaded").Bool())
	}
}

// atPhoneSize checks, at 390×844, that nothing scrolls sideways; it leaves the tab phone-sized.
func (tb *tab) atPhoneSize() {
	tb.t.Helper()
	tb.MustSetViewport(390, 844, 1, true)
	v := tb.MustEval(`() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() =>
		r([document.documentElement.scrollWidth, window.innerWidth]))))`).Arr()
	if sw, w := v[0].Int(), v[1].Int(); w != 390 || sw > w {
		tb.t.Errorf("%s at phone size: scrollWidth %d, innerWidth %d: the page scrolls sideways", tb.path(), sw, w)
	}
}

func (tb *tab) atDesktopSize() { tb.MustSetViewport(1280, 800, 1, false) }

// screenshot saves the viewport as artefacts/<name>.png at the repository root.
func (tb *tab) screenshot(name string) { tb.t.Helper(); tb.capture(name, false) }

// capture saves the viewport, or the whole page when full, as artefacts/<name>.png.
func (tb *tab) capture(name string, full bool) {
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

var (
	persianDigitRe = regexp.MustCompile(`[۰-۹]`)
	asciiDigitRe   = regexp.MustCompile(`[0-9]`)
)

func TestBrowserPersianAndEnglish(t *testing.T) {
	a := newTestApp(t)
	p := newTab(t, newBrowser(t), a.URL)
	const email, password = "sara@example.com", "a-long-browser-passphrase"

	// Sign up in Persian by typing into the form.
	p.open("/signup?lang=fa")
	p.wantLangDir("fa", "rtl")
	p.wantVazirmatn()
	p.atPhoneSize()
	p.atDesktopSize()
	p.fill(map[string]string{"#f-name": "سارا رضایی", "#f-email": email, "#f-password": password, "#f-confirm": password})
	p.click(`form[action="/signup"] button[type=submit]`, `[data-testid=balance]`)
	if p.path() != "/vms" {
		t.Fatalf("after sign-up the browser is at %s, want /vms", p.path())
	}
	p.wantLangDir("fa", "rtl")
	p.wantVazirmatn()
	balance := p.MustElement(`[data-testid=balance]`).MustText()
	if !persianDigitRe.MatchString(balance) || asciiDigitRe.MatchString(balance) {
		t.Errorf("balance %q is not written in Persian digits", balance)
	}
	if !strings.Contains(balance, "تومان") {
		t.Errorf("balance %q is not in toman", balance)
	}

	// Sign out, then sign in again, still in Persian.
	p.click(`[data-testid=signout]`, `form[action="/signin"]`)
	p.wantLangDir("fa", "rtl")
	p.fill(map[string]string{"#f-email": email, "#f-password": password})
	p.click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
	p.wantLangDir("fa", "rtl")
	p.screenshot("dashboard-fa-desktop")
	p.atPhoneSize()
	p.screenshot("dashboard-fa-phone")
	p.atDesktopSize()

	// The visible switch turns the panel to English, left to right.
	p.click(`[data-testid=lang-switch]`, `html[lang=en]`)
	p.wantLangDir("en", "ltr")
	p.wantVazirmatn()
	if h := p.MustElement("main h1").MustText(); h != "VMs" {
		t.Errorf("English dashboard title %q, want VMs", h)
	}
	if b := p.MustElement(`[data-testid=balance]`).MustText(); !strings.Contains(b, "0 toman") {
		t.Errorf("English balance %q", b)
	}
	if nav := p.MustElement("nav").MustText(); !strings.Contains(nav, "Wallet") || !strings.Contains(nav, "Account") {
		t.Errorf("English navigation %q", nav)
	}
	p.screenshot("dashboard-en-desktop")
	p.atPhoneSize()
	p.screenshot("dashboard-en-phone")

	// The account page, the widest form of the shell, also fits a phone.
	p.open("/account")
	p.atPhoneSize()
	p.screenshot("account-en-phone")
	p.atDesktopSize()

	p.click(`[data-testid=signout]`, `form[action="/signin"]`)
	p.wantLangDir("en", "ltr")
	if p.MustHas(`[data-testid=balance]`) {
		t.Error("the header still shows a balance after sign-out")
	}
}

// repoRoot is the module root, where the artefacts folder lives.
func repoRoot(testing.TB) string { return localvirt.RepoRoot() }
