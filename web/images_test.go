//go:build images

package web_test

// The real-image test (make test-images): a Debian 12 cloud image built from
// Debian's mirror (scripts/image/debian.sh), imported as an operator does, booted
// under software emulation with real cloud-init, and logged into over SSH from the
// node's network namespace. Slow (each boot takes a minute or two), so it is not
// part of make test.

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/vmstatus"
)

func TestDebianImage(t *testing.T) {
	image := os.Getenv("ABRAK_DEBIAN_IMAGE")
	if image == "" {
		t.Fatal("ABRAK_DEBIAN_IMAGE names no image: run make test-images")
	}
	qp := testkit.NewQEMUPanel(t, testkit.WithAPIRateLimit(1_000_000, 1_000_000))
	ctx := context.Background()
	const diskGB = 4
	if err := qp.DB.UpsertPlan(ctx, store.Plan{Slug: "small", NameFA: "کوچک", NameEN: "Small", VCPUs: 1, MemoryMB: 1024, DiskGB: diskGB,
		PriceHourlyRials: 2_000, Sort: 2, Active: true}); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	tmpl, _, err := services.ImportTemplate(ctx, qp.DB, filepath.Join(t.TempDir(), "templates"), services.ImportInput{
		Slug: "debian-12", Name: "Debian 12", File: image, MinDiskGB: 2,
		Features: []string{services.FeaturePassword, services.FeatureSSHKey, services.FeatureUserData}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Minute, "the panel's template worker puts the image on the node", func() bool {
		ready, err := qp.DB.NodesWithTemplate(ctx, tmpl.Slug)
		return err == nil && ready[qp.Node.ID]
	})
	t.Logf("import + upload + read-back of %d MiB: %s", tmpl.SizeBytes>>20, time.Since(started).Round(100*time.Millisecond))

	c := newVMCustomer(t, qp.App, "debian@example.com", testkit.QEMUBalanceRials)
	key, keyID := addedSSHKey(t, qp.App, c)

	// An order with a password and a user_data script; the key goes in a second
	// VM's order (auth_mode is one or the other).
	const password = "Debian-Strong-Pass-7"
	userData := "#!/bin/sh\necho made-by-user-data > /root/user-data-ran\n"
	ordered := time.Now()
	byPass := orderNetVM(t, qp, c.token, map[string]any{"plan_slug": "small", "os_template_slug": "debian-12", "auth_mode": "password",
		"custom_password": password, "hostname": "deb-pass", "user_data": userData})
	pw := testkit.GuestLogin{Netns: qp.Daemon.Netns, Password: password}
	v := apiVMNetOf(t, qp.App, c.token, byPass)
	if got := pw.WaitLogin(t, v.ipv4(), "hostname", 8*time.Minute); got != "deb-pass" {
		t.Fatalf("hostname %q", got)
	}
	t.Logf("Debian: ordered → SSH (password) answering: %s", time.Since(ordered).Round(time.Second))
	if st := pw.WaitLogin(t, v.ipv4(), "cloud-init status --wait | tail -n1", 5*time.Minute); st != "status: done" {
		why, _ := pw.Run(v.ipv4(), "cloud-init status --long", nil)
		t.Errorf("cloud-init ended %q:\n%s", st, why)
	}
	t.Logf("Debian: ordered → cloud-init done: %s", time.Since(ordered).Round(time.Second))
	checkDebianGuest(t, pw, v, "deb-pass", diskGB)
	if got, err := pw.Run(v.ipv4(), "cat /root/user-data-ran", nil); err != nil || got != "made-by-user-data" {
		why, _ := pw.Run(v.ipv4(), "cloud-init status --long; ls -l /var/lib/cloud/instance/scripts; head -c 600 /var/lib/cloud/instance/user-data.txt; "+
			"grep -i -E 'script|user-data|part' /var/log/cloud-init.log | tail -n 20", nil)
		t.Fatalf("the user_data script did not run: %q, %v\n%s", got, err, why)
	}

	byKey := orderNetVM(t, qp, c.token, map[string]any{"plan_slug": "small", "os_template_slug": "debian-12", "auth_mode": "ssh_key",
		"ssh_key_ids": []int64{keyID}, "hostname": "deb-key"})
	keyed := testkit.GuestLogin{Netns: qp.Daemon.Netns, Key: key}
	vk := apiVMNetOf(t, qp.App, c.token, byKey)
	if got := keyed.WaitLogin(t, vk.ipv4(), "hostname", 8*time.Minute); got != "deb-key" {
		t.Fatalf("hostname %q", got)
	}
	keyed.WaitLogin(t, vk.ipv6(), "cloud-init status --wait >/dev/null; true", 5*time.Minute)
	checkDebianGuest(t, keyed, vk, "deb-key", diskGB)

	// A new root password through the guest agent, at once.
	const newPassword = "Changed-Strong-Pass-8"
	testkit.WaitFor(t, 2*time.Minute, "the guest agent takes a new password", func() bool {
		r := qp.APICall(t, http.MethodPost, "/api/v1/vms/"+byPass+"/security/password", c.token, `{"password":"`+newPassword+`"}`)
		return r.Status == http.StatusNoContent
	})
	pw = testkit.GuestLogin{Netns: qp.Daemon.Netns, Password: newPassword}
	if got := pw.WaitLogin(t, v.ipv4(), "hostname", time.Minute); got != "deb-pass" {
		t.Fatalf("with the new password: %q", got)
	}

	// A live backup with real qemu-guest-agent and ext4: frozen for its
	// instant; the file written before it comes back with a restore, the one
	// written after does not.
	dir := t.TempDir()
	if _, err := qp.DB.AddBackupStore(ctx, store.BackupStore{Name: "images", Region: testkit.QEMURegion, Kind: store.BackupStoreDir, Path: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Run(v.ipv4(), "echo before > /root/marker && sync", nil); err != nil {
		t.Fatal(err)
	}
	testkit.MustStatus(t, "back up", qp.APICall(t, http.MethodPost, "/api/v1/vms/"+byPass+"/backups", c.token, ""), http.StatusAccepted)
	type backupList struct {
		Backups []struct {
			ID          int64  `json:"id"`
			Status      string `json:"status"`
			Consistency string `json:"consistency"`
			Size        int64  `json:"size"`
		} `json:"backups"`
	}
	var taken backupList
	backedUp := time.Now()
	testkit.WaitFor(t, 10*time.Minute, "the backup completes", func() bool {
		taken = testkit.Decode[backupList](t, qp.APICall(t, http.MethodGet, "/api/v1/vms/"+byPass+"/backups", c.token, ""))
		return len(taken.Backups) == 1 && taken.Backups[0].Status == store.BackupCompleted
	})
	t.Logf("Debian: a live backup of a %d GiB disk: %s, %d MiB stored, %s", diskGB, time.Since(backedUp).Round(time.Second),
		taken.Backups[0].Size>>20, taken.Backups[0].Consistency)
	if taken.Backups[0].Consistency != "fs-frozen" {
		t.Errorf("a backup with qemu-guest-agent answering is %q, want fs-frozen", taken.Backups[0].Consistency)
	}
	if _, err := pw.Run(v.ipv4(), "echo after > /root/marker && sync", nil); err != nil {
		t.Fatal(err)
	}
	testkit.MustStatus(t, "restore", qp.APICall(t, http.MethodPost, "/api/v1/vms/"+byPass+"/backups/"+strconv.FormatInt(taken.Backups[0].ID, 10)+"/restore",
		c.token, `{"target":"self"}`), http.StatusOK)
	time.Sleep(5 * time.Second)
	if got := pw.WaitLogin(t, v.ipv4(), "cat /root/marker", 8*time.Minute); got != "before" {
		t.Fatalf("after restoring the backup the marker reads %q, want before", got)
	}

	// Rebuild: a fresh disk from the image, the same name, password and addresses.
	testkit.MustStatus(t, "rebuild", qp.APICall(t, http.MethodPost, "/api/v1/vms/"+byPass+"/rebuild", c.token, `{}`), http.StatusOK)
	time.Sleep(5 * time.Second)
	if got := pw.WaitLogin(t, v.ipv4(), "hostname", 8*time.Minute); got != "deb-pass" {
		t.Fatalf("after the rebuild the hostname is %q", got)
	}
	pw.WaitLogin(t, v.ipv4(), "cloud-init status --wait >/dev/null; true", 5*time.Minute)
	checkDebianGuest(t, pw, v, "deb-pass", diskGB)
	if _, err := pw.Run(v.ipv4(), "test ! -e /root/user-data-ran", nil); err != nil {
		t.Fatal("the user_data ran again on the rebuilt disk: it is kept only until the first build")
	}

	// A new hostname on the running guest: real qemu-guest-agent runs
	// hostnamectl (guest-exec) and the answer says it applied now.
	type hostnameSet struct {
		Applied string `json:"applied"`
	}
	now := qp.APICall(t, http.MethodPost, "/api/v1/vms/"+byKey+"/security/hostname", c.token, `{"hostname":"deb-now"}`)
	testkit.MustStatus(t, "hostname now", now, http.StatusOK)
	if a := testkit.Decode[hostnameSet](t, now).Applied; a != "now" {
		t.Errorf("a hostname on a running guest with its agent: applied %q, want now", a)
	}
	if got, err := keyed.Run(vk.ipv4(), "hostname", nil); err != nil || got != "deb-now" {
		t.Errorf("the running guest's hostname right after: %q %v, want deb-now", got, err)
	}

	// A new hostname reaches the guest at its next boot (a new instance-id).
	testkit.MustStatus(t, "hostname", qp.APICall(t, http.MethodPost, "/api/v1/vms/"+byKey+"/security/hostname", c.token,
		`{"hostname":"deb-renamed"}`), http.StatusOK)
	testkit.MustStatus(t, "reboot", qp.APICall(t, http.MethodPost, "/api/v1/vms/"+byKey+"/power/reboot", c.token, ""), http.StatusOK)
	time.Sleep(10 * time.Second)
	testkit.WaitFor(t, 8*time.Minute, "the renamed guest answers with its new name", func() bool {
		got, err := keyed.Run(vk.ipv4(), "hostname", nil)
		return err == nil && got == "deb-renamed"
	})
	if st := apiVMStatus(t, qp.App, c.token, byKey); st != vmstatus.Running {
		t.Fatalf("the renamed VM is %q", st)
	}
}

// checkDebianGuest checks what cloud-init applied: hostname, both addresses on
// the NIC named by its MAC, the root file system grown to the plan's disk, the
// host keys and root's access.
func checkDebianGuest(t *testing.T, g testkit.GuestLogin, v apiVMNet, hostname string, diskGB int) {
	t.Helper()
	out, err := g.Run(v.ipv4(), "hostname; cat /sys/class/net/eth0/address; ip -o addr show dev eth0; df -B1 --output=size / | tail -n1", nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	if len(lines) < 3 || lines[0] != hostname || !strings.EqualFold(lines[1], v.MAC) {
		t.Fatalf("guest says:\n%s", out)
	}
	for _, want := range []string{"inet " + v.ipv4() + "/24", "inet6 " + v.ipv6() + "/64"} {
		if !strings.Contains(out, want) {
			t.Errorf("eth0 lacks %s:\n%s", want, out)
		}
	}
	size, _ := strconv.ParseInt(strings.TrimSpace(lines[len(lines)-1]), 10, 64)
	if size < int64(diskGB-1)<<30 {
		t.Errorf("the root file system is %d bytes; the plan's disk is %d GB (growpart did not run?)", size, diskGB)
	}
	if _, err := g.Run(v.ipv6(), "true", nil); err != nil {
		t.Errorf("no login over IPv6: %v", err)
	}
}
