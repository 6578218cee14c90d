package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// Resize, snapshots and rebuild through both doors, without a hypervisor:
// what is refused is refused before any node is asked, and what needs the
// node answers 503.

// manageWorld is the VM world with ana's "Web Server" running, "db-1"
// stopped, bob's VM still being built, and a plan with a smaller disk.
func manageWorld(t *testing.T) *vmWorld {
	t.Helper()
	w := newVMWorld(t)
	settle(t, w.a, w.web, "running")
	settle(t, w.a, w.db, "stopped")
	err := w.a.DB.UpsertPlan(context.Background(), store.Plan{Slug: "nano", NameFA: "نانو", NameEN: "Nano", VCPUs: 1, MemoryMB: 512, DiskGB: 10, PriceHourlyRials: 20_000, Sort: 0, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestAPIVMManage(t *testing.T) {
	w := manageWorld(t)
	reader, _ := w.a.MintToken(t, w.ana.email, services.ScopeVMRead)
	readOnly := func(*vmWorld) string { return reader }
	key := func(want string) func(t *testing.T, w *vmWorld, r testkit.Response) {
		return func(t *testing.T, w *vmWorld, r testkit.Response) {
			if msg := testkit.APIErrorOf(t, r).Error.Message; msg != i18n.T(i18n.FA, want) {
				t.Errorf("message %q, want %s", msg, want)
			}
		}
	}
	runAPIRows(t, w, []apiRow{
		{name: "resize a running VM", method: "POST", path: "/api/v1/vms/{web}/resize", token: anaToken, body: `{"plan_slug":"pro"}`, status: 409, check: key("vm.must_be_stopped")},
		{name: "resize to a smaller disk", method: "POST", path: "/api/v1/vms/{db}/resize", token: anaToken, body: `{"plan_slug":"nano"}`, status: 422, fields: []string{"plan_slug"}},
		{name: "resize to no plan", method: "POST", path: "/api/v1/vms/{db}/resize", token: anaToken, body: `{}`, status: 422, fields: []string{"plan_slug"}},
		{name: "resize to an unknown plan", method: "POST", path: "/api/v1/vms/{db}/resize", token: anaToken, body: `{"plan_slug":"mega"}`, status: 422, fields: []string{"plan_slug"}},
		{name: "resize with a field it does not take", method: "POST", path: "/api/v1/vms/{db}/resize", token: anaToken, body: `{"plan":"pro"}`, status: 422, fields: []string{"plan"}},
		{name: "resize to the plan it has", method: "POST", path: "/api/v1/vms/{db}/resize", token: anaToken, body: `{"plan_slug":"starter"}`, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if a := testkit.Decode[actionBody](t, r).Action; a.Type != "resize" || a.Status != "completed" || a.ResourceID != w.db {
					t.Errorf("action %+v", a)
				}
			}},
		{name: "resize without a node", method: "POST", path: "/api/v1/vms/{db}/resize", token: anaToken, body: `{"plan_slug":"pro"}`, status: 503,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if vm := vmRow(t, w.a, w.db); vm.PlanSlug != "starter" || vm.Locked {
					t.Errorf("a resize that did not happen left plan %q, locked %v", vm.PlanSlug, vm.Locked)
				}
			}},
		{name: "resize another customer's VM", method: "POST", path: "/api/v1/vms/{db}/resize", token: bobToken, body: `{"plan_slug":"pro"}`, status: 404},
		{name: "resize with a read-only token", method: "POST", path: "/api/v1/vms/{db}/resize", token: readOnly, body: `{"plan_slug":"pro"}`, status: 403},

		{name: "snapshots of a VM not placed", method: "GET", path: "/api/v1/vms/{db}/snapshots", token: anaToken, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if r.Body != `{"snapshots":[]}`+"\n" {
					t.Errorf("body %q", r.Body)
				}
			}},
		{name: "snapshots with a read-only token", method: "GET", path: "/api/v1/vms/{db}/snapshots", token: readOnly, status: 200},
		{name: "snapshots of another customer's VM", method: "GET", path: "/api/v1/vms/{db}/snapshots", token: bobToken, status: 404},
		{name: "snapshot with a bad name", method: "POST", path: "/api/v1/vms/{db}/snapshots", token: anaToken, body: `{"name":"gpj\u202eexe"}`, status: 422, fields: []string{"name"}},
		{name: "snapshot with a name too long", method: "POST", path: "/api/v1/vms/{db}/snapshots", token: anaToken, body: `{"name":"` + strings.Repeat("a", 65) + `"}`, status: 422, fields: []string{"name"}},
		{name: "snapshot without a node", method: "POST", path: "/api/v1/vms/{db}/snapshots", token: anaToken, status: 503},
		{name: "snapshot of a VM being built", method: "POST", path: "/api/v1/vms/{bob}/snapshots", token: bobToken, status: 409},
		{name: "snapshot of another customer's VM", method: "POST", path: "/api/v1/vms/{db}/snapshots", token: bobToken, body: `{"name":"mine"}`, status: 404},
		{name: "snapshot with a read-only token", method: "POST", path: "/api/v1/vms/{db}/snapshots", token: readOnly, status: 403},
		{name: "revert another customer's snapshot", method: "POST", path: "/api/v1/vms/{db}/snapshots/before/revert", token: bobToken, status: 404},
		{name: "revert with a read-only token", method: "POST", path: "/api/v1/vms/{db}/snapshots/before/revert", token: readOnly, status: 403},
		{name: "delete another customer's snapshot", method: "DELETE", path: "/api/v1/vms/{db}/snapshots/before", token: bobToken, status: 404},
		{name: "delete a snapshot with a read-only token", method: "DELETE", path: "/api/v1/vms/{db}/snapshots/before", token: readOnly, status: 403},

		{name: "rebuild from an unknown template", method: "POST", path: "/api/v1/vms/{db}/rebuild", token: anaToken, body: `{"os_template_slug":"windows"}`, status: 422, fields: []string{"os_template_slug"}},
		{name: "rebuild a VM being built", method: "POST", path: "/api/v1/vms/{bob}/rebuild", token: bobToken, status: 409},
		{name: "rebuild without a node", method: "POST", path: "/api/v1/vms/{db}/rebuild", token: anaToken, status: 503},
		{name: "rebuild another customer's VM", method: "POST", path: "/api/v1/vms/{db}/rebuild", token: bobToken, status: 404},
		{name: "rebuild with a read-only token", method: "POST", path: "/api/v1/vms/{db}/rebuild", token: readOnly, status: 403},
	})
}

func TestVMPageManage(t *testing.T) {
	w := manageWorld(t)
	c := w.a.Client(t)
	c.SignIn(w.ana.email, testkit.Password)

	r := c.Get("/vms/" + w.web + "?lang=en")
	testkit.MustStatus(t, "page of a running VM", r, 200)
	for _, want := range []string{`data-testid="resize-form"`, `data-testid="snapshot-form"`, `data-testid="rebuild-form"`, `data-testid="resize-stop-first"`,
		`data-confirm-text="Web Server"`, "Shut the VM down first to resize it.", "No snapshots yet."} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the page of a running VM lacks %s", want)
		}
	}
	r = c.Get("/vms/" + w.db + "?lang=fa")
	if strings.Contains(r.Body, `data-testid="resize-stop-first"`) || !testkit.Contains(r.Body, i18n.T(i18n.FA, "vm.resize")) {
		t.Error("the page of a stopped VM does not offer resizing")
	}
	if !regexp.MustCompile(`<input type="radio" name="plan_slug" value="nano"[^>]* disabled[ >]`).MatchString(r.Body) {
		t.Error("a plan with a smaller disk can be chosen")
	}

	// Refusals come back beside the field, in Persian.
	r = c.Post("/vms/"+w.db+"/resize", testkit.Form("plan_slug", "nano"))
	testkit.MustStatus(t, "resize to a smaller disk", r, 422)
	if got := testkit.FieldErrors(r.Body)["plan_slug"]; got != i18n.T(i18n.FA, "vm.resize_disk_shrinks") {
		t.Errorf("plan_slug error %q", got)
	}
	r = c.Post("/vms/"+w.db+"/snapshots", testkit.Form("name", "gpj\u202eexe"))
	testkit.MustStatus(t, "snapshot with a bad name", r, 422)
	if got := testkit.FieldErrors(r.Body)["name"]; got != i18n.T(i18n.FA, "vm.snapshot_name_invalid") {
		t.Errorf("name error %q", got)
	}
	r = c.Post("/vms/"+w.db+"/rebuild", testkit.Form("os_template_slug", "debian-12", "confirm", "db"))
	testkit.MustStatus(t, "rebuild without the name typed", r, 422)
	if got := testkit.FieldErrors(r.Body)["confirm"]; got != i18n.T(i18n.FA, "vm.delete_name_mismatch") {
		t.Errorf("confirm error %q", got)
	}
	r = c.Post("/vms/"+w.web+"/resize", testkit.Form("plan_slug", "pro"))
	testkit.MustStatus(t, "resize a running VM", r, 409)
	if !testkit.Contains(r.Body, i18n.T(i18n.FA, "vm.must_be_stopped")) {
		t.Error("the refusal is not shown on the page")
	}

	// Accepted: back to the page's section with a message.
	r = c.Post("/vms/"+w.db+"/resize", testkit.Form("plan_slug", "starter"))
	testkit.MustStatus(t, "resize to the plan it has", r, 303)
	if r.Location() != "/vms/"+w.db+"#resize" {
		t.Errorf("redirected to %q", r.Location())
	}
	if vm := vmRow(t, w.a, w.db); vm.DisplayName != "db-1" || vm.Status != "stopped" || vm.Locked {
		t.Errorf("vm after the dashboard's refusals: %+v", vm)
	}
}
