package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"abrak/calendar"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// A customer takes a snapshot on the VM page and sees it listed; reverts to it
// after confirming the question that names both; and the rebuild button waits
// for the VM's name, after which the snapshot is gone. The node is libvirt's test driver:
// the page's part is what is tested here, not the guest.
func TestBrowserVMSnapshots(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a := testkit.NewTestDriverPanel(t)
	u := a.CreateUser(t, "sara@example.com", testkit.Password)
	_, err := a.DB.Credit(ctx, u.ID, 100_000, "test", "")
	must(err)
	who := services.Principal{UserID: u.ID, Email: u.Email}
	o, err := a.VMs.Create(ctx, who, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny", AuthMode: "password",
		CustomPassword: "StrongPass123!", DisplayName: "وب", Region: "thr-t"})
	must(err)
	vm := o.VM
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, vm.UUID).Status == vmstatus.Running })

	p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
	p.Open("/signin?lang=fa")
	p.Fill(map[string]string{"#f-email": u.Email, "#f-password": testkit.Password})
	p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
	p.Open("/vms/" + vm.UUID + "?tab=settings")
	if p.MustElement(`[data-testid=resize-form] button[type=submit]`).MustProperty("disabled").Bool() != true {
		t.Error("resize can be pressed while the VM runs")
	}
	showTab(t, p, "snapshots")
	field := p.MustElement("#f-snapshot-name")
	if jm := calendar.At(time.Now(), true); !strings.HasPrefix(field.MustProperty("value").String(), jm.String()+"-") {
		t.Errorf("the snapshot's name does not start from today in the Jalali calendar: %q", field.MustProperty("value").String())
	}
	field.MustSelectAllText().MustInput("before-upgrade")
	p.Click(`[data-testid=snapshot-form] button[type=submit]`, `#flash .flash-success`)
	// The part polls itself while the action runs, so no reload is needed.
	p.Timeout(time.Minute).MustElement(`[data-snapshot="before-upgrade"]`)
	T := func(key string, args ...string) string { return i18n.T(i18n.FA, key, args...) }
	p.ConfirmClick(`[data-snapshot="before-upgrade"] form[action$="/revert"] button`,
		T("vm.snapshot_revert_confirm", "name", testkit.Isolated("وب"), "snapshot", testkit.Isolated("before-upgrade")))
	testkit.WaitFor(t, time.Minute, "the revert ends", func() bool {
		acts, _, err := a.VMs.Actions(ctx, who, vm.UUID, 1, 0)
		return err == nil && acts[0].Type == "snapshot_revert" && acts[0].Status == store.ActionCompleted
	})

	p.Open("/vms/" + vm.UUID + "?tab=danger")
	button := p.MustElement(`[data-testid=rebuild-form] button[type=submit]`)
	if !button.MustProperty("disabled").Bool() {
		t.Error("rebuild can be pressed before the VM's name is typed")
	}
	p.MustElement("#f-rebuild-confirm").MustInput("وب")
	if button.MustProperty("disabled").Bool() {
		t.Error("rebuild stays disabled with the VM's name typed")
	}
	p.Click(`[data-testid=rebuild-form] button[type=submit]`, `#flash .flash-success`)
	testkit.WaitFor(t, time.Minute, "the rebuild ends", func() bool {
		acts, _, err := a.VMs.Actions(ctx, who, vm.UUID, 1, 0)
		return err == nil && acts[0].Type == "rebuild" && acts[0].Status == store.ActionCompleted
	})
	testkit.WaitFor(t, time.Minute, "the page drops the snapshot", func() bool {
		return p.MustHas(`#snapshots`) && !p.MustHas(`[data-snapshot="before-upgrade"]`)
	})
	if got := vmRow(t, a, vm.UUID); got.PublicIP != vm.PublicIP || got.Locked {
		t.Errorf("after the rebuild: ip %q locked %v", got.PublicIP, got.Locked)
	}
}
