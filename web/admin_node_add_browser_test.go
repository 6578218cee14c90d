package web_test

import (
	"context"
	"testing"

	"abrak/hypervisor/localvirt"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// Adding a node in Chromium, in Persian and English, at phone and desktop
// width: an admin opens the form on the Nodes page, types a URI where no
// libvirt answers and reads why beside it (nothing stored), then the node's
// real URI, and finds the new node in the list.
func TestAnAdminAddsANodeInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	d := localvirt.Start(t)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			email := "root-" + l + "@example.com"
			a.CreateUser(t, email, testkit.Password)
			if _, err := a.Staff.SetRole(context.Background(), services.OperatorOnMachine(), email, store.StaffAdmin); err != nil {
				t.Fatal(err)
			}
			b := testkit.NewBrowser(t)
			p := testkit.NewTab(t, b, a.URL)
			p.Open("/signin?lang=" + l)
			p.Fill(map[string]string{"#f-email": email, "#f-password": testkit.Password})
			p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
			enableTOTP(t, a, email)
			p.Open("/admin/nodes")
			p.WantLangDir(l, lang.Dir())
			name := "thr-1-" + l

			for _, size := range []string{"phone", "desktop"} {
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				p.Open("/admin/nodes")
				p.MustElement(`[data-testid=node-add-toggle]`).MustClick()
				p.SaveFullScreenshot("admin-node-add-" + l + "-" + size)
				if size == "phone" {
					// Refused at phone width: the message is beside the URI.
					p.Fill(map[string]string{"#f-node-name": name, "#f-node-uri": "qemu+tcp://127.0.0.1:1/system", "#f-node-vcpus": "8"})
					p.Click(`[data-testid=node-add-submit]`, `[data-field-error=uri]`)
					p.WantText(`[data-field-error=uri]`, T("admin.nodes.uri_unreachable"))
					p.SaveFullScreenshot("admin-node-add-refused-" + l + "-phone")
					if _, err := a.DB.NodeByName(t.Context(), name); err == nil {
						t.Fatal("a node that did not answer was stored")
					}
				}
			}

			// Added at desktop width.
			p.Fill(map[string]string{"#f-node-name": name, "#f-node-uri": "test+unix:///default?socket=" + d.Socket, "#f-node-vcpus": "8", "#f-node-bridge": "br0"})
			p.Click(`[data-testid=node-add-submit]`, `#flash .flash-success`)
			p.WantText(`#flash`, T("admin.nodes.added"))
			wantIn(t, p, `[data-testid=node-`+name+`]`, name)
			p.SaveFullScreenshot("admin-node-added-" + l + "-desktop")
			if n, err := a.DB.NodeByName(t.Context(), name); err != nil || n.VCPUs != 8 || n.Bridge != "br0" {
				t.Errorf("the node as stored: %+v %v", n, err)
			}
		})
	}
}
