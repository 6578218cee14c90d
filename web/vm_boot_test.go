package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"abrak/hypervisor/localvirt"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
)

// A VM boots from an operator's ISO with its disk attached, goes into rescue
// (from the page, which shows the one-time root password once) where its disk is
// the rescue system's second disk, and comes back to its own disk; each step is
// an action, and the API and the page say what it boots from. Neither the live
// ISO nor the rescue system mounts the VM's data partition; its /data is as the
// VM left it when it comes back.
func TestBootFromAnISOAndRescue(t *testing.T) {
	t.Parallel()
	qp := testkit.NewQEMUPanel(t, testkit.WithAPIRateLimit(1_000_000, 1_000_000))
	ctx := context.Background()
	tf := localvirt.Template(t)
	iso, _, err := services.ImportTemplate(ctx, qp.DB, filepath.Join(t.TempDir(), "templates"),
		services.ImportInput{Slug: "tiny-iso", Name: "Tiny live CD", File: tf.ISO, Kind: store.KindISO}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := services.ImportTemplate(ctx, qp.DB, t.TempDir(), services.ImportInput{Slug: "not-an-iso", Name: "x", File: tf.File, Kind: store.KindISO}, nil); err == nil {
		t.Fatal("a disk image was imported as an ISO")
	}
	testkit.WaitFor(t, 2*time.Minute, "the ISO reaches the node", func() bool {
		ready, err := qp.DB.NodesWithTemplate(ctx, iso.Slug)
		return err == nil && ready[qp.Node.ID]
	})
	c := newVMCustomer(t, qp.App, "rescue@example.com", testkit.QEMUBalanceRials)
	if r := qp.APICall(t, http.MethodGet, "/api/v1/isos", c.token, ""); !strings.Contains(r.Body, `"slug":"tiny-iso"`) {
		t.Fatalf("GET /api/v1/isos: %d %s", r.Status, r.Body)
	}
	if r := qp.APICall(t, http.MethodGet, "/api/v1/os-templates", c.token, ""); strings.Contains(r.Body, "tiny-iso") {
		t.Fatal("an ISO is offered as an OS template")
	}
	const password = "Own-Strong-Pass-42"
	uuid := orderNetVM(t, qp, c.token, map[string]any{"auth_mode": "password", "custom_password": password, "hostname": "boots"})
	v := apiVMNetOf(t, qp.App, c.token, uuid)
	own := testkit.GuestLogin{Netns: qp.Daemon.Netns, Password: password}
	if got := own.WaitLogin(t, v.ipv4(), "hostname", 4*time.Minute); got != "boots" {
		t.Fatalf("hostname %q", got)
	}
	if _, err := own.Run(v.ipv4(), "echo kept >/data/kept && sync", nil); err != nil {
		t.Fatal(err)
	}
	dataMount := "awk '$2 == \"/data\"' /proc/mounts"
	boot := func(body string) map[string]any {
		t.Helper()
		r := qp.APICall(t, http.MethodPost, "/api/v1/vms/"+uuid+"/boot", c.token, body)
		testkit.MustStatus(t, "boot "+body, r, http.StatusOK)
		var out map[string]any
		json.Unmarshal([]byte(r.Body), &out)
		return out
	}
	bootOf := func() string {
		r := qp.APICall(t, http.MethodGet, "/api/v1/vms/"+uuid, c.token, "")
		var b struct {
			VM struct {
				Boot struct {
					Type  string `json:"boot_type"`
					CDROM string `json:"cdrom"`
				} `json:"boot"`
			} `json:"vm"`
		}
		json.Unmarshal([]byte(r.Body), &b)
		return b.VM.Boot.Type + ":" + b.VM.Boot.CDROM
	}
	for _, bad := range []string{`{"boot_type":"floppy"}`, `{"boot_type":"cdrom"}`, `{"boot_type":"cdrom","cdrom":"tiny-linux"}`} {
		testkit.MustStatus(t, "bad boot "+bad, qp.APICall(t, http.MethodPost, "/api/v1/vms/"+uuid+"/boot", c.token, bad), http.StatusUnprocessableEntity)
	}

	// From the ISO: the live system answers with the VM's own seed; the disk is there.
	boot(`{"boot_type":"cdrom","cdrom":"tiny-iso"}`)
	testkit.WaitFor(t, 3*time.Minute, "the VM runs from the ISO", func() bool {
		out, err := own.Run(v.ipv4(), "cat /proc/cmdline", nil)
		return err == nil && strings.Contains(out, "abrak.boot=iso")
	})
	if _, err := own.Run(v.ipv4(), "test -b /dev/vda", nil); err != nil {
		t.Fatal("booted from the ISO, the VM's disk is not attached")
	}
	if out, err := own.Run(v.ipv4(), dataMount, nil); err != nil || out != "" {
		t.Fatalf("the live ISO mounted /data: %q, %v", out, err)
	}
	if got := bootOf(); got != "cdrom:tiny-iso" {
		t.Fatalf("the API says the VM boots from %q", got)
	}

	// Rescue, from the page: the one-time password is shown there, once.
	browser := qp.Client(t)
	browser.SignIn(c.email, testkit.Password)
	browser.Get("/vms/" + uuid + "?lang=en")
	if r := browser.Post("/vms/"+uuid+"/boot", testkit.Form("boot_type", "rescue")); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Tick the box") {
		t.Fatalf("a boot change without the confirmation: %d", r.Status)
	}
	r := browser.Post("/vms/"+uuid+"/boot", testkit.Form("boot_type", "rescue", "confirm", "yes"))
	m := regexp.MustCompile(`id="rescue-password"[^>]*>([^<]+)<`).FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || m == nil {
		t.Fatalf("entering rescue from the page: %d, no one-time password shown\n%s", r.Status, testkit.Trim(r.Body))
	}
	rescue := testkit.GuestLogin{Netns: qp.Daemon.Netns, Password: html.UnescapeString(m[1])}
	if got := rescue.WaitLogin(t, v.ipv4(), "hostname", 3*time.Minute); got != "rescue" {
		t.Fatalf("the rescue system calls itself %q", got)
	}
	sectors, err := rescue.Run(v.ipv4(), "cat /sys/block/vdb/size", nil)
	if err != nil || sectors != "2097152" { // the plan's 1 GB disk in 512-byte sectors
		t.Fatalf("in rescue the VM's disk is not the second disk: %q, %v", sectors, err)
	}
	if out, err := rescue.Run(v.ipv4(), dataMount, nil); err != nil || out != "" {
		t.Fatalf("the rescue system mounted /data: %q, %v", out, err)
	}
	if _, err := own.Run(v.ipv4(), "true", nil); err == nil {
		t.Fatal("the VM's own root password opens the rescue system")
	}
	for lang, want := range map[string]string{"en": "rescue mode", "fa": "حالت نجات"} {
		if page := browser.Get("/vms/" + uuid + "?lang=" + lang); !strings.Contains(page.Body, want) || strings.Contains(page.Body, m[1]) {
			t.Errorf("%s page in rescue: says rescue %v, shows the password again %v", lang, strings.Contains(page.Body, want), strings.Contains(page.Body, m[1]))
		}
	}
	if got := bootOf(); got != "rescue:" {
		t.Fatalf("the API says %q in rescue", got)
	}

	// Back to its own disk.
	boot(`{"boot_type":"disk"}`)
	testkit.WaitFor(t, 3*time.Minute, "the VM runs from its disk again", func() bool {
		out, err := own.Run(v.ipv4(), "hostname; cat /proc/cmdline; ls /dev/vdb 2>/dev/null; true", nil)
		return err == nil && strings.HasPrefix(out, "boots\n") && !strings.Contains(out, "abrak.boot=iso") && !strings.Contains(out, "/dev/vdb")
	})
	if got := bootOf(); got != "disk:" {
		t.Fatalf("the API says %q after returning to the disk", got)
	}
	if out, err := own.Run(v.ipv4(), "cat /data/kept", nil); err != nil || out != "kept" {
		t.Fatalf("back on its disk the VM's /data/kept holds %q, %v", out, err)
	}
	acts := qp.APICall(t, http.MethodGet, "/api/v1/vms/"+uuid+"/actions", c.token, "")
	for _, typ := range []string{"boot_cdrom", "boot_rescue", "boot_disk"} {
		if !strings.Contains(acts.Body, `"type":"`+typ+`","status":"completed"`) {
			t.Errorf("no completed %s action: %s", typ, acts.Body)
		}
	}
}
