package web_test

import (
	"context"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The resize form does not offer the plan the VM has, and its question names
// the new plan and what it will cost an hour and a month.
func TestBrowserResizeSaysWhatItCosts(t *testing.T) {
	ctx := context.Background()
	a := testkit.NewTestDriverPanel(t)
	if err := a.DB.UpsertPlan(ctx, store.Plan{Slug: "big", NameFA: "بزرگ", NameEN: "Big", VCPUs: 2, MemoryMB: 512, DiskGB: 2, PriceHourlyRials: 3_000, Sort: 2, Active: true}); err != nil {
		t.Fatal(err)
	}
	u := a.CreateUser(t, "rez@example.com", testkit.Password)
	if _, err := a.DB.Credit(ctx, u.ID, 100_000, "test", ""); err != nil {
		t.Fatal(err)
	}
	o, err := a.VMs.Create(ctx, services.Principal{UserID: u.ID, Email: u.Email}, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "box", Region: "thr-t"})
	if err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, o.VM.UUID).Status == vmstatus.Running })
	if _, err := a.VMs.Power(ctx, services.Principal{UserID: u.ID, Email: u.Email, Scopes: services.AllScopes}, o.VM.UUID, "kill"); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, time.Minute, "the VM stops", func() bool { return vmRow(t, a, o.VM.UUID).Status == vmstatus.Stopped })

	p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
	p.Open("/signin?lang=en")
	p.Fill(map[string]string{"#f-email": u.Email, "#f-password": testkit.Password})
	p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
	p.Open("/vms/" + o.VM.UUID + "?tab=settings")
	button := p.MustElement(`[data-resize-submit]`)
	if !button.MustProperty("disabled").Bool() || !p.MustElement(`[data-resize-same]`).MustVisible() {
		t.Error("resizing to the plan the VM has can be pressed, or nothing says why not")
	}
	p.MustElement(`[data-testid=resize-plans] [data-plan-name="Big"]`).MustClick()
	if button.MustProperty("disabled").Bool() {
		t.Fatal("after choosing another plan the resize cannot be pressed")
	}
	want := i18n.T(i18n.EN, "vm.resize_confirm_price", "name", "\u2068box\u2069", "plan", "\u2068Big\u2069", "hourly", "300 toman", "monthly", "219,000 toman")
	if got := *button.MustAttribute("data-confirm"); got != want {
		t.Errorf("the resize asks %q, want %q", got, want)
	}
}
