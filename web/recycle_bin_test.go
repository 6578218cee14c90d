package web_test

import (
	"abrak/testkit"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// binBody is what the API says of a VM in the recycle bin.
type binBody struct {
	VM struct {
		UUID      string  `json:"uuid"`
		Status    string  `json:"status"`
		PublicIP  *string `json:"public_ip"`
		DeletedAt *string `json:"deleted_at"`
		PurgeAt   *string `json:"purge_at"`
	} `json:"vm"`
}

// binnedUUIDs lists the VMs a list answer holds.
func binnedUUIDs(t *testing.T, r testkit.Response) []string {
	t.Helper()
	var out []string
	for _, raw := range testkit.Decode[listBody](t, r).VMs {
		var v struct {
			UUID      string `json:"uuid"`
			DeletedAt string `json:"deleted_at"`
			PurgeAt   string `json:"purge_at"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v.UUID)
	}
	return out
}

// A DELETE answers 204 and the VM reads deleted at once, saying when it went
// into the recycle bin and when the bin destroys it (the panel's grace
// later); the list leaves it out unless asked for status=deleted; sent again,
// a DELETE changes nothing; the VM refuses changes while binned; a restore
// is another customer's 404, a token's without vm:delete 403, and 409 for a
// VM not in the bin; purge=true destroys it.
func TestTheAPIsDeleteKeepsAVMInTheRecycleBin(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.db, vmstatus.Running)
	settle(t, w.a, w.web, vmstatus.Stopped)
	before := time.Now().Add(-time.Second)

	testkit.MustStatus(t, "delete", w.a.APICall(t, http.MethodDelete, "/api/v1/vms/"+w.db, w.ana.token, ""), http.StatusNoContent)
	r := w.a.APICall(t, http.MethodGet, "/api/v1/vms/"+w.db, w.ana.token, "")
	testkit.MustStatus(t, "get the deleted VM", r, http.StatusOK)
	b := testkit.Decode[binBody](t, r)
	if b.VM.Status != "deleted" || b.VM.DeletedAt == nil || b.VM.PurgeAt == nil {
		t.Fatalf("right after the delete the VM reads %s", testkit.Trim(r.Body))
	}
	deleted, err1 := time.Parse(time.RFC3339, *b.VM.DeletedAt)
	purge, err2 := time.Parse(time.RFC3339, *b.VM.PurgeAt)
	if err1 != nil || err2 != nil || deleted.Before(before.Truncate(time.Second)) || purge.Sub(deleted) != 24*time.Hour {
		t.Errorf("deleted_at %s, purge_at %s: want now and the grace (24 hours) later", *b.VM.DeletedAt, *b.VM.PurgeAt)
	}
	if st := vmRow(t, w.a, w.db).Status; st != vmstatus.Deleted {
		t.Errorf("the database holds %q", st)
	}
	if r := w.a.APICall(t, http.MethodGet, "/api/v1/vms/"+w.web, w.ana.token, ""); strings.Contains(r.Body, "deleted_at") || strings.Contains(r.Body, "purge_at") {
		t.Errorf("a VM not in the bin has deleted_at or purge_at: %s", testkit.Trim(r.Body))
	}
	if got := binnedUUIDs(t, w.a.APICall(t, http.MethodGet, "/api/v1/vms", w.ana.token, "")); len(got) != 1 || got[0] != w.web {
		t.Errorf("the list holds %v, want only the VM not deleted", got)
	}
	r = w.a.APICall(t, http.MethodGet, "/api/v1/vms?status=deleted", w.ana.token, "")
	if got := binnedUUIDs(t, r); len(got) != 1 || got[0] != w.db || !strings.Contains(r.Body, `"purge_at":"`+*b.VM.PurgeAt+`"`) {
		t.Errorf("status=deleted lists %v: %s", got, testkit.Trim(r.Body))
	}

	testkit.MustStatus(t, "delete again", w.a.APICall(t, http.MethodDelete, "/api/v1/vms/"+w.db, w.ana.token, ""), http.StatusNoContent)
	if st := vmRow(t, w.a, w.db).Status; st != vmstatus.Deleted {
		t.Errorf("a DELETE sent again left the VM %q, want it still in the bin", st)
	}
	r = w.a.APICall(t, http.MethodPatch, "/api/v1/vms/"+w.db, w.ana.token, `{"display_name":"x"}`)
	if testkit.MustStatus(t, "rename in the bin", r, http.StatusConflict); testkit.APIErrorOf(t, r).Error.Code != "in_recycle_bin" {
		t.Errorf("renaming a binned VM: %s", r.Body)
	}

	deleteOnly, _ := w.a.MintToken(t, w.ana.email, services.ScopeVMRead, services.ScopeVMWrite)
	testkit.MustStatus(t, "bob restores ana's VM", w.a.APICall(t, http.MethodPost, "/api/v1/vms/"+w.db+"/restore", w.bob.token, ""), http.StatusNotFound)
	r = w.a.APICall(t, http.MethodPost, "/api/v1/vms/"+w.db+"/restore", deleteOnly, "")
	if testkit.MustStatus(t, "restore without vm:delete", r, http.StatusForbidden); !strings.Contains(r.Body, "vm:delete") {
		t.Errorf("the refusal does not name the scope: %s", r.Body)
	}
	r = w.a.APICall(t, http.MethodPost, "/api/v1/vms/"+w.web+"/restore", w.ana.token, "")
	if testkit.MustStatus(t, "restore a VM not in the bin", r, http.StatusConflict); testkit.APIErrorOf(t, r).Error.Code != "not_in_recycle_bin" {
		t.Errorf("restoring a VM not in the bin: %s", r.Body)
	}

	testkit.MustStatus(t, "purge=maybe", w.a.APICall(t, http.MethodDelete, "/api/v1/vms/"+w.db+"?purge=maybe", w.ana.token, ""), http.StatusUnprocessableEntity)
	testkit.MustStatus(t, "purge", w.a.APICall(t, http.MethodDelete, "/api/v1/vms/"+w.db+"?purge=true", w.ana.token, ""), http.StatusNoContent)
	if st := vmRow(t, w.a, w.db).Status; st != vmstatus.Destroyed {
		t.Errorf("after purge=true the VM is %q, want destroyed", st)
	}
	if got := binnedUUIDs(t, w.a.APICall(t, http.MethodGet, "/api/v1/vms?status=deleted", w.ana.token, "")); len(got) != 0 {
		t.Errorf("the bin still lists %v after the purge", got)
	}
	testkit.MustStatus(t, "purge the VM not in the bin", w.a.APICall(t, http.MethodDelete, "/api/v1/vms/"+w.web+"?purge=true", w.ana.token, ""), http.StatusNoContent)
	if st := vmRow(t, w.a, w.web).Status; st != vmstatus.Destroyed {
		t.Errorf("purge=true of a VM not in the bin left it %q, want destroyed at once", st)
	}
}

// A VM restored through the API runs again on its node: the answer is the
// restore action, the wallet pays the hour it starts in, and a wallet that
// cannot pay it is a 422 naming the wallet that leaves the VM in the bin.
func TestARestoreThroughTheAPIStartsTheVMAndPaysItsHour(t *testing.T) {
	ctx := context.Background()
	a := testkit.NewTestDriverPanel(t)
	cust := newVMCustomer(t, a, "back@example.com", 100_000)
	who := services.Principal{UserID: cust.id, Email: cust.email}
	o, err := a.VMs.Create(ctx, who, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny", AuthMode: "password",
		CustomPassword: "StrongPass123!", DisplayName: "back", Region: "thr-t"})
	if err != nil {
		t.Fatal(err)
	}
	uuid := o.VM.UUID
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, uuid).Status == vmstatus.Running })
	testkit.MustStatus(t, "delete", a.APICall(t, http.MethodDelete, "/api/v1/vms/"+uuid, cust.token, ""), http.StatusNoContent)
	testkit.WaitFor(t, time.Minute, "the delete's power-off ends", func() bool { return !vmRow(t, a, uuid).Locked })

	// The hour it was deleted in is over, and the wallet is empty.
	if _, err := a.DB.W.ExecContext(ctx, `UPDATE vms SET paid_until = unixepoch() - 60 WHERE uuid = ?`, uuid); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.Credit(ctx, cust.id, -balanceOf(t, a, cust.email), "test", ""); err != nil {
		t.Fatal(err)
	}
	r := a.APICall(t, http.MethodPost, "/api/v1/vms/"+uuid+"/restore", cust.token, "")
	if testkit.MustStatus(t, "restore with an empty wallet", r, http.StatusUnprocessableEntity); testkit.APIErrorOf(t, r).Error.Fields["wallet"] == "" {
		t.Errorf("the refusal does not name the wallet: %s", r.Body)
	}
	if st := vmRow(t, a, uuid).Status; st != vmstatus.Deleted {
		t.Fatalf("a refused restore left the VM %q", st)
	}

	if _, err := a.DB.Credit(ctx, cust.id, 10_000, "test", ""); err != nil {
		t.Fatal(err)
	}
	hours := a.Count(t, `SELECT count(*) FROM ledger WHERE ref = ? AND kind = 'hourly'`, uuid)
	r = a.APICall(t, http.MethodPost, "/api/v1/vms/"+uuid+"/restore", cust.token, "")
	testkit.MustStatus(t, "restore", r, http.StatusOK)
	act := testkit.Decode[actionBody](t, r).Action
	if act.Type != "restore" || act.ResourceID != uuid || act.ResourceType != "vm" {
		t.Fatalf("the restore's answer: %+v", act)
	}
	testkit.WaitFor(t, time.Minute, "the restore action ends", func() bool {
		r := a.APICall(t, http.MethodGet, "/api/v1/actions/"+itoa(act.ID), cust.token, "")
		return testkit.Decode[actionBody](t, r).Action.Status != store.ActionInProgress
	})
	if got := testkit.Decode[actionBody](t, a.APICall(t, http.MethodGet, "/api/v1/actions/"+itoa(act.ID), cust.token, "")).Action; got.Status != store.ActionCompleted {
		t.Fatalf("the restore ended %+v", got)
	}
	b := testkit.Decode[binBody](t, a.APICall(t, http.MethodGet, "/api/v1/vms/"+uuid, cust.token, ""))
	if b.VM.Status != "running" || b.VM.DeletedAt != nil || b.VM.PurgeAt != nil {
		t.Errorf("after the restore the VM reads %+v", b.VM)
	}
	if n := a.Count(t, `SELECT count(*) FROM ledger WHERE ref = ? AND kind = 'hourly'`, uuid); n != hours+1 {
		t.Errorf("the restore charged %d hours, want the one it starts in", n-hours)
	}
}

// The dashboard: deleting from the VM page puts it under Recently deleted on
// the list, with the time it has left, the date it is destroyed, and its
// Restore with what an hour costs; its own page says it is in the recycle
// bin until when and offers Restore and the delete for good (which wants the
// name typed) and nothing else: no tabs, no power buttons, no rename.
func TestTheDashboardShowsADeletedVMInTheRecycleBin(t *testing.T) {
	w, c := vmBrowser(t)
	settle(t, w.a, w.db, vmstatus.Running)
	T := func(key string, args ...string) string { return fa(key, args...) }

	// The danger zone says what a delete does, for how long, and offers both.
	r := c.Get("/vms/" + w.db + "?tab=danger")
	for _, want := range []string{T("bin.delete_explain", "grace", "۲۴ ساعت"), T("bin.delete_submit"),
		T("bin.delete_confirm", "name", testkit.Isolated("db-1"), "grace", "۲۴ ساعت"), T("bin.purge_title"), T("vm.delete_warning")} {
		if !testkit.Contains(r.Body, want) {
			t.Errorf("the danger zone lacks %q", want)
		}
	}
	r = c.Post("/vms/"+w.db+"/delete", testkit.Form("tab", "danger"))
	if testkit.MustStatus(t, "delete", r, http.StatusSeeOther); r.Location() != "/vms" {
		t.Fatalf("after the delete: %q", r.Location())
	}
	r = c.Get("/vms")
	if !testkit.Contains(r.Body, T("vm.deleted")) {
		t.Error("the list does not say where the VM went")
	}
	section := r.Body[strings.Index(r.Body, `data-testid="recently-deleted"`):]
	purgeAt := vmRow(t, w.a, w.db).DeletedAt.Add(24 * time.Hour)
	for _, want := range []string{T("bin.recent_title"), "db-1", T("bin.left", "left", "۲۳ ساعت"), i18n.DateTime(i18n.FA, purgeAt),
		T("bin.restore"), T("bin.restore_hourly", "price", i18n.Money(i18n.FA, starterPriceRials))} {
		if !testkit.Contains(section, want) {
			t.Errorf("Recently deleted lacks %q", want)
		}
	}
	if !strings.Contains(section, `action="/vms/`+w.db+`/restore"`) {
		t.Error("Recently deleted has no Restore form for the VM")
	}
	if table := r.Body[strings.Index(r.Body, `id="vm-table"`):strings.Index(r.Body, `data-testid="recently-deleted"`)]; strings.Contains(table, w.db) {
		t.Error("the deleted VM is still in the list's table")
	}
	// The table alone (htmx's search and polls) carries no Recently deleted.
	if r := c.Do("GET", "/vms?q=db", nil, htmx()); strings.Contains(r.Body, "recently-deleted") {
		t.Error("the table htmx swaps carries the recycle bin")
	}

	r = c.Get("/vms/" + w.db)
	for _, want := range []string{T("vm.status.deleted"), T("bin.title"), i18n.DateTime(i18n.FA, purgeAt), T("bin.left", "left", "۲۳ ساعت"),
		T("bin.restore_price", "price", i18n.Money(i18n.FA, starterPriceRials)), T("bin.purge_title")} {
		if !testkit.Contains(r.Body, want) {
			t.Errorf("the deleted VM's page lacks %q", want)
		}
	}
	if !strings.Contains(r.Body, `action="/vms/`+w.db+`/restore"`) || !strings.Contains(r.Body, `name="purge" value="true"`) {
		t.Error("the deleted VM's page has no Restore form, or no delete for good")
	}
	for _, not := range []string{`data-testid="power"`, `data-testid="rename-form"`, `class="vm-tab`, `data-testid="delete-form"`, `data-testid="console-link"`} {
		if strings.Contains(r.Body, not) {
			t.Errorf("the deleted VM's page offers %s", not)
		}
	}
	// This panel has no node: the restore is refused on the page, and the VM stays in the bin.
	r = c.Post("/vms/"+w.db+"/restore", nil)
	if testkit.MustStatus(t, "restore without a node", r, http.StatusServiceUnavailable); !testkit.Contains(r.Body, T("vm.node_unavailable")) {
		t.Errorf("the refusal is not on the page:\n%s", testkit.Trim(r.Body))
	}
	r = c.Post("/vms/"+w.db+"/delete", testkit.Form("purge", "true", "confirm", "db"))
	if testkit.MustStatus(t, "delete for good with half the name", r, http.StatusUnprocessableEntity); testkit.FieldErrors(r.Body)["confirm"] != T("vm.delete_name_mismatch") ||
		!regexp.MustCompile(`<details[^>]* open[ >][^>]*data-testid="purge"`).MatchString(r.Body) {
		t.Errorf("the refused delete for good is not shown open beside its field: %v", testkit.FieldErrors(r.Body))
	}
	if st := vmRow(t, w.a, w.db).Status; st != vmstatus.Deleted {
		t.Fatalf("after the refusals the VM is %q", st)
	}
	r = c.Post("/vms/"+w.db+"/delete", testkit.Form("purge", "true", "confirm", "db-1"))
	if testkit.MustStatus(t, "delete for good", r, http.StatusSeeOther); vmRow(t, w.a, w.db).Status != vmstatus.Destroyed {
		t.Errorf("the delete for good left the VM %q", vmRow(t, w.a, w.db).Status)
	}
	if r = c.Get("/vms"); !testkit.Contains(r.Body, T("vm.purged")) || strings.Contains(r.Body, `data-testid="recently-deleted"`) {
		t.Error("after the delete for good the list still shows the bin, or does not say it")
	}
}
