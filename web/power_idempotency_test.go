package web_test

import (
	"context"
	"testing"

	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// Seed 000's power actions: asking a VM for the state it is in is 200 with a
// completed action (idempotent); an action the status cannot satisfy is a
// 409 that names the status; an action that does not exist is 404 whatever the VM's lock or
// suspension.
func TestPowerIdempotencyAndUnknownActions(t *testing.T) {
	w := newVMWorld(t)
	ctx := context.Background()
	settle(t, w.a, w.web, "running")
	settle(t, w.a, w.db, "stopped")
	completedAt := func(typ string) func(t *testing.T, w *vmWorld, r testkit.Response) {
		return func(t *testing.T, w *vmWorld, r testkit.Response) {
			a := testkit.Decode[actionBody](t, r).Action
			if a.Type != typ || a.Status != store.ActionCompleted || a.CompletedAt == nil || a.Error != nil {
				t.Errorf("action %+v, want %s completed", a, typ)
			}
		}
	}
	saysStopped := func(t *testing.T, w *vmWorld, r testkit.Response) {
		if msg := testkit.APIErrorOf(t, r).Error.Message; msg != i18n.T(i18n.FA, "vm.power_refused_stopped") {
			t.Errorf("message %q, want the stopped status named", msg)
		}
	}
	runAPIRows(t, w, []apiRow{
		{name: "a running VM asked to start", method: "POST", path: "/api/v1/vms/{web}/power/start", token: anaToken, status: 200, check: completedAt("start")},
		{name: "and again", method: "POST", path: "/api/v1/vms/{web}/power/start", token: anaToken, status: 200, check: completedAt("start")},
		{name: "a stopped VM asked to shut down", method: "POST", path: "/api/v1/vms/{db}/power/shutdown", token: anaToken, status: 200, check: completedAt("shutdown")},
		{name: "a stopped VM asked to power off", method: "POST", path: "/api/v1/vms/{db}/power/kill", token: anaToken, status: 200, check: completedAt("kill")},
		{name: "a stopped VM asked to reboot says it is stopped", method: "POST", path: "/api/v1/vms/{db}/power/reboot", token: anaToken, status: 409,
			check: saysStopped},
		{name: "a stopped VM asked to reset says it is stopped", method: "POST", path: "/api/v1/vms/{db}/power/reset", token: anaToken, status: 409,
			check: saysStopped},
		{name: "an unknown action", method: "POST", path: "/api/v1/vms/{db}/power/explode", token: anaToken, status: 404},
		{name: "an unknown action on a VM still being built", method: "POST", path: "/api/v1/vms/{bob}/power/explode", token: bobToken, status: 404},
	})
	// Locked, then suspended for want of funds: the unknown action is still 404, a known one is refused.
	if _, err := w.a.DB.W.ExecContext(ctx, `UPDATE vms SET locked = 1 WHERE uuid = ?`, w.db); err != nil {
		t.Fatal(err)
	}
	runAPIRows(t, w, []apiRow{
		{name: "an unknown action on a locked VM", method: "POST", path: "/api/v1/vms/{db}/power/explode", token: anaToken, status: 404},
		{name: "a known one on a locked VM", method: "POST", path: "/api/v1/vms/{db}/power/start", token: anaToken, status: 409},
	})
	if _, err := w.a.DB.W.ExecContext(ctx, `UPDATE vms SET locked = 0, suspended_at = unixepoch() WHERE uuid = ?`, w.db); err != nil {
		t.Fatal(err)
	}
	runAPIRows(t, w, []apiRow{
		{name: "an unknown action on a suspended VM", method: "POST", path: "/api/v1/vms/{db}/power/explode", token: anaToken, status: 404},
		{name: "a known one on a suspended VM", method: "POST", path: "/api/v1/vms/{db}/power/start", token: anaToken, status: 409,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if c := testkit.APIErrorOf(t, r).Error.Code; c != "suspended_unpaid" {
					t.Errorf("code %q", c)
				}
			}},
	})
}
