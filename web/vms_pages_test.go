package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The dashboard's VM pages, through a signed-in browser (no hypervisor: orders
// wait for one, as on a panel whose nodes are all down).

// vmBrowser is ana signed in with two VMs ordered through the API.
func vmBrowser(t *testing.T) (*vmWorld, *testkit.Client) {
	t.Helper()
	w := newVMWorld(t)
	c := w.a.Client(t)
	c.SignIn(w.ana.email, testkit.Password)
	return w, c
}

func htmx(pairs ...string) http.Header {
	return testkit.Header(append([]string{"HX-Request", "true"}, pairs...)...)
}

func TestVMListPage(t *testing.T) {
	w, c := vmBrowser(t)
	r := c.Get("/vms")
	testkit.MustStatus(t, "list", r, 200)
	for _, want := range []string{"Web Server", "db-1", i18n.T(i18n.FA, "vm.status.creating"), `href="/vms/new"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "Bob&#39;s") || strings.Contains(r.Body, w.bobs) {
		t.Error("ana's list shows bob's VM")
	}
	if !strings.Contains(r.Body, `data-polling="true"`) || !strings.Contains(r.Body, `hx-trigger="every 2s"`) {
		t.Error("a list with VMs being built does not refresh itself")
	}
	if !strings.Contains(r.Body, `hx-push-url="true"`) {
		t.Error("the filters do not keep the URL in step")
	}

	// htmx asks for the table alone.
	part := c.Do("GET", "/vms?q=web", nil, htmx())
	testkit.MustStatus(t, "table partial", part, 200)
	if strings.Contains(part.Body, "<html") || !strings.Contains(part.Body, `id="vm-table"`) || !strings.Contains(part.Body, "Web Server") || strings.Contains(part.Body, "db-1") {
		t.Errorf("partial for q=web:\n%s", testkit.Trim(part.Body))
	}
	if !strings.Contains(part.Body, `hx-get="/vms?q=web"`) {
		t.Error("the polling table forgets its filter")
	}
	// A boosted request is a navigation: the whole page.
	if full := c.Do("GET", "/vms", nil, htmx("HX-Boosted", "true")); !strings.Contains(full.Body, "<html") {
		t.Error("a boosted request got a fragment")
	}

	if r := c.Get("/vms?q=nothing-like-this"); !testkit.Contains(r.Body, i18n.T(i18n.FA, "vm.none_match")) {
		t.Error("no 'nothing matches' message")
	}
	if r := c.Get("/vms?status=bogus"); r.Status != 422 {
		t.Errorf("status=bogus: %d, want 422", r.Status)
	}

	// Nothing in progress: the table stops polling.
	settle(t, w.a, w.web, "running")
	settle(t, w.a, w.db, "stopped")
	r = c.Get("/vms?lang=en")
	if strings.Contains(r.Body, `data-polling`) {
		t.Error("the table keeps polling with nothing in progress")
	}
	for _, want := range []string{"Running", "Stopped", "1 vCPU · 1 GB RAM · 20 GB disk"} {
		if !testkit.Contains(r.Body, want) {
			t.Errorf("the English list lacks %q", want)
		}
	}
}

func TestVMListPagination(t *testing.T) {
	_, c := vmBrowser(t)
	r := c.Get("/vms?limit=1")
	if !strings.Contains(r.Body, `rel="next"`) || !strings.Contains(r.Body, "limit=1&amp;offset=1") {
		t.Errorf("no next page link:\n%s", testkit.Trim(r.Body))
	}
}

func TestVMCreatePage(t *testing.T) {
	w, c := vmBrowser(t)
	r := c.Get("/vms/new")
	testkit.MustStatus(t, "create form", r, 200)
	fa := i18n.FA
	for _, want := range []string{
		"آغازین", "حرفه‌ای", "Debian 12", "تهران ۱",
		i18n.T(fa, "vm.price_hourly", "price", i18n.Money(fa, starterPriceRials)),
		i18n.T(fa, "vm.price_monthly", "price", i18n.Money(fa, starterPriceRials*730)),
		i18n.T(fa, "vm.plan_memory", "size", i18n.MemoryMB(fa, 8192)),
		i18n.Money(fa, startBalanceRials-2*starterPriceRials),
	} {
		if !testkit.Contains(r.Body, want) {
			t.Errorf("the create page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, `data-testid="balance-too-low"`) {
		t.Error("a balance that pays for a plan is called too low")
	}
	if !strings.Contains(r.Body, `data-generate-password="f-custom_password"`) || !strings.Contains(r.Body, `data-strength="custom-password-strength"`) {
		t.Error("no password generator or strength hint")
	}

	// Refused: each message beside its field, values kept, password not.
	bad := testkit.Form("region", "thr-1", "plan_slug", "starter", "os_template_slug", "debian-12", "auth_mode", "password",
		"custom_password", "short", "hostname", "bad_host!", "display_name", "My box")
	r = c.Post("/vms", bad)
	testkit.MustStatus(t, "bad order", r, 422)
	errs := testkit.FieldErrors(r.Body)
	if errs["custom_password"] == "" || errs["hostname"] != i18n.T(fa, "vm.hostname_invalid") {
		t.Errorf("field errors %v", errs)
	}
	if !strings.Contains(r.Body, `value="bad_host!"`) || !strings.Contains(r.Body, `value="My box"`) || strings.Contains(r.Body, `value="short"`) {
		t.Error("the refused form does not keep the values, or echoes the password")
	}

	// Accepted (and waiting for a hypervisor): to the VM page.
	good := testkit.Form("region", "thr-1", "plan_slug", "starter", "os_template_slug", "debian-12", "auth_mode", "password",
		"custom_password", "StrongPass123!", "hostname", "app-1", "display_name", "My app", "idempotency_key", "form-abc")
	r = c.Post("/vms", good)
	testkit.MustStatus(t, "order", r, 303)
	uuid := strings.TrimPrefix(r.Location(), "/vms/")
	if vm := vmRow(t, w.a, uuid); vm.DisplayName != "My app" || vm.UserID != w.ana.id {
		t.Fatalf("ordered %+v", vm)
	}
	page := c.Get(r.Location())
	if !testkit.Contains(page.Body, i18n.T(fa, "vm.ordered_waiting")) || !testkit.Contains(page.Body, i18n.T(fa, "vm.waiting_hypervisor", "attempt", "1")) {
		t.Error("the VM page does not say the order waits")
	}
	// A double-submitted form orders once.
	testkit.MustStatus(t, "double submit", c.Post("/vms", good), 303)
	if n := w.a.Count(t, `SELECT count(*) FROM vms WHERE user_id = ? AND display_name = 'My app'`, w.ana.id); n != 1 {
		t.Errorf("%d VMs from one form", n)
	}

	// A customer who cannot pay for the first hour is told before ordering.
	newVMCustomer(t, w.a, "poor@example.com", 100)
	poor := w.a.Client(t)
	poor.Header.Set("Accept-Language", "en")
	poor.SignIn("poor@example.com", testkit.Password)
	r = poor.Get("/vms/new")
	if !strings.Contains(r.Body, `data-testid="balance-too-low"`) {
		t.Error("no note for a balance below the cheapest plan")
	}
	r = poor.Post("/vms", good)
	testkit.MustStatus(t, "poor order", r, 422)
	if testkit.FormMessage(r.Body) != i18n.T(i18n.EN, "vm.insufficient_balance") {
		t.Errorf("message %q", testkit.FormMessage(r.Body))
	}
}

var jalaliYear = regexp.MustCompile(`۱۴[۰-۹]{2}`)

func TestVMPage(t *testing.T) {
	w, c := vmBrowser(t)
	r := c.Get("/vms/" + w.web)
	testkit.MustStatus(t, "vm page", r, 200)
	ip := vmRow(t, w.a, w.web).PublicIP
	for _, want := range []string{"Web Server", `dir="ltr" id="vm-ip" data-testid="vm-ip">` + ip, "Debian 12", "تهران ۱", `data-polling="true"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the VM page lacks %q", want)
		}
	}
	if !jalaliYear.MatchString(r.Body) {
		t.Error("no Jalali date on the Persian page")
	}
	if strings.Contains(r.Body, `data-testid="console-link"`) {
		t.Error("a console link for a VM that is not running")
	}
	// The provisioner has failed to find a hypervisor once.
	ctx := context.Background()
	o, err := w.a.DB.OrderForVM(ctx, vmRow(t, w.a, w.web).ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.a.DB.RetryOrder(ctx, o.ID, time.Now().Add(time.Minute), "no node available", false); err != nil {
		t.Fatal(err)
	}
	live := c.Do("GET", "/vms/"+w.web, nil, htmx())
	if strings.Contains(live.Body, "<html") || !strings.Contains(live.Body, `id="vm-live"`) {
		t.Errorf("htmx gets the whole page:\n%s", testkit.Trim(live.Body))
	}
	if !strings.Contains(live.Body, `data-testid="order-state"`) || !testkit.Contains(live.Body, i18n.T(i18n.FA, "vm.waiting_hypervisor", "attempt", i18n.Number(i18n.FA, int64(vmRow(t, w.a, w.web).Attempts)))) {
		t.Errorf("no retry state:\n%s", testkit.Trim(live.Body))
	}

	settle(t, w.a, w.web, "running")
	r = c.Get("/vms/" + w.web + "?lang=en")
	if strings.Contains(r.Body, `data-polling`) {
		t.Error("the page polls with nothing in progress")
	}
	for _, want := range []string{`data-testid="console-link"`, `data-action="shutdown"`, `data-action="reboot"`, `data-action="kill"`, "data-confirm=\"Shut down \u2068Web Server\u2069? Once off, it is still charged", `data-confirm-text="Web Server"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the running VM's page lacks %s", want)
		}
	}
	if strings.Contains(r.Body, `data-action="start"`) {
		t.Error("a start button for a running VM")
	}
	// A node that does not answer gives no snapshot list: the list says so and
	// asks again by itself, without redrawing the forms.
	node, err := w.a.DB.UpsertNode(ctx, store.Node{Name: "silent", Region: "thr-1", URI: "test+unix:///default?socket=/nonexistent", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.a.DB.W.Exec(`UPDATE vms SET node_id = ? WHERE uuid = ?`, node.ID, w.web); err != nil {
		t.Fatal(err)
	}
	r = c.Get("/vms/" + w.web + "?lang=en")
	list := regexp.MustCompile(`(?s)<div id="snapshot-list"[^>]*>`).FindString(r.Body)
	if !strings.Contains(list, `hx-trigger="every 3s"`) || !strings.Contains(list, `hx-select="#snapshot-list"`) ||
		!testkit.Contains(r.Body, i18n.T(i18n.EN, "vm.snapshots_unknown")) {
		t.Errorf("the snapshot list the node did not give does not ask again: %q", list)
	}
	if m := regexp.MustCompile(`<div id="vm-refresh"[^>]*>`).FindString(r.Body); strings.Contains(m, "hx-trigger") {
		t.Errorf("the whole manage part polls with nothing in progress: %q", m)
	}
	if !testkit.Contains(r.Body, "Ordered a VM") {
		t.Error("the activity lacks the order")
	}
}

func TestVMPageForms(t *testing.T) {
	w, c := vmBrowser(t)
	settle(t, w.a, w.db, "stopped")
	base := "/vms/" + w.db
	c.Get(base)

	// Inline rename through htmx answers with the title alone.
	tok := c.Token()
	r := c.Do("POST", base+"/rename", testkit.Form("display_name", "Database", "_csrf", tok), htmx())
	testkit.MustStatus(t, "rename", r, 200)
	if strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, `id="vm-title"`) || !strings.Contains(r.Body, "Database") {
		t.Errorf("rename answer:\n%s", testkit.Trim(r.Body))
	}
	r = c.Do("POST", base+"/rename", testkit.Form("display_name", " ", "_csrf", tok), htmx())
	testkit.MustStatus(t, "empty rename", r, 422)
	if testkit.FieldErrors(r.Body)["display_name"] == "" || strings.Contains(r.Body, "<html") {
		t.Errorf("empty rename:\n%s", testkit.Trim(r.Body))
	}
	// Names that would disguise themselves are refused beside the field, and nothing changes.
	for _, bad := range []string{"invoice\u202egpj.exe", "\u200b\u200b", "bad\xff\xfe", "bell\x07"} {
		r = c.Do("POST", base+"/rename", testkit.Form("display_name", bad, "_csrf", tok), htmx())
		testkit.MustStatus(t, "rename to "+strconv.Quote(bad), r, 422)
		if !testkit.Contains(r.Body, fa("form.name_invalid")) {
			t.Errorf("rename to %q: no message beside the field:\n%s", bad, testkit.Trim(r.Body))
		}
	}
	if got := vmRow(t, w.a, w.db).DisplayName; got != "Database" {
		t.Errorf("a refused rename changed the name to %q", got)
	}
	// Without htmx, a rename redirects back.
	testkit.MustStatus(t, "plain rename", c.Post(base+"/rename", testkit.Form("display_name", "Database")), 303)

	r = c.Post(base+"/hostname", testkit.Form("hostname", "no_good"))
	testkit.MustStatus(t, "bad hostname", r, 422)
	if testkit.FieldErrors(r.Body)["hostname"] == "" || !strings.Contains(r.Body, `value="no_good"`) {
		t.Error("bad hostname: no message beside the field or the value lost")
	}
	testkit.MustStatus(t, "hostname", c.Post(base+"/hostname", testkit.Form("hostname", "db-primary")), 303)
	if vmRow(t, w.a, w.db).Hostname != "db-primary" {
		t.Error("hostname not saved")
	}

	r = c.Post(base+"/password", testkit.Form("password", "short"))
	testkit.MustStatus(t, "weak password", r, 422)
	if testkit.FieldErrors(r.Body)["password"] == "" || strings.Contains(r.Body, `value="short"`) {
		t.Error("weak password: no message, or the password echoed")
	}
	r = c.Post(base+"/password", testkit.Form("password", "NewStrongPass123!"))
	testkit.MustStatus(t, "password on a stopped VM", r, 409)
	if !testkit.Contains(r.Body, i18n.T(i18n.FA, "vm.not_running")) || strings.Contains(r.Body, "NewStrongPass123!") {
		t.Error("the refusal is not shown on the page, or the password is echoed")
	}

	testkit.MustStatus(t, "unknown power action", c.Post(base+"/power/explode", nil), 404)
	r = c.Post(base+"/power/shutdown", nil)
	testkit.MustStatus(t, "shutdown", r, 303)
	// Back to the VM's page, which follows the shutdown to its end.
	if loc := r.Location(); !strings.HasPrefix(loc, base+"?power=") {
		t.Errorf("shutdown goes to %q", loc)
	}

	r = c.Post(base+"/delete", testkit.Form("confirm", "db-1", "purge", "true"))
	testkit.MustStatus(t, "delete for good with the old name", r, 422)
	if testkit.FieldErrors(r.Body)["confirm"] != i18n.T(i18n.FA, "vm.delete_name_mismatch") {
		t.Errorf("field errors %v", testkit.FieldErrors(r.Body))
	}
	if vmRow(t, w.a, w.db).Status != "stopped" {
		t.Fatal("deleted without the name typed")
	}
	// Into the recycle bin, which can be undone, the name is not asked for.
	r = c.Post(base+"/delete", nil)
	testkit.MustStatus(t, "delete", r, 303)
	if r.Location() != "/vms" || vmRow(t, w.a, w.db).Status != "deleted" {
		t.Errorf("delete into the recycle bin: Location %q, status %q", r.Location(), vmRow(t, w.a, w.db).Status)
	}
}

// Bob's browser gets 404 for every page and form of ana's VM.
func TestVMPagesIsolation(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.web, "stopped")
	bob := w.a.Client(t)
	bob.SignIn(w.bob.email, testkit.Password)
	base := "/vms/" + w.web
	if r := bob.Get(base); r.Status != 404 || strings.Contains(r.Body, "Web Server") {
		t.Errorf("GET %s: %d", base, r.Status)
	}
	for _, p := range []string{"/rename", "/hostname", "/password", "/power/start", "/power/kill", "/delete", "/restore"} {
		r := bob.Post(base+p, testkit.Form("display_name", "x", "hostname", "x", "password", "NewStrongPass123!", "confirm", "Web Server"))
		if r.Status != 404 {
			t.Errorf("POST %s%s: %d, want 404", base, p, r.Status)
		}
	}
	if vm := vmRow(t, w.a, w.web); vm.Status != "stopped" || vm.DisplayName != "Web Server" {
		t.Errorf("bob changed ana's VM: %+v", vm)
	}
}

func TestVMPagesNeedSignIn(t *testing.T) {
	w := newVMWorld(t)
	c := w.a.Client(t)
	for _, p := range []string{"/vms", "/vms/new", "/vms/" + w.web} {
		if r := c.Get(p); r.Status != 303 || r.Location() != "/signin" {
			t.Errorf("GET %s anonymously: %d → %q", p, r.Status, r.Location())
		}
	}
}

// The VM page says what cannot be done in the VM's status, and why: a paused
// or suspended VM is resumed, not started; a password is set only while the
// VM runs (its guest agent sets it); a delete in progress is shown beside
// the status.
func TestVMPageSaysWhatTheStatusAllows(t *testing.T) {
	w, c := vmBrowser(t)
	button := func(body, action string) string {
		t.Helper()
		m := regexp.MustCompile(`data-action="` + action + `">([^<]*)<`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return m[1]
	}
	for _, l := range []i18n.Locale{i18n.FA, i18n.EN} {
		settle(t, w.a, w.web, vmstatus.Paused)
		r := c.Get("/vms/" + w.web + "?lang=" + string(l))
		if got := button(r.Body, "start"); got != i18n.T(l, "vm.power.resume") {
			t.Errorf("%s: a paused VM's start button says %q, want %q", l, got, i18n.T(l, "vm.power.resume"))
		}
		if !strings.Contains(r.Body, `data-testid="password-reason"`) || !strings.Contains(r.Body, "<fieldset disabled") {
			t.Errorf("%s: the password form of a paused VM is open", l)
		}
		settle(t, w.a, w.web, vmstatus.Stopped)
		r = c.Get("/vms/" + w.web)
		if got := button(r.Body, "start"); got != i18n.T(l, "vm.power.start") {
			t.Errorf("%s: a stopped VM's start button says %q", l, got)
		}
		settle(t, w.a, w.web, vmstatus.Running)
		r = c.Get("/vms/" + w.web)
		if strings.Contains(r.Body, `data-testid="password-reason"`) || strings.Contains(r.Body, "<fieldset disabled") {
			t.Errorf("%s: the password form of a running VM is closed", l)
		}
		if strings.Contains(r.Body, `data-testid="deleting"`) {
			t.Errorf("%s: a deleting badge with no delete", l)
		}
	}
	vm := vmRow(t, w.a, w.web)
	if _, err := w.a.DB.StartAction(context.Background(), w.ana.id, vm.ID, "delete"); err != nil {
		t.Fatal(err)
	}
	r := c.Get("/vms/" + w.web)
	if !strings.Contains(r.Body, `data-testid="deleting"`) || !strings.Contains(r.Body, i18n.T(i18n.EN, "vm.deleting_badge")) {
		t.Errorf("a VM being deleted has no deleting badge:\n%s", testkit.Trim(r.Body))
	}
}
