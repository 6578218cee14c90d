package web_test

import (
	"abrak/testkit"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// waitAction polls an action through the API until it ends, and returns it.
func waitAction(t *testing.T, a *testkit.App, token string, id int64) actionBody {
	t.Helper()
	var got actionBody
	testkit.WaitFor(t, 3*time.Minute, "action "+itoa(id)+" ends", func() bool {
		r := a.APICall(t, "GET", "/api/v1/actions/"+itoa(id), token, "")
		testkit.MustStatus(t, "poll the action", r, http.StatusOK)
		got = testkit.Decode[actionBody](t, r)
		return got.Action.Status != store.ActionInProgress
	})
	return got
}

// actionProgress reads an action's progress, which actionBody leaves out.
func actionProgress(t *testing.T, a *testkit.App, token string, id int64) int {
	t.Helper()
	var b struct {
		Action struct {
			Progress int `json:"progress"`
		} `json:"action"`
	}
	if err := json.Unmarshal([]byte(a.APICall(t, "GET", "/api/v1/actions/"+itoa(id), token, "").Body), &b); err != nil {
		t.Fatal(err)
	}
	return b.Action.Progress
}

// A real guest's backups through both doors: the Backups tab shows what
// backups cost before they are turned on, and the biller charges exactly
// that beside each hour; a backup taken through the API while the guest runs
// lands in the region's store, is listed and named in the VM's body; it comes
// back onto the VM (which runs again, with its address and MAC) and as a new
// VM, ordered like any other and built from it.
func TestARealGuestIsBackedUpAndRestoredThroughTheAPI(t *testing.T) {
	t.Parallel()
	qp := testkit.NewQEMUPanel(t, withBackupPrice(backupPricePercent), testkit.WithAPIRateLimit(100_000, 100_000))
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := qp.DB.AddBackupStore(ctx, store.BackupStore{Name: "thr-q-dir", Region: testkit.QEMURegion, Kind: store.BackupStoreDir, Path: dir}); err != nil {
		t.Fatal(err)
	}
	u := qp.Customer(t, "ana@example.com")
	tok, _ := qp.App.MintToken(t, u.Email, services.AllScopes...)
	order := func(hostname string) map[string]any {
		return map[string]any{"plan_slug": testkit.QEMUPlan, "auth_mode": "password", "custom_password": "StrongPass123!", "hostname": hostname}
	}
	body, _ := json.Marshal(func() map[string]any { o := order("backed-up"); o["os_template_slug"] = testkit.QEMUTemplate; return o }())
	r := qp.App.APICall(t, "POST", "/api/v1/vms", tok, string(body))
	if r.Status != http.StatusAccepted && r.Status != http.StatusServiceUnavailable {
		t.Fatalf("order: %d %s", r.Status, testkit.Trim(r.Body))
	}
	uuid := strings.TrimPrefix(r.Header.Get("Location"), "/api/v1/vms/")
	running := func(uuid string) {
		t.Helper()
		testkit.WaitFor(t, 3*time.Minute, uuid+" runs", func() bool { return vmRow(t, qp.App, uuid).Status == vmstatus.Running })
	}
	running(uuid)
	vm := vmRow(t, qp.App, uuid)

	// The toggle's price is what the biller charges.
	const lang = i18n.FA
	price := int64(testkit.QEMUPlanRialsHour * backupPricePercent / 100)
	c := qp.Client(t)
	c.SignIn(u.Email, testkit.Password)
	page := c.Get("/vms/" + uuid + "?tab=backups&lang=fa")
	testkit.MustStatus(t, "the Backups tab", page, http.StatusOK)
	shown := i18n.T(lang, "backup.turn_on", "price", i18n.Money(lang, price))
	if !testkit.Contains(page.Body, shown) {
		t.Fatalf("the Backups tab does not offer backups at %q", shown)
	}
	testkit.MustStatus(t, "turn backups on", c.Post("/vms/"+uuid+"/backups/enabled", testkit.Form("enabled", "true", "tab", "backups")), http.StatusSeeOther)
	qp.Workers.BillDue(ctx, time.Now().Add(2*time.Hour))
	var rows []int64
	q, err := qp.DB.R.QueryContext(ctx, `SELECT amount_rials FROM ledger WHERE ref = ? AND kind = ?`, uuid, store.LedgerBackups)
	if err != nil {
		t.Fatal(err)
	}
	for q.Next() {
		var n int64
		if err := q.Scan(&n); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, n)
	}
	q.Close()
	if len(rows) == 0 {
		t.Fatal("the biller charged no hour of backups")
	}
	for _, n := range rows {
		if got := i18n.T(lang, "backup.turn_on", "price", i18n.Money(lang, -n)); got != shown {
			t.Errorf("an hour of backups charged %d rials (%q), the tab showed %q", -n, got, shown)
		}
	}

	// A backup now, while the guest runs.
	r = qp.App.APICall(t, "POST", "/api/v1/vms/"+uuid+"/backups", tok, "")
	testkit.MustStatus(t, "back up now", r, http.StatusAccepted)
	started := testkit.Decode[actionBody](t, r).Action
	if started.Type != "backup" || started.Status != store.ActionInProgress || started.ResourceID != uuid {
		t.Fatalf("the backup's action: %+v", started)
	}
	if a := waitAction(t, qp.App, tok, started.ID).Action; a.Status != store.ActionCompleted || a.Error != nil {
		t.Fatalf("the backup ended %+v", a)
	}
	if p := actionProgress(t, qp.App, tok, started.ID); p != 100 {
		t.Errorf("the completed backup's progress is %d%%", p)
	}
	if st := vmRow(t, qp.App, uuid).Status; st != vmstatus.Running {
		t.Errorf("after the backup the VM is %s", st)
	}
	list := testkit.Decode[backupListBody](t, qp.App.APICall(t, "GET", "/api/v1/vms/"+uuid+"/backups", tok, "")).Backups
	if len(list) != 1 || list[0].Kind != "manual" || list[0].Status != "completed" || list[0].Size == 0 || list[0].Capacity != 1<<30 ||
		list[0].Consistency == nil || list[0].ActionID == nil || *list[0].ActionID != started.ID {
		t.Fatalf("the list after the backup: %+v", list)
	}
	bk := list[0].ID
	if files, _ := os.ReadDir(dir); len(files) != 1 || !strings.HasPrefix(files[0].Name(), uuid) {
		t.Errorf("the store holds %v", files)
	}
	if ids := testkit.Decode[vmBackupFields](t, qp.App.APICall(t, "GET", "/api/v1/vms/"+uuid, tok, "")).VM.BackupIDs; !slices.Equal(ids, []int64{bk}) {
		t.Errorf("the VM's backup_ids %v, want [%d]", ids, bk)
	}
	page = c.Get("/vms/" + uuid + "?tab=backups&lang=fa")
	if !testkit.Contains(page.Body, i18n.T(lang, "backup.left_today", "n", i18n.Number(lang, 2), "max", i18n.Number(lang, 3))) {
		t.Error("the Backups tab does not say two backups on demand are left")
	}

	// Onto the VM itself.
	r = qp.App.APICall(t, "POST", "/api/v1/vms/"+uuid+"/backups/"+itoa(bk)+"/restore", tok, `{"target":"self"}`)
	testkit.MustStatus(t, "restore onto the VM", r, http.StatusOK)
	restore := testkit.Decode[actionBody](t, r).Action
	if restore.Type != "backup_restore" {
		t.Fatalf("the restore's action: %+v", restore)
	}
	if a := waitAction(t, qp.App, tok, restore.ID).Action; a.Status != store.ActionCompleted {
		t.Fatalf("the restore ended %+v", a)
	}
	running(uuid)
	if after := vmRow(t, qp.App, uuid); after.PublicIP != vm.PublicIP || after.MAC != vm.MAC {
		t.Errorf("after the restore the VM has %s and %s, had %s and %s", after.PublicIP, after.MAC, vm.PublicIP, vm.MAC)
	}
	if st := qp.Domains(t)[uuid]; st != vmstatus.Running {
		t.Errorf("libvirt reports the restored domain %s", st)
	}

	// As a new VM.
	o := order("restored")
	o["target"] = "new"
	body, _ = json.Marshal(o)
	r = qp.App.APICall(t, "POST", "/api/v1/vms/"+uuid+"/backups/"+itoa(bk)+"/restore", tok, string(body))
	if r.Status != http.StatusAccepted && r.Status != http.StatusServiceUnavailable {
		t.Fatalf("restore as a new VM: %d %s", r.Status, testkit.Trim(r.Body))
	}
	fresh := strings.TrimPrefix(r.Header.Get("Location"), "/api/v1/vms/")
	if fresh == "" || fresh == uuid {
		t.Fatalf("Location %q", r.Header.Get("Location"))
	}
	running(fresh)
	nv := vmRow(t, qp.App, fresh)
	if n := qp.Count(t, `SELECT count(*) FROM orders WHERE vm_id = ? AND from_backup_id = ?`, nv.ID, bk); n != 1 {
		t.Errorf("the new VM's order is not built from backup %d", bk)
	}
	if nv.Hostname != "restored" || nv.PublicIP == vm.PublicIP || nv.MAC == vm.MAC {
		t.Errorf("the new VM: hostname %q, address %s, MAC %s", nv.Hostname, nv.PublicIP, nv.MAC)
	}
	if st := qp.Domains(t)[fresh]; st != vmstatus.Running {
		t.Errorf("libvirt reports the new VM %s", st)
	}
}
