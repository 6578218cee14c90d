package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"abrak/store"
	"abrak/testkit"
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
	t.Parallel()
	qp := testkit.NewQEMUPanel(t)
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

func vmLifeInBrowser(t *testing.T, qp *testkit.QEMUPanel, sc vmScenario) {
	lang := sc.lang
	T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
	email := string(lang) + "-customer@example.com"
	qp.Customer(t, email)
	p := qp.SignedInTab(t, email, string(lang))

	// The order form: region, plan and template chosen, a generated password.
	p.Open("/vms/new")
	p.WantLangDir(string(lang), lang.Dir())
	p.MustElement("#f-region").MustSelect(sc.region)
	p.MustElement(`[data-plan="` + testkit.QEMUPlan + `"]`).MustClick()
	p.MustElement(`[data-template="` + testkit.QEMUTemplate + `"]`).MustClick()
	p.MustElement("#auth-password").MustClick()
	for _, sel := range []string{`[data-plan="` + testkit.QEMUPlan + `"] input`, `[data-template="` + testkit.QEMUTemplate + `"] input`, "#auth-password"} {
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
	p.Fill(map[string]string{"#f-hostname": sc.hostname, "#f-display_name": sc.name})
	ordered := time.Now()
	p.Click(`[data-testid=create-submit]`, `[data-testid=vm-live]`)
	uuid, ok := strings.CutPrefix(p.Path(), "/vms/")
	if !ok || uuid == "" {
		t.Fatalf("after ordering the browser is at %s, want a VM page", p.Path())
	}
	vm := vmRow(t, qp.App, uuid)
	if vm.Region != testkit.QEMURegion || vm.PlanSlug != testkit.QEMUPlan || vm.OSTemplateSlug != testkit.QEMUTemplate || vm.Hostname != sc.hostname || vm.DisplayName != sc.name {
		t.Fatalf("ordered %s/%s/%s %q %q, want %s/%s/%s %q %q", vm.Region, vm.PlanSlug, vm.OSTemplateSlug, vm.Hostname, vm.DisplayName,
			testkit.QEMURegion, testkit.QEMUPlan, testkit.QEMUTemplate, sc.hostname, sc.name)
	}

	// The page follows the guest until it runs.
	status := waitStatus(t, p, "running", "failed")
	sawRunning := time.Since(ordered)
	if status != "running" {
		t.Fatalf("the VM page shows %q (%s)", status, p.MustElement("[data-testid=vm-live]").MustText())
	}
	t.Logf("%s: ordered to running on the page in %s", lang, sawRunning.Round(100*time.Millisecond))
	// The page reloads itself once the VM can be operated on; let it finish.
	p.MustWaitLoad()
	p.Clean()
	p.WaitDOM(30*time.Second, "the badge reads "+T("vm.status.running"),
		`(want) => document.querySelector('[data-testid=vm-live] [data-status]')?.textContent.trim() === want`, T("vm.status.running"))
	p.WantLangDir(string(lang), lang.Dir())
	wantLocalDigits(t, p, lang)
	p.SaveFullScreenshot("vm-" + string(lang))

	// Inline rename: only the title is replaced, and the page names the VM anew.
	p.MustElement("#vm-title summary").MustClick()
	p.MustElement(`#vm-title input[name=display_name]`).MustSelectAllText().MustInput(sc.renamed)
	p.MustElement(`#vm-title button[type=submit]`).MustClick()
	p.WaitDOM(30*time.Second, "the title shows "+sc.renamed,
		`(want) => document.querySelector('[data-testid=vm-name]')?.textContent.trim() === want`, sc.renamed)
	if got := vmRow(t, qp.App, uuid).DisplayName; got != sc.renamed {
		t.Errorf("the database holds the name %q, want %q", got, sc.renamed)
	}
	if want := p.MustElement("#f-confirm").MustAttribute("data-confirm-text"); *want != sc.renamed {
		t.Errorf("after the rename the delete form asks for %q, want %q", *want, sc.renamed)
	}

	// Shut down, confirming the question that names the VM.
	shutdown := time.Now()
	row := vmRow(t, qp.App, uuid)
	p.ConfirmClick(`[data-action=shutdown]`, T("vm.confirm.shutdown", "name", testkit.Isolated(sc.renamed))+" "+
		T("vm.confirm_still_billed", "price", i18n.Money(lang, row.PriceHourly+row.BackupPriceHourly)))
	if status := waitStatus(t, p, "stopped", "failed"); status != "stopped" {
		t.Fatalf("after shutdown the page shows %q", status)
	}
	t.Logf("%s: shutdown to stopped on the page in %s", lang, time.Since(shutdown).Round(100*time.Millisecond))
	p.WaitDOM(30*time.Second, "the badge reads "+T("vm.status.stopped"),
		`(want) => document.querySelector('[data-testid=vm-live] [data-status]')?.textContent.trim() === want`, T("vm.status.stopped"))
	if st := qp.Domains(t)[uuid]; st != "stopped" {
		t.Errorf("libvirt reports the shut-down domain as %q", st)
	}

	// Delete, on the danger zone's tab. The delete for good waits for the VM's
	// name; the one into the recycle bin asks a question that names it.
	showTab(t, p, "danger")
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
	before := vmRow(t, qp.App, uuid)
	p.ConfirmClick(`[data-testid=delete-form] button[type=submit]`,
		T("bin.delete_confirm", "name", testkit.Isolated(sc.renamed), "grace", T("duration.hours.other", "n", i18n.Number(lang, 24))))
	p.SettledElement(`[data-testid=recently-deleted]`)
	if p.Path() != "/vms" {
		t.Errorf("after deleting the browser is at %s, want /vms", p.Path())
	}
	p.WaitDOM(statusWait, "the VM leaves the list's table", `(uuid) => !document.querySelector('#vm-table tr[data-vm="' + uuid + '"]')`, uuid)
	if st := vmRow(t, qp.App, uuid).Status; st != "deleted" {
		t.Errorf("the deleted VM's status is %q, want deleted (in the recycle bin)", st)
	}
	testkit.WaitFor(t, time.Minute, "the binned VM's domain is off", func() bool { return qp.Domains(t)[uuid] == "stopped" })
	p.WantLangDir(string(lang), lang.Dir())
	restoreFromRecentlyDeleted(t, qp, p, lang, before)
}

// waitStatus polls the VM page's badge (htmx refreshes it) until it shows one
// of statuses, and returns that status.
func waitStatus(t *testing.T, tb *testkit.Tab, statuses ...string) string {
	t.Helper()
	return tb.WaitDOM(statusWait, "the status is one of "+strings.Join(statuses, ", "), `(want) => {
		const s = document.querySelector('[data-testid=vm-live] [data-status]')?.dataset.status;
		return want.includes(s) ? s : null;
	}`, statuses)
}

// wantLocalDigits checks that the VM page writes dates, sizes, prices and the
// balance in the locale's digits: Persian with a Jalali year in fa, Latin
// with a Gregorian year in en.
func wantLocalDigits(t *testing.T, tb *testkit.Tab, lang i18n.Locale) {
	t.Helper()
	texts := tb.MustEval(`() => [...document.querySelectorAll(
		'[data-testid=vm-created], [data-testid=balance], [data-testid=vm-plan], [data-testid=vm-traffic], [data-testid=vm-actions] td.whitespace-nowrap, [data-testid=vm-activity] li > span:first-child'
	)].map(e => e.textContent.trim())`).Arr()
	if len(texts) < 4 {
		t.Fatalf("found only %d dates and figures on the VM page", len(texts))
	}
	for _, x := range texts {
		s := x.Str()
		switch {
		case lang == i18n.FA && (asciiDigitRe.MatchString(s) || !persianDigitRe.MatchString(s)):
			t.Errorf("fa VM page: %q is not written in Persian digits", s)
		case lang == i18n.EN && (persianDigitRe.MatchString(s) || !asciiDigitRe.MatchString(s)):
			t.Errorf("en VM page: %q is not written in Latin digits", s)
		}
	}
	created := tb.MustElement("[data-testid=vm-created]").MustText()
	if lang == i18n.FA && !jalaliYear.MatchString(created) {
		t.Errorf("fa created date %q is not a Jalali date", created)
	}
	if lang == i18n.EN && !strings.Contains(created, time.Now().UTC().Format("2006")) {
		t.Errorf("en created date %q lacks this Gregorian year", created)
	}
}
