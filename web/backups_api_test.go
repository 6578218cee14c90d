package web_test

import (
	"abrak/testkit"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/services"
	"abrak/store"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The backups' API without a hypervisor: the backups are put in the store by
// hand (a directory store of the region, a file per backup), as the backup
// worker would have left them, so every answer but a real backup, restore or
// new VM can be checked here; those run on real guests in backups_flow_test.go.

// backupPricePercent is the operator's share of a plan's price for its backups in these tests.
const backupPricePercent = 20

// withBackupPrice sets the backups' price, as ABRAK_BACKUP_PRICE_PERCENT does.
func withBackupPrice(pct int) func(*app.Config) {
	return func(c *app.Config) { c.VM.Backups.PricePercent = pct }
}

// starterBackupRials is what backups add to an hour of the starter plan.
const starterBackupRials = starterPriceRials * backupPricePercent / 100

// backupWorld is vmWorld with ana's web VM running and db stopped, bob's
// running, and a directory store for their region.
type backupWorld struct {
	*vmWorld
	dir   string
	store store.BackupStore
}

func newBackupWorld(t *testing.T) *backupWorld {
	t.Helper()
	w := &backupWorld{vmWorld: newVMWorld(t, withBackupPrice(backupPricePercent)), dir: t.TempDir()}
	settle(t, w.a, w.web, vmstatus.Running)
	settle(t, w.a, w.db, vmstatus.Stopped)
	settle(t, w.a, w.bobs, vmstatus.Running)
	return w
}

// addStore declares the region's backup store.
func (w *backupWorld) addStore(t *testing.T) {
	t.Helper()
	st, err := w.a.DB.AddBackupStore(context.Background(), store.BackupStore{Name: "thr-1-dir", Region: "thr-1", Kind: store.BackupStoreDir, Path: w.dir})
	if err != nil {
		t.Fatal(err)
	}
	w.store = st
}

// backup puts a completed backup of the VM uuid, taken at at, into the store:
// its file of size bytes, of a disk of capacity bytes.
func (w *backupWorld) backup(t *testing.T, uuid, kind string, at time.Time, size int, capacity int64) int64 {
	t.Helper()
	ctx := context.Background()
	vm := vmRow(t, w.a, uuid)
	b, err := w.a.DB.StartBackup(ctx, store.Backup{VMID: vm.ID, StoreID: w.store.ID, Kind: kind, CreatedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	file := fmt.Sprintf("%s-%d.qcow2", uuid, b.ID)
	data := []byte(strings.Repeat("b", size))
	sum := sha256.Sum256(data)
	if err := os.WriteFile(filepath.Join(w.dir, file), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := w.a.DB.SetBackupFile(ctx, b.ID, file); err != nil {
		t.Fatal(err)
	}
	if err := w.a.DB.CompleteBackup(ctx, b.ID, "fs-frozen", int64(size), capacity, hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
	return b.ID
}

type backupItem struct {
	ID          int64   `json:"id"`
	CreatedAt   string  `json:"created_at"`
	CompletedAt *string `json:"completed_at"`
	Size        int64   `json:"size"`
	Capacity    int64   `json:"capacity"`
	Kind        string  `json:"kind"`
	Consistency *string `json:"consistency"`
	Status      string  `json:"status"`
	ActionID    *int64  `json:"action_id"`
}

type backupListBody struct {
	Backups []backupItem `json:"backups"`
}

// vmBackupFields is what the VM body says of backups.
type vmBackupFields struct {
	VM struct {
		BackupsEnabled    bool    `json:"backups_enabled"`
		BackupPriceHourly int64   `json:"backup_price_hourly"`
		BackupIDs         []int64 `json:"backup_ids"`
	} `json:"vm"`
}

// Every backup endpoint answers with its shape, keeps another customer's
// VMs and backups out of reach (404), asks for its scope (403), names each
// bad field (422) and says why it refuses with the documented code; the VM
// body tells whether backups are on, what they cost and which there are.
func TestTheBackupsAPIAnswersRefusesAndKeepsEachCustomersOwn(t *testing.T) {
	w := newBackupWorld(t)
	ctx := context.Background()
	readOnly, _ := w.a.MintToken(t, w.ana.email, services.ScopeVMRead)
	writeOnly, _ := w.a.MintToken(t, w.ana.email, services.ScopeVMRead, services.ScopeVMWrite)
	accountOnly, _ := w.a.MintToken(t, w.ana.email, services.ScopeAccount)
	tok := func(s string) func(*vmWorld) string { return func(*vmWorld) string { return s } }
	code := func(want string) func(t *testing.T, w *vmWorld, r testkit.Response) {
		return func(t *testing.T, w *vmWorld, r testkit.Response) {
			if e := testkit.APIErrorOf(t, r); e.Error.Code != want {
				t.Errorf("code %q, want %q: %s", e.Error.Code, want, testkit.Trim(r.Body))
			}
		}
	}

	// Before the operator declares a store, a backup cannot be taken, and the
	// reason is the documented code.
	runAPIRows(t, w.vmWorld, []apiRow{
		{name: "no store in the region", method: "POST", path: "/api/v1/vms/{web}/backups", token: anaToken, status: 503, check: code("no_backup_store")},
		{name: "an empty list", method: "GET", path: "/api/v1/vms/{web}/backups", token: anaToken, status: 200, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			if r.Body != "{\"backups\":[]}\n" {
				t.Errorf("body %s, want an empty list", r.Body)
			}
		}},
	})

	w.addStore(t)
	taken := time.Date(2026, 12, 2, 22, 41, 0, 0, time.UTC)
	older := w.backup(t, w.web, store.BackupScheduled, taken.Add(-24*time.Hour), 1000, 20<<30)
	newer := w.backup(t, w.web, store.BackupScheduled, taken, 2048, 20<<30)
	big := w.backup(t, w.web, store.BackupManual, time.Now(), 10, 21<<30)
	bobs := w.backup(t, w.bobs, store.BackupScheduled, taken, 10, 20<<30)
	for range 3 {
		w.backup(t, w.db, store.BackupManual, time.Now().Add(-time.Hour), 10, 20<<30)
	}
	path := func(uuid string, id int64, rest string) string {
		return "/api/v1/vms/" + uuid + "/backups/" + strconv.FormatInt(id, 10) + rest
	}
	restoreNew := func(plan string) string {
		b, _ := json.Marshal(map[string]any{"target": "new", "plan_slug": plan, "auth_mode": "password", "custom_password": "StrongPass123!",
			"hostname": "restored-1", "display_name": "Restored", "backups_enabled": true})
		return string(b)
	}
	before := balanceOf(t, w.a, w.ana.email)

	runAPIRows(t, w.vmWorld, []apiRow{
		{name: "the list, newest first", method: "GET", path: "/api/v1/vms/{web}/backups", token: anaToken, status: 200, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			l := testkit.Decode[backupListBody](t, r).Backups
			if len(l) != 3 || l[0].ID != big || l[1].ID != newer || l[2].ID != older {
				t.Fatalf("backups %+v, want %d, %d, %d", l, big, newer, older)
			}
			b := l[1]
			if b.CreatedAt != "2026-12-02T22:41:00Z" || b.CompletedAt == nil || b.Size != 2048 || b.Capacity != 20<<30 || b.Kind != "scheduled" ||
				b.Consistency == nil || *b.Consistency != "fs-frozen" || b.Status != "completed" || b.ActionID != nil {
				t.Errorf("backup %+v", b)
			}
			if l[0].Kind != "manual" {
				t.Errorf("the backup asked for reads kind %q", l[0].Kind)
			}
			for _, key := range []string{`"action_id":null`, `"completed_at":"`, `"consistency":"fs-frozen"`} {
				if !strings.Contains(r.Body, key) {
					t.Errorf("the list lacks %s: %s", key, r.Body)
				}
			}
		}},
		{name: "the VM's body names its backups", method: "GET", path: "/api/v1/vms/{web}", token: anaToken, status: 200, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			v := testkit.Decode[vmBackupFields](t, r).VM
			if v.BackupsEnabled || v.BackupPriceHourly != starterBackupRials || !slices.Equal(v.BackupIDs, []int64{older, newer, big}) {
				t.Errorf("backups_enabled %v, backup_price_hourly %d, backup_ids %v", v.BackupsEnabled, v.BackupPriceHourly, v.BackupIDs)
			}
		}},
		{name: "bob's VM names bob's backup", method: "GET", path: "/api/v1/vms/{bob}", token: bobToken, status: 200, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			if !strings.Contains(r.Body, fmt.Sprintf(`"backup_ids":[%d]`, bobs)) {
				t.Errorf("bob's VM body: %s", testkit.Trim(r.Body))
			}
		}},
		{name: "the list of VMs says the same", method: "GET", path: "/api/v1/vms?q=Web", token: anaToken, status: 200, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			want := fmt.Sprintf(`"backups_enabled":false,"backup_price_hourly":%d,"backup_ids":[%d,%d,%d]`, starterBackupRials, older, newer, big)
			if !strings.Contains(r.Body, want) {
				t.Errorf("the list lacks %s: %s", want, testkit.Trim(r.Body))
			}
		}},
		{name: "another customer's VM", method: "GET", path: "/api/v1/vms/{web}/backups", token: bobToken, status: 404},
		{name: "an unknown VM", method: "GET", path: "/api/v1/vms/00000000-0000-0000-0000-000000000000/backups", token: anaToken, status: 404},
		{name: "listing needs vm:read", method: "GET", path: "/api/v1/vms/{web}/backups", token: tok(accountOnly), status: 403},

		{name: "backing up needs vm:write", method: "POST", path: "/api/v1/vms/{web}/backups", token: tok(readOnly), status: 403},
		{name: "backing up another customer's VM", method: "POST", path: "/api/v1/vms/{web}/backups", token: bobToken, status: 404},
		{name: "a fourth backup on demand in a day", method: "POST", path: "/api/v1/vms/{db}/backups", token: anaToken, status: 409, check: code("backup_limit")},
		{name: "a VM on no node cannot be backed up", method: "POST", path: "/api/v1/vms/{web}/backups", token: anaToken, status: 503},

		{name: "restore without a target", method: "POST", path: path(w.web, newer, "/restore"), token: anaToken, body: `{}`, status: 422, fields: []string{"target"}},
		{name: "restore to a target there is not", method: "POST", path: path(w.web, newer, "/restore"), token: anaToken, body: `{"target":"elsewhere"}`, status: 422, fields: []string{"target"}},
		{name: "restore onto itself with an order's fields", method: "POST", path: path(w.web, newer, "/restore"), token: anaToken,
			body: `{"target":"self","plan_slug":"pro","hostname":"x"}`, status: 422, fields: []string{"plan_slug", "hostname"}},
		{name: "restore with a field it does not take", method: "POST", path: path(w.web, newer, "/restore"), token: anaToken,
			body: `{"target":"new","region":"thr-1"}`, status: 422, fields: []string{"region"}, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if m := testkit.APIErrorOf(t, r).Error.Message; !strings.Contains(m, "target, plan_slug, auth_mode") || !strings.Contains(m, "backups_enabled") {
					t.Errorf("the message does not list the fields the restore takes: %q", m)
				}
			}},
		{name: "restore with a number for a target", method: "POST", path: path(w.web, newer, "/restore"), token: anaToken, body: `{"target":1}`, status: 422, fields: []string{"target"}},
		{name: "restore with broken JSON", method: "POST", path: path(w.web, newer, "/restore"), token: anaToken, body: `{"target":`, status: 400},
		{name: "restore another customer's backup onto ana's VM", method: "POST", path: path(w.web, bobs, "/restore"), token: anaToken, body: `{"target":"self"}`, status: 404},
		{name: "restore ana's backup as bob", method: "POST", path: path(w.web, newer, "/restore"), token: bobToken, body: `{"target":"self"}`, status: 404},
		{name: "restore ana's backup as new as bob", method: "POST", path: path(w.web, newer, "/restore"), token: bobToken, body: restoreNew("pro"), status: 404},
		{name: "restore a backup that is not a number", method: "POST", path: "/api/v1/vms/" + w.web + "/backups/latest/restore", token: anaToken, body: `{"target":"self"}`, status: 404},
		{name: "restore a backup there is not", method: "POST", path: path(w.web, 999, "/restore"), token: anaToken, body: `{"target":"self"}`, status: 404},
		{name: "restoring needs vm:write", method: "POST", path: path(w.web, newer, "/restore"), token: tok(readOnly), body: `{"target":"self"}`, status: 403},
		{name: "restoring onto a VM on no node", method: "POST", path: path(w.web, newer, "/restore"), token: anaToken, body: `{"target":"self"}`, status: 503},
		{name: "a new VM needs vm:create", method: "POST", path: path(w.web, newer, "/restore"), token: tok(writeOnly), body: restoreNew("pro"), status: 403,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if m := testkit.APIErrorOf(t, r).Error.Message; !strings.Contains(m, "vm:create") {
					t.Errorf("the 403 does not name vm:create: %q", m)
				}
			}},
		{name: "a new VM with the order's fields wrong", method: "POST", path: path(w.web, newer, "/restore"), token: anaToken,
			body: `{"target":"new","plan_slug":"nope","auth_mode":"magic","hostname":"bad host!"}`, status: 422, fields: []string{"plan_slug", "auth_mode", "hostname"}},
		{name: "a new VM on a plan whose disk is smaller than the backup's", method: "POST", path: path(w.web, big, "/restore"), token: anaToken,
			body: restoreNew("starter"), status: 422, fields: []string{"plan_slug"}, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if f := testkit.APIErrorOf(t, r).Error.Fields["plan_slug"]; f != i18n.T(i18n.FA, "backup.plan_too_small") {
					t.Errorf("plan_slug: %q", f)
				}
			}},

		{name: "deleting needs vm:write", method: "DELETE", path: path(w.web, older, ""), token: tok(readOnly), status: 403},
		{name: "deleting another customer's backup", method: "DELETE", path: path(w.web, older, ""), token: bobToken, status: 404},
		{name: "deleting bob's backup through ana's VM", method: "DELETE", path: path(w.web, bobs, ""), token: anaToken, status: 404},
		{name: "delete", method: "DELETE", path: path(w.web, older, ""), token: anaToken, status: 204, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			l := testkit.Decode[backupListBody](t, w.a.APICall(t, "GET", "/api/v1/vms/"+w.web+"/backups", w.ana.token, "")).Backups
			if len(l) != 2 || slices.ContainsFunc(l, func(b backupItem) bool { return b.ID == older }) {
				t.Errorf("after the delete the list is %+v", l)
			}
		}},
		{name: "delete twice", method: "DELETE", path: path(w.web, older, ""), token: anaToken, status: 404},
	})
	if _, err := os.Stat(filepath.Join(w.dir, fmt.Sprintf("%s-%d.qcow2", w.web, older))); !os.IsNotExist(err) {
		t.Errorf("the deleted backup's file is still in the store: %v", err)
	}
	if got := balanceOf(t, w.a, w.ana.email); got != before {
		t.Errorf("refused requests moved ana's balance from %d to %d", before, got)
	}
	if vm := vmRow(t, w.a, w.web); vm.Status != vmstatus.Running || vm.Locked {
		t.Errorf("refused requests changed ana's VM: %s locked %v", vm.Status, vm.Locked)
	}

	// As a new VM: an order, charged as one (the plan's hour and its
	// backups'), answered as POST /api/v1/vms is without a hypervisor.
	r := w.a.APICall(t, "POST", path(w.web, big, "/restore"), w.ana.token, restoreNew("pro"), "Idempotency-Key", "restore-1")
	testkit.MustStatus(t, "restore as a new VM", r, 503)
	uuid, ok := strings.CutPrefix(r.Header.Get("Location"), "/api/v1/vms/")
	if !ok || uuid == "" || uuid == w.web {
		t.Fatalf("Location %q", r.Header.Get("Location"))
	}
	again := w.a.APICall(t, "POST", path(w.web, big, "/restore"), w.ana.token, restoreNew("pro"), "Idempotency-Key", "restore-1")
	if again.Header.Get("Location") != r.Header.Get("Location") {
		t.Errorf("the same Idempotency-Key ordered another VM: %q", again.Header.Get("Location"))
	}
	nv := vmRow(t, w.a, uuid)
	proBackups := int64(400_000 * backupPricePercent / 100)
	if nv.PlanSlug != "pro" || nv.Region != "thr-1" || nv.OSTemplateSlug != "debian-12" || nv.DisplayName != "Restored" || !nv.BackupsEnabled || nv.BackupPriceHourly != proBackups {
		t.Errorf("the new VM: %+v", nv)
	}
	if n := w.a.Count(t, `SELECT count(*) FROM orders WHERE vm_id = ? AND from_backup_id = ?`, nv.ID, big); n != 1 {
		t.Errorf("the new VM's order is not built from backup %d", big)
	}
	if got, want := balanceOf(t, w.a, w.ana.email), before-400_000-proBackups; got != want {
		t.Errorf("balance %d after the new VM, want %d (its first hour and its backups')", got, want)
	}

	// The actions' bodies carry their progress.
	a, err := w.a.DB.StartAction(ctx, w.ana.id, vmRow(t, w.a, w.web).ID, "backup")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.a.DB.SetActionProgress(ctx, a.ID, 45); err != nil {
		t.Fatal(err)
	}
	r = w.a.APICall(t, "GET", "/api/v1/actions/"+itoa(a.ID), w.ana.token, "")
	testkit.MustStatus(t, "an action", r, 200)
	if !strings.Contains(r.Body, `"type":"backup"`) || !strings.Contains(r.Body, `"progress":45`) {
		t.Errorf("the backup's action: %s", r.Body)
	}
}

// Backups are turned on and off with PATCH, which takes display_name and
// backups_enabled and nothing else, and with the order; the price is what the
// VM body showed before, and an order with backups pays their first hour.
func TestBackupsAreSwitchedWithPatchAndTheOrder(t *testing.T) {
	w := newBackupWorld(t)
	get := func(uuid string) vmBackupFields {
		t.Helper()
		return testkit.Decode[vmBackupFields](t, w.a.APICall(t, "GET", "/api/v1/vms/"+uuid, w.ana.token, ""))
	}
	shown := get(w.web).VM.BackupPriceHourly
	if shown != starterBackupRials {
		t.Fatalf("before turning them on the VM shows backups at %d, want %d", shown, starterBackupRials)
	}
	runAPIRows(t, w.vmWorld, []apiRow{
		{name: "on", method: "PATCH", path: "/api/v1/vms/{web}", token: anaToken, body: `{"backups_enabled":true}`, status: 200, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			v := testkit.Decode[vmBackupFields](t, r).VM
			if !v.BackupsEnabled || v.BackupPriceHourly != shown {
				t.Errorf("after turning them on: %+v", v)
			}
			if vm := vmRow(t, w.a, w.web); !vm.BackupsEnabled || vm.BackupPriceHourly != shown || vm.DisplayName != "Web Server" {
				t.Errorf("recorded: backups %v at %d, name %q", vm.BackupsEnabled, vm.BackupPriceHourly, vm.DisplayName)
			}
		}},
		{name: "a wrong type", method: "PATCH", path: "/api/v1/vms/{db}", token: anaToken, body: `{"backups_enabled":"yes"}`, status: 422, fields: []string{"backups_enabled"}},
		{name: "a field PATCH does not take, and the ones it does", method: "PATCH", path: "/api/v1/vms/{db}", token: anaToken, body: `{"backups":true}`, status: 422,
			fields: []string{"backups"}, header: []string{"Accept-Language", "en"}, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if m := testkit.APIErrorOf(t, r).Error.Message; m != "A field this request does not take. It takes: display_name, backups_enabled." {
					t.Errorf("message %q", m)
				}
			}},
		{name: "a refused name leaves the backups as they were", method: "PATCH", path: "/api/v1/vms/{db}", token: anaToken,
			body: `{"display_name":"","backups_enabled":true}`, status: 422, fields: []string{"display_name"}, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if vmRow(t, w.a, w.db).BackupsEnabled {
					t.Error("the refused PATCH turned backups on")
				}
			}},
		{name: "both at once", method: "PATCH", path: "/api/v1/vms/{db}", token: anaToken, body: `{"display_name":"db-main","backups_enabled":true}`, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if vm := vmRow(t, w.a, w.db); vm.DisplayName != "db-main" || !vm.BackupsEnabled {
					t.Errorf("name %q, backups %v", vm.DisplayName, vm.BackupsEnabled)
				}
			}},
		{name: "off", method: "PATCH", path: "/api/v1/vms/{db}", token: anaToken, body: `{"backups_enabled":false}`, status: 200, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			if v := testkit.Decode[vmBackupFields](t, r).VM; v.BackupsEnabled || v.BackupPriceHourly != starterBackupRials {
				t.Errorf("after turning them off: %+v (the price is what turning them on would cost)", v)
			}
		}},
		{name: "another customer's VM", method: "PATCH", path: "/api/v1/vms/{web}", token: bobToken, body: `{"backups_enabled":false}`, status: 404},
	})
	readOnly, _ := w.a.MintToken(t, w.ana.email, services.ScopeVMRead)
	testkit.MustStatus(t, "PATCH with vm:read", w.a.APICall(t, "PATCH", "/api/v1/vms/"+w.web, readOnly, `{"backups_enabled":false}`), 403)
	if !vmRow(t, w.a, w.web).BackupsEnabled {
		t.Error("refused PATCHes turned ana's backups off")
	}

	// The order: backups on from the first hour, which pays for them too.
	before := balanceOf(t, w.a, w.ana.email)
	b, _ := json.Marshal(map[string]any{"plan_slug": "starter", "os_template_slug": "debian-12", "auth_mode": "password",
		"custom_password": "StrongPass123!", "hostname": "backed-1", "backups_enabled": true})
	r := w.a.APICall(t, "POST", "/api/v1/vms", w.ana.token, string(b))
	testkit.MustStatus(t, "order with backups", r, 503)
	uuid := strings.TrimPrefix(r.Header.Get("Location"), "/api/v1/vms/")
	if v := get(uuid).VM; !v.BackupsEnabled || v.BackupPriceHourly != starterBackupRials || v.BackupIDs == nil || len(v.BackupIDs) != 0 {
		t.Errorf("the VM ordered with backups: %+v", v)
	}
	if got, want := balanceOf(t, w.a, w.ana.email), before-starterPriceRials-starterBackupRials; got != want {
		t.Errorf("balance %d after the order, want %d", got, want)
	}
	if n := w.a.Count(t, `SELECT count(*) FROM ledger WHERE ref = ? AND kind = ? AND amount_rials = ?`, uuid, store.LedgerBackups, -starterBackupRials); n != 1 {
		t.Errorf("%d ledger rows of backups for the order's first hour, want 1", n)
	}
}

// Each answer of the backups' endpoints has a status the document lists for
// it and the shape it documents.
func TestBackupAnswersMatchTheDocument(t *testing.T) {
	w := newBackupWorld(t)
	w.addStore(t)
	id := w.backup(t, w.web, store.BackupScheduled, time.Now(), 100, 20<<30)
	settle(t, w.a, w.db, vmstatus.Creating)
	doc, _ := servedDoc(t, w.a)
	readOnly, _ := w.a.MintToken(t, w.ana.email, services.ScopeVMRead)
	one := "/api/v1/vms/" + w.web + "/backups/" + itoa(id)
	rows := []struct {
		method, path, docPath, token, body string
		status                             int
	}{
		{"GET", "/api/v1/vms/" + w.web + "/backups", "/api/v1/vms/{uuid}/backups", w.ana.token, "", 200},
		{"GET", "/api/v1/vms/" + w.web + "/backups", "/api/v1/vms/{uuid}/backups", w.bob.token, "", 404},
		{"POST", "/api/v1/vms/" + w.web + "/backups", "/api/v1/vms/{uuid}/backups", readOnly, "", 403},
		{"POST", "/api/v1/vms/" + w.db + "/backups", "/api/v1/vms/{uuid}/backups", w.ana.token, "", 409},
		{"POST", "/api/v1/vms/" + w.web + "/backups", "/api/v1/vms/{uuid}/backups", w.ana.token, "", 503},
		{"POST", one + "/restore", "/api/v1/vms/{uuid}/backups/{id}/restore", w.ana.token, `{"target":"x"}`, 422},
		{"POST", one + "/restore", "/api/v1/vms/{uuid}/backups/{id}/restore", w.ana.token, `{"target":"self"}`, 503},
		{"POST", one + "/restore", "/api/v1/vms/{uuid}/backups/{id}/restore", w.ana.token, `{"target":"new","plan_slug":"pro","auth_mode":"password","custom_password":"StrongPass123!"}`, 503},
		{"PATCH", "/api/v1/vms/" + w.web, "/api/v1/vms/{uuid}", w.ana.token, `{"backups_enabled":true}`, 200},
		{"GET", "/api/v1/vms", "/api/v1/vms", w.ana.token, "", 200},
		{"DELETE", one, "/api/v1/vms/{uuid}/backups/{id}", w.ana.token, "", 204},
	}
	for _, row := range rows {
		name := row.method + " " + row.docPath + " " + strconv.Itoa(row.status)
		r := w.a.APICall(t, row.method, row.path, row.token, row.body)
		if r.Status != row.status {
			t.Errorf("%s: got %d\n%s", name, r.Status, testkit.Trim(r.Body))
			continue
		}
		op, _ := doc["paths"].(map[string]any)[row.docPath].(map[string]any)[strings.ToLower(row.method)].(map[string]any)
		resp, ok := op["responses"].(map[string]any)[strconv.Itoa(r.Status)]
		if !ok {
			t.Errorf("%s: status not documented", name)
			continue
		}
		if r.Status == http.StatusNoContent {
			continue
		}
		media, _ := docDeref(doc, docDeref(doc, resp)["content"])["application/json"].(map[string]any)
		var body any
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Errorf("%s: body is not JSON: %v", name, err)
			continue
		}
		for _, problem := range conforms(doc, media["schema"], body, "body") {
			t.Errorf("%s: %s", name, problem)
		}
	}
}

// shownTab is the VM page's tab that is not hidden.
func shownTab(body string) string {
	for _, tab := range []string{"overview", "snapshots", "backups", "network", "settings", "danger"} {
		if strings.Contains(body, `data-tab-panel="`+tab+`">`) {
			return tab
		}
	}
	return ""
}

// The Backups tab's forms: without a store in the region the tab says so and
// offers no backup now; a refused form comes back on the tab with the message
// beside its field (the new VM's form open, what was typed kept, the password
// not); a refusal above the form is drawn on the tab; what succeeds comes back
// to the tab with a flash.
func TestTheBackupsTabsFormsAnswerOnTheTab(t *testing.T) {
	w := newBackupWorld(t)
	c := w.a.Client(t)
	c.Header.Set("Accept-Language", "en")
	c.SignIn(w.ana.email, testkit.Password)
	T := func(key string, args ...string) string { return i18n.T(i18n.EN, key, args...) }
	page := "/vms/" + w.web + "?tab=backups"

	r := c.Get(page)
	testkit.MustStatus(t, "the tab", r, http.StatusOK)
	if !testkit.Contains(r.Body, T("backup.no_store")) || !strings.Contains(r.Body, `<button type="submit" class="btn btn-secondary" disabled>`+T("backup.now")) {
		t.Errorf("a region without a store: the tab does not say so, or offers a backup now")
	}

	w.addStore(t)
	id := w.backup(t, w.web, store.BackupScheduled, time.Now().Add(-time.Hour), 100, 20<<30)
	r = c.Get(page)
	if testkit.Contains(r.Body, T("backup.no_store")) || !strings.Contains(r.Body, `<button type="submit" class="btn btn-secondary">`+T("backup.now")) {
		t.Errorf("with a store the tab still says backups are not available here")
	}
	restore := "/vms/" + w.web + "/backups/" + itoa(id) + "/restore"

	r = c.Post(restore, testkit.Form("tab", "backups", "target", "self", "confirm", "Web"))
	testkit.MustStatus(t, "restore without the name", r, http.StatusUnprocessableEntity)
	if e := testkit.FieldErrors(r.Body); e["confirm"] != T("vm.delete_name_mismatch") || shownTab(r.Body) != "backups" {
		t.Errorf("errors %v on tab %q", e, shownTab(r.Body))
	}

	r = c.Post(restore, testkit.Form("tab", "backups", "target", "new", "plan_slug", "starter", "auth_mode", "password",
		"custom_password", "short", "hostname", "kept-1", "display_name", "Kept"))
	testkit.MustStatus(t, "a new VM with a short password", r, http.StatusUnprocessableEntity)
	if e := testkit.FieldErrors(r.Body); e["custom_password"] == "" || shownTab(r.Body) != "backups" {
		t.Errorf("errors %v on tab %q", e, shownTab(r.Body))
	}
	if !strings.Contains(r.Body, `open data-testid="restore-new"`) || !strings.Contains(r.Body, `value="kept-1"`) || strings.Contains(r.Body, `value="short"`) {
		t.Error("the refused new-VM form is not open with what was typed (and only that)")
	}
	if n := w.a.Count(t, `SELECT count(*) FROM vms WHERE user_id = ?`, w.ana.id); n != 2 {
		t.Errorf("a refused form left %d VMs, want ana's 2", n)
	}

	for range 3 {
		w.backup(t, w.web, store.BackupManual, time.Now(), 10, 20<<30)
	}
	r = c.Post("/vms/"+w.web+"/backups", testkit.Form("tab", "backups"))
	testkit.MustStatus(t, "a fourth backup today", r, http.StatusConflict)
	if !testkit.Contains(r.Body, T("backup.daily_limit", "max", "3")) || shownTab(r.Body) != "backups" {
		t.Errorf("the refusal is not on the tab (%q)", shownTab(r.Body))
	}

	r = c.Post("/vms/"+w.web+"/backups/"+itoa(id)+"/delete", testkit.Form("tab", "backups"))
	testkit.MustStatus(t, "delete", r, http.StatusSeeOther)
	if r.Location() != page {
		t.Errorf("after the delete the browser goes to %q, want %q", r.Location(), page)
	}
	if r = c.Get(r.Location()); !testkit.Contains(r.Body, T("backup.deleted")) || strings.Contains(r.Body, `data-backup="`+itoa(id)+`"`) {
		t.Error("after the delete the tab does not say so, or still lists the backup")
	}
}
