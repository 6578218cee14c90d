package web_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

var (
	latinDigit   = regexp.MustCompile(`[0-9]`)
	persianDigit = regexp.MustCompile(`[۰-۹]`)
	jalaliMonth  = regexp.MustCompile(`فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند`)
	latinMonth   = regexp.MustCompile(`Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec`)
)

// graphCharts are the Graphs tab's charts.
var graphCharts = []string{"cpu", "memory", "network", "disk", "iops"}

// The Graphs tab in Persian and English, on a phone and a desktop: a chart
// for each type of usage, drawn from the VM's samples; the range switch
// changes the points; the axes and the legend under the cursor are written
// in the page's digits and calendar (Persian digits and Jalali months in fa);
// the month's traffic is beside them; a VM without samples shows the empty
// state instead of charts.
func TestTheGraphsTabInTheBrowser(t *testing.T) {
	clock := testkit.NewClock(time.Now())
	w := newVMWorld(t, func(c *app.Config) { c.VM.Now = clock.Now })
	settle(t, w.a, w.web, vmstatus.Running)
	settle(t, w.a, w.db, vmstatus.Running)
	keptSamples(t, w, w.web, clock.Now().Unix())
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			digitsOK := func(what, s string) {
				t.Helper()
				if s == "" {
					t.Fatalf("%s: no labels", what)
				}
				if lang == i18n.FA && (latinDigit.MatchString(s) || !persianDigit.MatchString(s)) {
					t.Errorf("%s are not in Persian digits: %q", what, s)
				}
				if lang == i18n.EN && persianDigit.MatchString(s) {
					t.Errorf("%s carry Persian digits: %q", what, s)
				}
			}
			p := testkit.NewTab(t, testkit.NewBrowser(t), w.a.URL)
			p.SignIn(string(lang), w.ana.email)
			for _, size := range []string{"desktop", "phone"} {
				p.Open("/vms/" + w.web)
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				showTab(t, p, "graphs")
				p.WantLangDir(string(lang), lang.Dir())
				p.WantText(`.vm-tab[data-tab=graphs]`, T("vm.tab_graphs"))
				p.WaitDOM(10*time.Second, "the charts of the last hour are drawn",
					`() => document.querySelector('[data-graphs]')?.dataset.drawn === '1h'`)
				for _, c := range graphCharts {
					if n := p.MustEval(`(c) => document.querySelectorAll('[data-chart="' + c + '"] .uplot canvas').length`, c).Int(); n != 1 {
						t.Errorf("the %s chart has %d canvases, want 1", c, n)
					}
				}
				p.WantTexts(`[data-chart] figcaption`, T("graphs.cpu"), T("graphs.memory"), T("graphs.network"), T("graphs.disk"), T("graphs.iops"))
				if p.MustElement(`[data-testid=graphs-empty]`).MustVisible() {
					t.Error("the empty state shows beside the charts")
				}
				traffic := p.MustElement(`[data-testid=graphs-traffic]`).MustText()
				if want := T("vm.traffic_line", "received", i18n.Bytes(lang, 0), "sent", i18n.Bytes(lang, 0)); !strings.Contains(traffic, want) {
					t.Errorf("the month's traffic reads %q, want %q in it", traffic, want)
				}
				hour := graphState(p)
				for _, c := range graphCharts {
					ticks := p.MustEval(`(c) => document.querySelector('[data-chart="' + c + '"]').dataset.yTicks`, c).Str()
					digitsOK(c+"'s value axis", ticks)
				}
				digitsOK("the time axis", p.MustEval(`() => document.querySelector('[data-chart=cpu]').dataset.xTicks`).Str())

				// The legend under the cursor: the time and the value, in the page's digits.
				p.MustElement(`[data-chart=cpu] .u-over`).MustHover()
				legend := p.WaitDOM(5*time.Second, "the legend shows the point under the cursor", `() => {
					const v = [...document.querySelectorAll('[data-chart=cpu] .u-legend .u-value')].map(e => e.textContent);
					return v.length === 2 && v.every(s => s && s !== '–') ? v.join(' | ') : '' }`)
				digitsOK("the legend", legend)
				if want := T("graphs.percent", "n", i18n.Number(lang, 10)); !strings.Contains(legend, want) {
					t.Errorf("the legend reads %q, want the CPU %q", legend, want)
				}
				p.SaveFullScreenshot("graphs-" + string(lang) + "-" + size)

				// A week: other points, the days in the page's calendar.
				p.MustElement(`[data-range="7d"]`).MustClick()
				p.WaitDOM(10*time.Second, "the week is drawn", `() => document.querySelector('[data-graphs]')?.dataset.drawn === '7d'`)
				week := graphState(p)
				if week.slots == hour.slots || week.points == hour.points {
					t.Errorf("the week has %d slots and %d points, the hour %d and %d", week.slots, week.points, hour.slots, hour.points)
				}
				if got := p.MustEval(`() => [...document.querySelectorAll('[data-range]')].map(b => b.dataset.range + '=' + b.getAttribute('aria-pressed')).join(' ')`).Str(); got != "1h=false 24h=false 7d=true 30d=false 13mo=false" {
					t.Errorf("the range buttons are pressed as %q, want only 7d", got)
				}
				x := p.MustEval(`() => document.querySelector('[data-chart=cpu]').dataset.xTicks`).Str()
				digitsOK("the week's time axis", x)
				if lang == i18n.FA && !jalaliMonth.MatchString(x) || lang == i18n.EN && !latinMonth.MatchString(x) {
					t.Errorf("the week's time axis reads %q: not the page's calendar", x)
				}
				if size == "phone" {
					p.AtPhoneSize() // the charts fit the phone: nothing scrolls sideways
				}
			}

			// A VM never sampled: the empty state, no chart.
			p.Open("/vms/" + w.db + "?tab=graphs")
			p.WaitDOM(10*time.Second, "the empty state shows",
				`() => { const e = document.querySelector('[data-testid=graphs-empty]'); return e && !e.hidden && e.offsetParent !== null }`)
			p.WantText(`[data-testid=graphs-empty]`, T("graphs.empty"))
			if n := p.MustEval(`() => document.querySelectorAll('[data-graphs] canvas').length`).Int(); n != 0 {
				t.Errorf("a VM without samples shows %d canvases", n)
			}
			if p.MustElement(`[data-graphs-charts]`).MustVisible() {
				t.Error("a VM without samples shows the charts' titles beside the empty state")
			}
		})
	}
}

// graphShown is what the Graphs tab drew last.
type graphShown struct{ slots, points int }

func graphState(p *testkit.Tab) graphShown {
	v := p.MustEval(`() => { const d = document.querySelector('[data-graphs]').dataset; return [d.slots, d.points] }`).Arr()
	slots, _ := strconv.Atoi(v[0].Str())
	points, _ := strconv.Atoi(v[1].Str())
	return graphShown{slots, points}
}
