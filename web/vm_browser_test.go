package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"abrak/store"
	"abrak/views/i18n"
)

// A VM's whole life in the dashboard, in headless Chromium against a real
// QEMU guest: order it through the form, watch it boot, rename it inline,
// shut it down, delete it into the recycle bin and bring it back from Recently
// deleted, in Persian and in English.

// vmScenario is what a customer types, in one language.
type vmScenario struct {
	lang                    i18n.Locale
	region                  string // as the region list shows it
	hostname, name, renamed string
}

// statusWait bounds every wait for the guest; TCG on a busy machine is slow.
const statusWait = 90 * time.Second

func TestVMBrowser(t *testing.T) {
	qp := newQEMUPanel(t)
	// Listed before the fixture's catalog, so that only a customer who really
	// chooses gets a VM that runs: the decoy region has no node and the decoy
	// template's image is on none.
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(qp.DB.UpsertRegion(ctx, store.Region{Slug: "ahv", NameFA: "اهواز", NameEN: "Ahvaz", IPNetwork: "10.32.0.0/24", Gateway: "10.32.0.1"}))
	must(qp.DB.UpsertPlan(ctx, store.Plan{Slug: "small", NameFA: "کم", NameEN: "Small", VCPUs: 1, MemoryMB: 512, DiskGB: 2,
		PriceHourlyRials: 2_000, Sort: 0, Active: true}))
	must(qp.DB.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "debian-12", Name: "Debian 12", Volume: "debian-12.qcow2", MinDiskGB: 1, Sort: 0, Active: true}))

	for _, sc := range []vmScenario{
		{lang: i18n.FA, region: "تهران", hostname: "web-fa", name: "سرور آزمایشی", renamed: "سرور اصلی"},
		{lang: i18n.EN, region: "Tehran", hostname: "web-en", name: "Test server", renamed: "Main server"},
	} {
		t.Run(string(sc.lang), func(t *testing.T) { vmLifeInBrowser(t, qp, sc) })
	}
}

func vmLifeInBrowser(t *testing.T, qp *qemuPanel, sc vmScenario) {
	lang := sc.lang
	T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
	email := string(lang) + "-customer@example.com"
	qp.customer(t, email)
	p := qp.signedInTab(t, email, string(lang))

	// The order form: region, plan and template chosen, a generated password.
	p.open("/vms/new")
	p.wantLangDir(string(lang), lang.Dir())
	p.MustElement("#f-region").MustSelect(sc.region)
	p.MustElement(`[data-plan="` + qemuPlan + `"]`).MustClick()
	p.MustElement(`[data-template="` + qemuTemplate + `"]`).MustClick()
	p.MustElement("#auth-password").MustClick()
	for _, sel := range []string{`[data-plan="` + qemuPlan + `"] input`, `[data-template="` + qemuTemplate + `"] input`, "#auth-password"} {
		if !p.MustElement(sel).MustProperty("checked").Bool() {
			t.Errorf("%s is not checked after clicking it", sel)
		}
	}
	p.MustElement(`[data-generate-password="f-custom_password"]`).MustClick()
	pw := p.MustElement("#f-custom_password")
	if v := pw.MustProperty("value").Str(); len(v) < 14 {
		t.Errorf("the generated password %q is too short", v)
	}
	if typ := pw.MustProperty("type").Str(); typ != "text" {
		t.Errorf("the generated password is hidden (type=%s): the customer cannot keep it", typ)
	}
	if hint := p.MustElement("#custom-password-strength").MustText(); hint != T("vm.strength_strong") {
		t.Errorf("strength hint %q, want %q", hint, T("vm.strength_strong"))
	}
	p.fill(map[string]string{"#f-hostname": sc.hostname, "#f-display_name": sc.name})
	ordered := time.Now()
	p.click(`[data-testid=create-submit]`, `[data-testid=vm-live]`)
	uuid, ok := strings.CutPrefix(p.path(), "/vms/")
	if !ok || uuid == "" {
		t.Fatalf("after ordering the browser is at %s, want a VM page", p.path())
	}
	vm := vmRow(t, qp.testApp, uuid)
	if vm.Region != qemuRegion || vm.PlanSlug != qemuPlan || vm.OSTemplateSlug != qemuTemplate || vm.Hostname != sc.hostname || vm.DisplayName != sc.name {
		t.Fatalf("ordered %s/%s/%s %q %q, want %s/%s/%s %q %q", vm.Region, vm.PlanSlug, vm.OSTemplateSlug, vm.Hostname, vm.DisplayName,
			qemuRegion, qemuPlan, qemuTemplate, sc.hostname, sc.name)
	}

	// The page follows the guest until it runs.
	status := p.waitStatus("running", "failed")
	sawRunning := time.Since(ordered)
	if status != "running" {
		t.Fatalf("the VM page shows %q (%s)", status, p.MustElement("[data-testid=vm-live]").MustText())
	}
	t.Logf("%s: ordered to running on the page in %s", lang, sawRunning.Round(100*time.Millisecond))
	// The page reloads itself once the VM can be operated on; let it finish.
	p.MustWaitLoad()
	p.clean()
	p.waitDOM(30*time.Second, "the badge reads "+T("vm.status.running"),
		`(want) => document.querySelector('[data-testid=vm-live] [data-status]')?.textContent.trim() === want`, T("vm.status.running"))
	p.wantLangDir(string(lang), lang.Dir())
	p.wantLocalDigits(lang)
	p.fullScreenshot("vm-" + string(lang))

	// Inline rename: only the title is replaced, and the page names the VM anew.
	p.MustElement("#vm-title summary").MustClick()
	p.MustElement(`#vm-title input[name=display_name]`).MustSelectAllText().MustInput(sc.renamed)
	p.MustElement(`#vm-title button[type=submit]`).MustClick()
	p.waitDOM(30*time.Second, "the title shows "+sc.renamed,
		`(want) => document.querySelector('[data-testid=vm-name]')?.textContent.trim() === want`, sc.renamed)
	if got := vmRow(t, qp.testApp, uuid).DisplayName; got != sc.renamed {
		t.Errorf("the database holds the name %q, want %q", got, sc.renamed)
	}
	if want := p.MustElement("#f-confirm").MustAttribute("data-confirm-text"); *want != sc.renamed {
		t.Errorf("after the rename the delete form asks for %q, want %q", *want, sc.renamed)
	}

	// Shut down, confirming the question that names the VM.
	shutdown := time.Now()
	p.confirmClick(`[data-action=shutdown]`, T("vm.confirm.shutdown", "name", isolated(sc.renamed)))
	if status := p.waitStatus("stopped", "failed"); status != "stopped" {
		t.Fatalf("after shutdown the page shows %q", status)
	}
	t.Logf("%s: shutdown to stopped on the page in %s", lang, time.Since(shutdown).Round(100*time.Millisecond))
	p.waitDOM(30*time.Second, "the badge reads "+T("vm.status.stopped"),
		`(want) => document.querySelector('[data-testid=vm-live] [data-status]')?.textContent.trim() === want`, T("vm.status.stopped"))
	if st := qp.domains(t)[uuid]; st != "stopped" {
		t.Errorf("libvirt reports the shut-down domain as %q", st)
	}

	// Delete, on the danger zone's tab. The delete for good waits for the VM's
	// name; the one into the recycle bin asks a question that names it.
	p.showTab("danger")
	p.MustElement(`[data-testid=purge] summary`).MustClick()
	del := p.MustElement(`[data-testid=purge-form] button[type=submit]`)
	if !del.MustProperty("disabled").Bool() {
		t.Error("the delete for good is enabled before the name is typed")
	}
	typed := []rune(sc.renamed)
	p.MustElement("#f-confirm").MustInput(string(typed[:len(typed)-1]))
	if !del.MustProperty("disabled").Bool() {
		t.Error("the delete for good is enabled with part of the name typed")
	}
	p.MustElement("#f-confirm").MustSelectAllText().MustInput(sc.renamed)
	if del.MustProperty("disabled").Bool() {
		t.Fatal("the delete for good stays disabled with the name typed")
	}
	before := vmRow(t, qp.testApp, uuid)
	p.confirmClick(`[data-testid=delete-form] button[type=submit]`,
		T("bin.delete_confirm", "name", isolated(sc.renamed), "grace", T("duration.hours.other", "n", i18n.Number(lang, 24))))
	p.settledElement(`[data-testid=recently-deleted]`)
	if p.path() != "/vms" {
		t.Errorf("after deleting the browser is at %s, want /vms", p.path())
	}
	p.waitDOM(statusWait, "the VM leaves the list's table", `(uuid) => !document.querySelector('#vm-table tr[data-vm="' + uuid + '"]')`, uuid)
	if st := vmRow(t, qp.testApp, uuid).Status; st != "deleted" {
		t.Errorf("the deleted VM's status is %q, want deleted (in the recycle bin)", st)
	}
	waitFor(t, time.Minute, "the binned VM's domain is off", func() bool { return qp.domains(t)[uuid] == "stopped" })
	p.wantLangDir(string(lang), lang.Dir())
	restoreFromRecentlyDeleted(t, qp, p, lang, before)
}

// waitStatus polls the VM page's badge (htmx refreshes it) until it shows one
// of statuses, and returns that status.
func (tb *tab) waitStatus(statuses ...string) string {
	tb.t.Helper()
	return tb.waitDOM(statusWait, "the status is one of "+strings.Join(statuses, ", "), `(want) => {
		const s = document.querySelector('[data-testid=vm-live] [data-status]')?.dataset.status;
		return want.includes(s) ? s : null;
	}`, statuses)
}

// waitDOM evaluates js (a function of args) in the page until it returns
// something truthy, and returns that as a string; it fails the test after
// limit. A navigation in between only costs a round.
func (tb *tab) waitDOM(limit time.Duration, what, js string, args ...any) string {
	tb.t.Helper()
	probe := `(...a) => { const v = (` + js + `)(...a); return v ? String(v) : "" }`
	deadline := time.Now().Add(limit)
	for {
		res, err := tb.Evaluate(rod.Eval(probe, args...))
		if err == nil && res.Value.Str() != "" {
			return res.Value.Str()
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s: gave up after %s waiting until %s (last error: %v)", tb.path(), limit, what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// confirmClick clicks a button that asks window.confirm first, checks the
// question and accepts it.
func (tb *tab) confirmClick(selector, question string) {
	tb.t.Helper()
	button := tb.MustElement(selector)
	wait, handle := tb.HandleDialog()
	clicked := make(chan error, 1)
	// confirm() blocks the page until answered, and the click with it.
	go func() { clicked <- button.Click(proto.InputMouseButtonLeft, 1) }()
	asked := make(chan *proto.PageJavascriptDialogOpening, 1)
	go func() { asked <- wait() }()
	select {
	case d := <-asked:
		if d.Message != question {
			tb.t.Errorf("the confirmation asks %q, want %q", d.Message, question)
		}
	case <-time.After(30 * time.Second):
		tb.t.Fatalf("clicking %s asked nothing", selector)
	}
	if err := handle(&proto.PageHandleJavaScriptDialog{Accept: true}); err != nil {
		tb.t.Fatalf("accept the confirmation: %v", err)
	}
	if err := <-clicked; err != nil {
		tb.t.Fatalf("click %s: %v", selector, err)
	}
	tb.MustWaitLoad()
}

// wantLocalDigits checks that the VM page writes dates, sizes, prices and the
// balance in the locale's digits: Persian with a Jalali year in fa, Latin
// with a Gregorian year in en.
func (tb *tab) wantLocalDigits(lang i18n.Locale) {
	tb.t.Helper()
	texts := tb.MustEval(`() => [...document.querySelectorAll(
		'[data-testid=vm-created], [data-testid=balance], [data-testid=vm-plan], [data-testid=vm-traffic], [data-testid=vm-actions] td.whitespace-nowrap, [data-testid=vm-activity] li > span:first-child'
	)].map(e => e.textContent.trim())`).Arr()
	if len(texts) < 4 {
		tb.t.Fatalf("found only %d dates and figures on the VM page", len(texts))
	}
	for _, x := range texts {
		s := x.Str()
		switch {
		case lang == i18n.FA && (asciiDigitRe.MatchString(s) || !persianDigitRe.MatchString(s)):
			tb.t.Errorf("fa VM page: %q is not written in Persian digits", s)
		case lang == i18n.EN && (persianDigitRe.MatchString(s) || !asciiDigitRe.MatchString(s)):
			tb.t.Errorf("en VM page: %q is not written in Latin digits", s)
		}
	}
	created := tb.MustElement("[data-testid=vm-created]").MustText()
	if lang == i18n.FA && !jalaliYear.MatchString(created) {
		tb.t.Errorf("fa created date %q is not a Jalali date", created)
	}
	if lang == i18n.EN && !strings.Contains(created, time.Now().UTC().Format("2006")) {
		tb.t.Errorf("en created date %q lacks this Gregorian year", created)
	}
}

// fullScreenshot saves the whole page, not just the viewport, as artefacts/<name>.png.
func (tb *tab) fullScreenshot(name string) { tb.t.Helper(); tb.capture(name, true) }
