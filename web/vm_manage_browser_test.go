package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"abrak/hypervisor"
	"abrak/hypervisor/localvirt"
	"abrak/services"
	"abrak/store"
	"abrak/views/i18n"
	"abrak/vmstatus"
	"abrak/web"
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
	d := localvirt.Start(t)
	a := newTestApp(t, func(c *web.AppConfig) {
		c.VM = services.VMConfig{PollInterval: 100 * time.Millisecond, ReconcileInterval: time.Second, ShutdownDeadline: time.Second}
		c.Fleet = hypervisor.Options{ReconnectInterval: 50 * time.Millisecond, MaxReconnectInterval: 500 * time.Millisecond}
	})
	must(a.DB.UpsertRegion(ctx, store.Region{Slug: "thr-t", NameFA: "تهران", NameEN: "Tehran", IPNetwork: "10.32.0.0/24", Gateway: "10.32.0.1"}))
	must(a.DB.UpsertPlan(ctx, store.Plan{Slug: "tiny", NameFA: "کوچک", NameEN: "Tiny", VCPUs: 1, MemoryMB: 256, DiskGB: 1, PriceHourlyRials: 1_000, Sort: 1, Active: true}))
	must(a.DB.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "tiny", Name: "Tiny Linux", Volume: "tiny-v1.qcow2", MinDiskGB: 1, Sort: 1, Active: true}))
	node, err := a.DB.UpsertNode(ctx, store.Node{Name: "test-1", Region: "thr-t", URI: "test+unix:///default?socket=" + d.Socket, VNCHost: "127.0.0.1", Enabled: true, VNCSocketDir: d.VNCDir})
	must(err)
	appCtx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	must(a.Start(appCtx))
	var n *hypervisor.Node
	waitFor(t, 30*time.Second, "the node answers", func() bool { n, err = a.Fleet.Node(node.ID); return err == nil })
	img := "the test driver keeps volumes as records"
	must(n.ImportTemplate(ctx, "tiny-v1.qcow2", strings.NewReader(img), int64(len(img)), "qcow2"))

	u := a.createUser(t, "sara@example.com", testPassword)
	_, err = a.DB.Credit(ctx, u.ID, 100_000, "test", "")
	must(err)
	who := services.Principal{UserID: u.ID, Email: u.Email}
	o, err := a.VMs.Create(ctx, who, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny", AuthMode: "password",
		CustomPassword: "StrongPass123!", DisplayName: "وب", Region: "thr-t"})
	must(err)
	vm := o.VM
	waitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, vm.UUID).Status == vmstatus.Running })

	p := newTab(t, newBrowser(t), a.URL)
	p.open("/signin?lang=fa")
	p.fill(map[string]string{"#f-email": u.Email, "#f-password": testPassword})
	p.click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
	p.open("/vms/" + vm.UUID)
	if p.MustElement(`[data-testid=resize-form] button[type=submit]`).MustProperty("disabled").Bool() != true {
		t.Error("resize can be pressed while the VM runs")
	}
	p.MustElement("#f-snapshot-name").MustInput("before-upgrade")
	p.click(`[data-testid=snapshot-form] button[type=submit]`, `#flash .flash-success`)
	// The part polls itself while the action runs, so no reload is needed.
	p.Timeout(time.Minute).MustElement(`[data-snapshot="before-upgrade"]`)
	T := func(key string, args ...string) string { return i18n.T(i18n.FA, key, args...) }
	p.confirmClick(`[data-snapshot="before-upgrade"] form[action$="/revert"] button`,
		T("vm.snapshot_revert_confirm", "name", isolated("وب"), "snapshot", isolated("before-upgrade")))
	waitFor(t, time.Minute, "the revert ends", func() bool {
		acts, _, err := a.VMs.Actions(ctx, who, vm.UUID, 1, 0)
		return err == nil && acts[0].Type == "snapshot_revert" && acts[0].Status == store.ActionCompleted
	})

	p.open("/vms/" + vm.UUID)
	button := p.MustElement(`[data-testid=rebuild-form] button[type=submit]`)
	if !button.MustProperty("disabled").Bool() {
		t.Error("rebuild can be pressed before the VM's name is typed")
	}
	p.MustElement("#f-rebuild-confirm").MustInput("وب")
	if button.MustProperty("disabled").Bool() {
		t.Error("rebuild stays disabled with the VM's name typed")
	}
	p.click(`[data-testid=rebuild-form] button[type=submit]`, `#flash .flash-success`)
	waitFor(t, time.Minute, "the rebuild ends", func() bool {
		acts, _, err := a.VMs.Actions(ctx, who, vm.UUID, 1, 0)
		return err == nil && acts[0].Type == "rebuild" && acts[0].Status == store.ActionCompleted
	})
	waitFor(t, time.Minute, "the page drops the snapshot", func() bool {
		return p.MustHas(`#snapshots`) && !p.MustHas(`[data-snapshot="before-upgrade"]`)
	})
	if got := vmRow(t, a, vm.UUID); got.PublicIP != vm.PublicIP || got.Locked {
		t.Errorf("after the rebuild: ip %q locked %v", got.PublicIP, got.Locked)
	}
}
