package web_test

import (
	"context"
	"testing"
	"time"

	"abrak/services"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// A snapshot takes any name on the VM page, Persian with spaces too: the
// list shows it as given, the delete's question names it, and the delete
// finds it, in fa and en at phone and desktop width.
func TestBrowserSnapshotsTakeDisplayNames(t *testing.T) {
	ctx := context.Background()
	a := testkit.NewTestDriverPanel(t)
	u := a.CreateUser(t, "names@example.com", testkit.Password)
	if _, err := a.DB.Credit(ctx, u.ID, 100_000, "test", ""); err != nil {
		t.Fatal(err)
	}
	o, err := a.VMs.Create(ctx, services.Principal{UserID: u.ID, Email: u.Email}, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "وب", Region: "thr-t"})
	if err != nil {
		t.Fatal(err)
	}
	uuid := o.VM.UUID
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Running })
	names := map[i18n.Locale]string{i18n.FA: "پیش از ارتقا", i18n.EN: "Before Upgrade"}
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
		p.SignIn(string(lang), u.Email)
		for _, size := range []string{"phone", "desktop"} {
			name := names[lang] + " " + size
			testkit.WaitFor(t, time.Minute, "the VM is free", func() bool { return !vmRow(t, a, uuid).Locked })
			p.Open("/vms/" + uuid + "?tab=snapshots")
			if size == "phone" {
				p.AtPhoneSize()
			} else {
				p.AtDesktopSize()
			}
			p.MustElement("#f-snapshot-name").MustSelectAllText().MustInput(name)
			p.Click(`[data-testid=snapshot-form] button[type=submit]`, `#flash .flash-success`)
			row := `[data-testid=vm-snapshots] tbody tr`
			p.WaitDOM(time.Minute, "the snapshot is listed by its name", `(sel, name) =>
				[...document.querySelectorAll(sel + ' bdi')].some(b => b.textContent === name)`, row, name)
			testkit.WaitFor(t, time.Minute, "the snapshot's action ends", func() bool { return !vmRow(t, a, uuid).Locked })
			p.Open("/vms/" + uuid + "?tab=snapshots")
			p.WantLangDir(string(lang), lang.Dir())
			p.SaveFullScreenshot("snapshot-name-" + string(lang) + "-" + size)
			p.ConfirmClick(row+` form[action$="/delete"] button`, T("vm.snapshot_delete_confirm", "snapshot", testkit.Isolated(name)))
			p.WaitDOM(time.Minute, "the snapshot is gone", `(sel) => !document.querySelector(sel)`, row)
		}
	}
}
