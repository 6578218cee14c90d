package web_test

import (
	"context"
	"strings"
	"testing"

	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The Nodes page in Chromium, in Persian and English, at phone and desktop
// width: an admin opens it from the operator's navigation, sees the node
// with its usage and VMs, and starts maintenance with an end and a reason;
// the node then takes no new VM (the placer's gate reads it) and the owner
// of the VM on it sees the notice on the VM's page.
func TestTheNodesPageStartsMaintenanceInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			adminEmail := "ops-" + l + "@example.com"
			staffMember(t, a, adminEmail, store.StaffAdmin)
			ana, uuid := adminCustomerWithVM(t, a, "ana-"+l+"@example.com", 1_000_000, "203.0.113."+map[i18n.Locale]string{i18n.FA: "111", i18n.EN: "112"}[lang])
			settle(t, a, uuid, vmstatus.Stopped)
			node := maintNode(t, a, "maint-"+l, uuid)
			row := `[data-testid=node-maint-` + l + `]`

			b := testkit.NewBrowser(t)
			p := testkit.NewTab(t, b, a.URL)
			p.SignIn(l, adminEmail)
			enableTOTP(t, a, adminEmail)
			p.Open("/admin")
			p.Click(`[data-testid=admin-nav] a[href="/admin/nodes"]`, `[data-testid=admin-nodes]`)
			p.WantLangDir(l, lang.Dir())
			p.WantText(row+` [data-testid=node-vms]`, i18n.Number(lang, 1))
			wantIn(t, p, row+` [data-testid=node-usage]`, i18n.Number(lang, 500))
			// Allocated before capacity in the reading order of both languages.
			wantIn(t, p, row+` [data-testid=node-usage]`, T("admin.nodes.used_of", "used", i18n.Number(lang, 1),
				"capacity", i18n.Number(lang, 16), "unit", T("admin.nodes.unit_vcpu")))
			p.SaveAtBothWidths("admin-nodes-" + l + "-")

			// Start maintenance at phone width: 6 hours, a reason.
			p.AtPhoneSize()
			id := itoa(node.ID)
			p.Fill(map[string]string{"#f-hours-" + id: "6", "#f-reason-" + id: "Disks " + l})
			p.Click(row+` [data-testid=maintenance-on-submit]`, row+` [data-testid=maintenance-on]`)
			p.WantText(`#flash`, T("admin.nodes.maintenance_on_done"))
			wantIn(t, p, row+` [data-testid=maintenance-on]`, "Disks "+l)
			p.SaveFullScreenshot("admin-nodes-maintenance-" + l + "-phone")
			if a.Count(t, `SELECT count(*) FROM nodes WHERE id = ? AND maintenance = 1 AND maintenance_until > unixepoch()`, node.ID) != 1 {
				t.Fatal("the page's form did not put the node in maintenance with an end")
			}
			gate, err := a.DB.DrainingNodes(context.Background())
			if err != nil || !gate[node.ID] {
				t.Fatalf("the placer still takes %s (%v)", node.Name, err)
			}

			// The customer sees the notice on the VM's page, at desktop and phone width.
			c := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			c.SignIn(l, ana.email)
			wantIn(t, c, `[data-testid=maintenance-notice]`, T("vm.maintenance.list_title"))
			c.Open("/vms/" + uuid)
			wantIn(t, c, `[data-testid=maintenance-notice]`, T("vm.maintenance.title"))
			wantIn(t, c, `[data-testid=maintenance-notice]`, "Disks "+l)
			for _, size := range []string{"desktop", "phone"} {
				if size == "phone" {
					c.AtPhoneSize()
				} else {
					c.AtDesktopSize()
				}
				c.SaveFullScreenshot("vm-maintenance-notice-" + l + "-" + size)
			}

			// Ended at desktop width: the notice is gone.
			p.AtDesktopSize()
			p.Click(row+` [data-testid=maintenance-off]`, row+` [data-testid=maintenance-form]`)
			p.WantText(`#flash`, T("admin.nodes.maintenance_off_done"))
			c.Open("/vms/" + uuid)
			c.SettledElement(`[data-testid=vm-status], h1`)
			if c.SettledEval(`() => !!document.querySelector('[data-testid=maintenance-notice]')`).Bool() {
				t.Error("the notice stays after maintenance ended")
			}
		})
	}
}

// wantIn fails unless the element's text holds want (the page is settled:
// the last Click or Open waited for it).
func wantIn(t *testing.T, tb *testkit.Tab, selector, want string) {
	t.Helper()
	got := tb.SettledElement(selector).MustText()
	if !strings.Contains(got, want) {
		t.Errorf("%s reads %q, want it to hold %q", selector, got, want)
	}
}
