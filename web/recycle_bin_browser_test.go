package web_test

import (
	"abrak/testkit"
	"context"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The recycle bin in Chromium, in Persian and English, on a phone and a
// desktop: the danger zone's delete says the VM waits in the bin for the
// operator's grace (24 hours), off and unbilled, and can be restored, and
// offers the delete for good apart, behind the VM's name; deleted, the VM is
// under Recently deleted with the time it has left and its Restore and price
// (in the language's digits); its own page says it is in the recycle bin
// until when; Restore brings it back running. The node is libvirt's test
// driver: what is tested is the pages.
func TestTheRecycleBinInTheBrowser(t *testing.T) {
	ctx := context.Background()
	a := testkit.NewTestDriverPanel(t)
	u := a.CreateUser(t, "bin@example.com", testkit.Password)
	if _, err := a.DB.Credit(ctx, u.ID, 100_000, "test", ""); err != nil {
		t.Fatal(err)
	}
	o, err := a.VMs.Create(ctx, services.Principal{UserID: u.ID, Email: u.Email}, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "وب api", Region: "thr-t"})
	if err != nil {
		t.Fatal(err)
	}
	uuid := o.VM.UUID
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Running })

	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
		hours := func(n int64) string { return T("duration.hours.other", "n", i18n.Number(lang, n)) }
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
		p.SignIn(string(lang), u.Email)
		for _, size := range []string{"desktop", "phone"} {
			at := func() {
				if size == "phone" {
					p.AtPhoneSize() // and nothing scrolls sideways
				} else {
					p.AtDesktopSize()
				}
			}
			name := string(lang) + "-" + size

			// The danger zone: the bin and its grace, and the delete for good apart.
			p.Open("/vms/" + uuid + "?tab=danger")
			at()
			p.WantLangDir(string(lang), lang.Dir())
			if got, want := p.MustElement(`[data-testid=delete-explain]`).MustText(), T("bin.delete_explain", "grace", hours(24)); got != want {
				t.Errorf("%s: the delete says %q, want %q", name, got, want)
			}
			if p.MustEval(`() => document.querySelector('[data-testid=purge]').open`).Bool() {
				t.Errorf("%s: the delete for good is open before it is chosen", name)
			}
			p.MustElement(`[data-testid=purge] summary`).MustClick()
			if !p.MustElement(`#f-confirm`).MustVisible() {
				t.Errorf("%s: choosing the delete for good shows no field for the name", name)
			}
			if got := p.MustElement(`[data-testid=purge] summary`).MustText(); got != T("bin.purge_title") {
				t.Errorf("%s: the choice reads %q", name, got)
			}
			if !p.MustElement(`[data-testid=purge-form] button[type=submit]`).MustProperty("disabled").Bool() {
				t.Errorf("%s: the delete for good can be pressed without the VM's name", name)
			}
			at()
			p.SaveFullScreenshot("vm-delete-" + name)
			p.ConfirmClick(`[data-testid=delete-form] button[type=submit]`, T("bin.delete_confirm", "name", testkit.Isolated("وب api"), "grace", hours(24)))

			// Recently deleted, under the list.
			row := `[data-testid=recently-deleted] tr[data-vm="` + uuid + `"]`
			p.SettledElement(row)
			at()
			if got := p.MustElement(`#flash`).MustText(); got != T("vm.deleted") {
				t.Errorf("%s: the flash says %q", name, got)
			}
			if got, want := p.MustElement(row+` [data-testid=bin-left]`).MustText(), T("bin.left", "left", hours(23)); got != want {
				t.Errorf("%s: the time left reads %q, want %q", name, got, want)
			}
			until := p.MustElement(row + ` [data-testid=bin-until]`).MustText()
			purge := vmRow(t, a, uuid).DeletedAt.Add(24 * time.Hour)
			if until != i18n.DateTime(lang, purge) || lang == i18n.FA && !jalaliYear.MatchString(until) {
				t.Errorf("%s: destroyed on %q, want %q", name, until, i18n.DateTime(lang, purge))
			}
			if got, want := p.MustElement(row+` [data-testid=restore-price]`).MustText(), T("bin.restore_hourly", "price", i18n.Money(lang, 1_000)); got != want {
				t.Errorf("%s: the restore's price reads %q, want %q", name, got, want)
			}
			for _, sel := range []string{`[data-testid=bin-left]`, `[data-testid=bin-until]`, `[data-testid=restore-price]`} {
				text := p.MustElement(row + " " + sel).MustText()
				if lang == i18n.FA && (asciiDigitRe.MatchString(text) || !persianDigitRe.MatchString(text)) ||
					lang == i18n.EN && (persianDigitRe.MatchString(text) || !asciiDigitRe.MatchString(text)) {
					t.Errorf("%s: %q is not in the language's digits", name, text)
				}
			}
			if !p.MustElement(row + ` [data-testid=restore]`).MustVisible() {
				t.Errorf("%s: Restore is not in sight", name)
			}
			p.WantLangDir(string(lang), lang.Dir())
			p.SaveFullScreenshot("vms-recently-deleted-" + name)

			// Its own page: in the recycle bin until when, with Restore and nothing else.
			p.Click(row+` a[href="/vms/`+uuid+`"]`, `[data-testid=recycle-bin]`)
			at()
			if got := p.MustElement(`[data-testid=vm-live] [data-status]`).MustText(); got != T("vm.status.deleted") {
				t.Errorf("%s: the deleted VM's status reads %q", name, got)
			}
			if got, want := p.MustElement(`[data-testid=bin-left]`).MustText(), T("bin.left", "left", hours(23)); got != want {
				t.Errorf("%s: its page says %q left, want %q", name, got, want)
			}
			if p.MustHas(`.vm-tab`) || p.MustHas(`[data-testid=power]`) {
				t.Errorf("%s: the deleted VM's page offers tabs or power buttons", name)
			}
			p.SaveFullScreenshot("vm-in-recycle-bin-" + name)

			// Back to the list, and Restore from there.
			p.Open("/vms")
			at()
			p.Click(row+` [data-testid=restore]`, `[data-testid=vm-live]`)
			if p.Path() != "/vms/"+uuid {
				t.Errorf("%s: Restore led to %s, want the VM's page", name, p.Path())
			}
			if got := p.MustElement(`#flash`).MustText(); got != T("vm.restore_started") {
				t.Errorf("%s: after Restore the flash says %q", name, got)
			}
			if status := waitStatus(t, p, "running", "failed"); status != "running" {
				t.Fatalf("%s: the restored VM shows %q", name, status)
			}
			testkit.WaitFor(t, time.Minute, "the restore ends", func() bool {
				acts, _, err := a.VMs.Actions(ctx, services.Principal{UserID: u.ID, Email: u.Email}, uuid, 1, 0)
				return err == nil && acts[0].Type == "restore" && acts[0].Status == store.ActionCompleted
			})
		}
	}
}

// restoreFromRecentlyDeleted brings before (deleted a moment ago, on the list
// that p shows) back from Recently deleted on a QEMU node: its row says how
// long it has left and what an hour costs, and Restore leads to its page,
// where it runs again in libvirt with the same addresses and MAC.
func restoreFromRecentlyDeleted(t *testing.T, qp *testkit.QEMUPanel, p *testkit.Tab, lang i18n.Locale, before store.VM) {
	t.Helper()
	T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
	uuid := before.UUID
	row := `[data-testid=recently-deleted] tr[data-vm="` + uuid + `"]`
	if got, want := p.MustElement(row+` [data-testid=bin-left]`).MustText(), T("bin.left", "left", T("duration.hours.other", "n", i18n.Number(lang, 23))); got != want {
		t.Errorf("Recently deleted says %q, want %q", got, want)
	}
	if got, want := p.MustElement(row+` [data-testid=restore-price]`).MustText(), T("bin.restore_hourly", "price", i18n.Money(lang, testkit.QEMUPlanRialsHour)); got != want {
		t.Errorf("the restore's price reads %q, want %q", got, want)
	}
	p.SaveFullScreenshot("vms-recently-deleted-qemu-" + string(lang))
	p.Click(row+` [data-testid=restore]`, `[data-testid=vm-live]`)
	if p.Path() != "/vms/"+uuid {
		t.Fatalf("Restore led to %s, want the VM's page", p.Path())
	}
	if status := waitStatus(t, p, "running", "failed"); status != "running" {
		t.Fatalf("the restored VM's page shows %q", status)
	}
	testkit.WaitFor(t, statusWait, "libvirt runs the restored domain", func() bool { return qp.Domains(t)[uuid] == "running" })
	after := vmRow(t, qp.App, uuid)
	if after.PublicIP == "" || after.PublicIP != before.PublicIP || after.PublicIPv6 != before.PublicIPv6 || after.MAC != before.MAC || after.NodeID != before.NodeID {
		t.Errorf("restored with %s %s %s on node %d, was %s %s %s on %d", after.PublicIP, after.PublicIPv6, after.MAC, after.NodeID,
			before.PublicIP, before.PublicIPv6, before.MAC, before.NodeID)
	}
	if ip := p.MustElement(`[data-testid=vm-ip]`).MustText(); ip != before.PublicIP {
		t.Errorf("the restored VM's page shows the address %q, want %q", ip, before.PublicIP)
	}
	p.WantLangDir(string(lang), lang.Dir())
}
