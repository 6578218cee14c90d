package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/vmstatus"
)

// Seed 003's actions by type, against the test driver's node: each type
// answers 201 with the action (seed 003's shape: type, status, started_at,
// resource_type, resource_id, region) and does to the VM what its operation does.

// typedWorld is a running VM on the test driver's node, its owner, and three
// plans besides "tiny" for resizes to land on.
type typedWorld struct {
	a    *testkit.App
	cust vmCustomer
	uuid string
}

func newTypedWorld(t *testing.T) *typedWorld {
	t.Helper()
	ctx := context.Background()
	a := testkit.NewTestDriverPanel(t, testkit.WithAPIRateLimit(100_000, 100_000))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.DB.UpsertPlan(ctx, store.Plan{Slug: "small", NameFA: "کم", NameEN: "Small", VCPUs: 1, MemoryMB: 1024, DiskGB: 2, PriceHourlyRials: 2_000, Sort: 2, Active: true}))
	// wide has big's CPUs and memory on a smaller disk, for less.
	must(a.DB.UpsertPlan(ctx, store.Plan{Slug: "wide", NameFA: "پهن", NameEN: "Wide", VCPUs: 2, MemoryMB: 4096, DiskGB: 3, PriceHourlyRials: 5_000, Sort: 3, Active: true}))
	must(a.DB.UpsertPlan(ctx, store.Plan{Slug: "big", NameFA: "بزرگ", NameEN: "Big", VCPUs: 2, MemoryMB: 4096, DiskGB: 10, PriceHourlyRials: 8_000, Sort: 3, Active: true}))
	cust := newVMCustomer(t, a, "typed@example.com", 1_000_000)
	o, err := a.VMs.Create(ctx, services.Principal{UserID: cust.id, Email: cust.email}, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "typed", Region: "thr-t"})
	must(err)
	w := &typedWorld{a: a, cust: cust, uuid: o.VM.UUID}
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool { return vmRow(t, a, w.uuid).Status == vmstatus.Running && !vmRow(t, a, w.uuid).Locked })
	return w
}

// typedAction is the answer of a typed action.
type typedAction struct {
	Action struct {
		ID           int64   `json:"id"`
		Type         string  `json:"type"`
		Status       string  `json:"status"`
		StartedAt    string  `json:"started_at"`
		CompletedAt  *string `json:"completed_at"`
		ResourceType string  `json:"resource_type"`
		ResourceID   string  `json:"resource_id"`
		Region       string  `json:"region"`
		Error        *string `json:"error"`
	} `json:"action"`
	Password string `json:"password"`
}

// act posts a typed action and wants status; on a 201 it checks the seed's
// shape and waits for the action to end without an error.
func (w *typedWorld) act(t *testing.T, body string, status int, wantType string) typedAction {
	t.Helper()
	r := w.a.APICall(t, http.MethodPost, "/api/v1/vms/"+w.uuid+"/actions", w.cust.token, body)
	testkit.MustStatus(t, body, r, status)
	if status != http.StatusCreated {
		return typedAction{}
	}
	got := testkit.Decode[typedAction](t, r)
	a := got.Action
	if a.ID == 0 || a.Type != wantType || a.ResourceType != "vm" || a.ResourceID != w.uuid || a.Region != "thr-t" || a.StartedAt == "" ||
		(a.Status != store.ActionInProgress && a.Status != store.ActionCompleted) {
		t.Fatalf("%s: action %+v", body, a)
	}
	w.waitAction(t, a.ID)
	return got
}

// waitAction waits for an action to end and wants it completed.
func (w *typedWorld) waitAction(t *testing.T, id int64) {
	t.Helper()
	var last typedAction
	testkit.WaitFor(t, time.Minute, "action "+itoa(id)+" ends", func() bool {
		last = testkit.Decode[typedAction](t, w.a.APICall(t, http.MethodGet, "/api/v1/actions/"+itoa(id), w.cust.token, ""))
		return last.Action.Status != store.ActionInProgress
	})
	if last.Action.Status != store.ActionCompleted || last.Action.CompletedAt == nil {
		t.Fatalf("action %d ended %+v", id, last.Action)
	}
	testkit.WaitFor(t, time.Minute, "the VM is unlocked", func() bool { return !vmRow(t, w.a, w.uuid).Locked })
}

type snapshotsBody struct {
	Snapshots []struct {
		Name        string `json:"name"`
		DisplayName string `json:"display_name"`
	} `json:"snapshots"`
}

func TestAPITypedActions(t *testing.T) {
	w := newTypedWorld(t)
	path := "/api/v1/vms/" + w.uuid + "/actions"

	t.Run("an unknown type lists the valid ones", func(t *testing.T) {
		r := w.a.APICall(t, http.MethodPost, path, w.cust.token, `{"type":"explode"}`)
		testkit.MustStatus(t, "explode", r, http.StatusUnprocessableEntity)
		e := testkit.APIErrorOf(t, r)
		if e.Error.Fields["type"] == "" {
			t.Errorf("fields %v do not name type", e.Error.Fields)
		}
		for _, typ := range services.ActionTypes {
			if !strings.Contains(e.Error.Message, typ) {
				t.Errorf("the message %q does not list %s", e.Error.Message, typ)
			}
		}
	})
	for _, row := range []struct{ name, body, field string }{
		{"no type", `{}`, "type"},
		{"a field no type takes", `{"type":"reboot","force":true}`, "force"},
		{"rename without a name", `{"type":"rename"}`, "name"},
		{"snapshot name too long", `{"type":"snapshot","name":"` + strings.Repeat("ن", 65) + `"}`, "name"},
		{"resize without a resource", `{"type":"resize","size":2}`, "resource"},
		{"resize of an unknown resource", `{"type":"resize","resource":"gpu","size":2}`, "resource"},
		{"resize both ways", `{"type":"resize","resource":"ram","size":2,"data":{"cpu":2}}`, "data"},
		{"resize data with a field it does not take", `{"type":"resize","data":{"gpu":2}}`, "gpu"},
	} {
		t.Run(row.name, func(t *testing.T) {
			r := w.a.APICall(t, http.MethodPost, path, w.cust.token, row.body)
			testkit.MustStatus(t, row.body, r, http.StatusUnprocessableEntity)
			if e := testkit.APIErrorOf(t, r); e.Error.Fields[row.field] == "" {
				t.Errorf("fields %v do not name %s", e.Error.Fields, row.field)
			}
		})
	}
	t.Run("another customer's VM is 404", func(t *testing.T) {
		other := newVMCustomer(t, w.a, "other@example.com", 0)
		testkit.MustStatus(t, "other", w.a.APICall(t, http.MethodPost, path, other.token, `{"type":"reboot"}`), http.StatusNotFound)
	})
	t.Run("a read-only token is 403", func(t *testing.T) {
		ro, _ := w.a.MintToken(t, w.cust.email, services.ScopeVMRead)
		testkit.MustStatus(t, "read-only", w.a.APICall(t, http.MethodPost, path, ro, `{"type":"reboot"}`), http.StatusForbidden)
	})

	t.Run("rename", func(t *testing.T) {
		w.act(t, `{"type":"rename","name":"new-name"}`, http.StatusCreated, "rename")
		if n := vmRow(t, w.a, w.uuid).DisplayName; n != "new-name" {
			t.Errorf("display name %q", n)
		}
	})
	t.Run("reboot", func(t *testing.T) {
		w.act(t, `{"type":"reboot"}`, http.StatusCreated, "reboot")
		if st := vmRow(t, w.a, w.uuid).Status; st != vmstatus.Running {
			t.Errorf("status %q after a reboot", st)
		}
	})
	t.Run("power_cycle is the reset", func(t *testing.T) {
		w.act(t, `{"type":"power_cycle"}`, http.StatusCreated, "reset")
		if st := vmRow(t, w.a, w.uuid).Status; st != vmstatus.Running {
			t.Errorf("status %q after a reset", st)
		}
	})
	t.Run("snapshot with a display name", func(t *testing.T) {
		w.act(t, `{"type":"snapshot","name":"New Snapshot"}`, http.StatusCreated, "snapshot")
		w.act(t, `{"type":"snapshot","name":"before"}`, http.StatusCreated, "snapshot")
		w.act(t, `{"type":"snapshot","name":"پیش از ارتقا"}`, http.StatusCreated, "snapshot")
		w.act(t, `{"type":"snapshot","name":"New Snapshot"}`, http.StatusConflict, "")
		snaps := testkit.Decode[snapshotsBody](t, w.a.APICall(t, http.MethodGet, "/api/v1/vms/"+w.uuid+"/snapshots", w.cust.token, "")).Snapshots
		byDisplay := map[string]string{}
		for _, s := range snaps {
			byDisplay[s.DisplayName] = s.Name
		}
		if n := byDisplay["New Snapshot"]; !strings.HasPrefix(n, "new-snapshot-") {
			t.Errorf("New Snapshot is kept as %q; snapshots %+v", n, snaps)
		}
		if n := byDisplay["before"]; n != "before" {
			t.Errorf("a name by the old rule is kept as %q, want itself", n)
		}
		if n := byDisplay["پیش از ارتقا"]; !strings.HasPrefix(n, "snap-") {
			t.Errorf("a Persian name is kept as %q", n)
		}
		// A path takes the name it was given as well as the safe one.
		testkit.WaitFor(t, time.Minute, "the VM is unlocked", func() bool { return !vmRow(t, w.a, w.uuid).Locked })
		testkit.MustStatus(t, "delete by display name", w.a.APICall(t, http.MethodDelete, "/api/v1/vms/"+w.uuid+"/snapshots/"+url.PathEscape("پیش از ارتقا"), w.cust.token, ""), http.StatusNoContent)
		for _, n := range []string{byDisplay["New Snapshot"], "before"} {
			testkit.WaitFor(t, time.Minute, "the VM is unlocked", func() bool { return !vmRow(t, w.a, w.uuid).Locked })
			testkit.MustStatus(t, "delete "+n, w.a.APICall(t, http.MethodDelete, "/api/v1/vms/"+w.uuid+"/snapshots/"+n, w.cust.token, ""), http.StatusNoContent)
		}
		testkit.WaitFor(t, time.Minute, "the snapshots are gone", func() bool {
			b := testkit.Decode[snapshotsBody](t, w.a.APICall(t, http.MethodGet, "/api/v1/vms/"+w.uuid+"/snapshots", w.cust.token, ""))
			return len(b.Snapshots) == 0 && !vmRow(t, w.a, w.uuid).Locked
		})
	})
	t.Run("password_reset shows a new password once and keeps only its crypt", func(t *testing.T) {
		got := w.act(t, `{"type":"password_reset"}`, http.StatusCreated, "password_reset")
		pw := got.Password
		if len(pw) < 16 || got.Action.Status != store.ActionCompleted {
			t.Fatalf("password %q, action %+v", pw, got.Action)
		}
		if again := w.act(t, `{"type":"password_reset"}`, http.StatusCreated, "password_reset").Password; again == pw {
			t.Error("two resets gave the same password")
		}
		var crypt string
		if err := w.a.DB.W.QueryRow(`SELECT root_password_crypt FROM vms WHERE uuid = ?`, w.uuid).Scan(&crypt); err != nil {
			t.Fatal(err)
		}
		if crypt == "" || strings.Contains(crypt, pw) {
			t.Errorf("the record keeps %q", crypt)
		}
		if n := w.a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'vm.password_reset' AND severity = 'security' AND target_id = ?`, w.uuid); n != 2 {
			t.Errorf("%d security audit events for the two resets", n)
		}
		if n := w.a.Count(t, `SELECT count(*) FROM audit_events WHERE detail LIKE '%' || ? || '%'`, pw); n != 0 {
			t.Error("the password is in the audit")
		}
		// The action read back later holds no password.
		if r := w.a.APICall(t, http.MethodGet, "/api/v1/actions/"+itoa(got.Action.ID), w.cust.token, ""); strings.Contains(r.Body, pw) {
			t.Error("the action read back shows the password")
		}
	})
	t.Run("resize of a running VM is refused", func(t *testing.T) {
		r := w.a.APICall(t, http.MethodPost, path, w.cust.token, `{"type":"resize","resource":"ram","size":1}`)
		testkit.MustStatus(t, "resize running", r, http.StatusConflict)
	})
	t.Run("shutdown", func(t *testing.T) {
		w.act(t, `{"type":"shutdown"}`, http.StatusCreated, "shutdown")
		if st := vmRow(t, w.a, w.uuid).Status; st != vmstatus.Stopped {
			t.Errorf("status %q after a shutdown", st)
		}
		// Asked again, it is done at once.
		if a := w.act(t, `{"type":"shutdown"}`, http.StatusCreated, "shutdown").Action; a.Status != store.ActionCompleted {
			t.Errorf("a second shutdown: %+v", a)
		}
	})
	t.Run("resize by resource and size picks the smallest plan that holds it", func(t *testing.T) {
		w.act(t, `{"type":"resize","resource":"ram","size":1}`, http.StatusCreated, "resize")
		if p := vmRow(t, w.a, w.uuid).PlanSlug; p != "small" {
			t.Errorf("plan %q after a resize to 1 GB of RAM, want small", p)
		}
	})
	t.Run("resize by data", func(t *testing.T) {
		w.act(t, `{"type":"resize","data":{"cpu":2,"ram":3,"disk":5}}`, http.StatusCreated, "resize")
		if p := vmRow(t, w.a, w.uuid).PlanSlug; p != "big" {
			t.Errorf("plan %q after a resize to 2 vCPU, 3 GB, 5 GB, want big", p)
		}
	})
	t.Run("resize asking for a smaller disk keeps the VM's disk", func(t *testing.T) {
		// On big's 10 GB, asked for 2 vCPUs and a 1 GB disk: big again, not the cheaper wide whose 3 GB it cannot fit in.
		a := w.act(t, `{"type":"resize","data":{"cpu":2,"disk":1}}`, http.StatusCreated, "resize").Action
		if p := vmRow(t, w.a, w.uuid).PlanSlug; p != "big" || a.Status != store.ActionCompleted {
			t.Errorf("plan %q, action %+v", p, a)
		}
	})
	t.Run("resize no plan holds names the nearest", func(t *testing.T) {
		r := w.a.APICall(t, http.MethodPost, path, w.cust.token, `{"type":"resize","data":{"cpu":64}}`)
		testkit.MustStatus(t, "resize 64", r, http.StatusUnprocessableEntity)
		e := testkit.APIErrorOf(t, r)
		if e.Error.Fields["size"] == "" || !strings.Contains(e.Error.Message, "big") {
			t.Errorf("the refusal: %+v", e.Error)
		}
		if p := vmRow(t, w.a, w.uuid).PlanSlug; p != "big" {
			t.Errorf("plan %q after a refused resize", p)
		}
	})
	t.Run("power_on", func(t *testing.T) {
		w.act(t, `{"type":"power_on"}`, http.StatusCreated, "start")
		if st := vmRow(t, w.a, w.uuid).Status; st != vmstatus.Running {
			t.Errorf("status %q after power_on", st)
		}
	})
	t.Run("power_off", func(t *testing.T) {
		w.act(t, `{"type":"power_off"}`, http.StatusCreated, "kill")
		if st := vmRow(t, w.a, w.uuid).Status; st != vmstatus.Stopped {
			t.Errorf("status %q after power_off", st)
		}
	})
	t.Run("the VM's actions list them, newest first", func(t *testing.T) {
		var b struct {
			Actions []struct{ Type, Region string } `json:"actions"`
		}
		r := w.a.APICall(t, http.MethodGet, "/api/v1/vms/"+w.uuid+"/actions?limit=3", w.cust.token, "")
		if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
			t.Fatal(err)
		}
		if len(b.Actions) != 3 || b.Actions[0].Type != "kill" || b.Actions[1].Type != "start" || b.Actions[0].Region != "thr-t" {
			t.Errorf("actions %+v", b.Actions)
		}
	})
}
