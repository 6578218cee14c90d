package web_test

// Orders through the API (handlers/vm_create.go, services/vm_create.go): checked,
// paid and kept, without a hypervisor.

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"abrak/app"
	"abrak/store"
	"abrak/testkit"
	"abrak/vmstatus"
)

func TestAPICreateVM(t *testing.T) {
	t.Run("no hypervisor: 503, the order kept and paid once", func(t *testing.T) {
		a := testkit.NewApp(t)
		seedCatalog(t, a)
		ana := newVMCustomer(t, a, "ana@example.com", startBalanceRials)
		r := a.APICall(t, "POST", "/api/v1/vms", ana.token, orderBody("web-1", "web"))
		testkit.MustStatus(t, "create", r, 503)
		if e := testkit.APIErrorOf(t, r); e.Error.Code != "unavailable" {
			t.Errorf("code %q, want unavailable", e.Error.Code)
		}
		uuid := strings.TrimPrefix(r.Header.Get("Location"), "/api/v1/vms/")
		vm := vmRow(t, a, uuid)
		if vm.Status != "creating" || vm.OrderStatus != vmstatus.OrderPending || vm.UserID != ana.id {
			t.Errorf("vm %s: status %q order %q", uuid, vm.Status, vm.OrderStatus)
		}
		if got := balanceOf(t, a, ana.email); got != startBalanceRials-starterPriceRials {
			t.Errorf("balance %d, want %d", got, startBalanceRials-starterPriceRials)
		}
		if n := a.Count(t, `SELECT count(*) FROM orders WHERE user_id = ?`, ana.id); n != 1 {
			t.Errorf("%d orders", n)
		}
		// The client follows the Location it was given.
		testkit.MustStatus(t, "follow Location", a.APICall(t, "GET", r.Header.Get("Location"), ana.token, ""), 200)
	})

	t.Run("idempotency key", func(t *testing.T) {
		a := testkit.NewApp(t)
		seedCatalog(t, a)
		ana := newVMCustomer(t, a, "ana@example.com", startBalanceRials)
		key := []string{"Idempotency-Key", "order-7f3a"}
		first := a.APICall(t, "POST", "/api/v1/vms", ana.token, orderBody("web-1", "web"), key...)
		testkit.MustStatus(t, "first", first, 503)
		again := a.APICall(t, "POST", "/api/v1/vms", ana.token, orderBody("web-1", "web"), key...)
		if again.Status != 202 && again.Status != 503 {
			t.Fatalf("repeat: status %d\n%s", again.Status, testkit.Trim(again.Body))
		}
		if again.Header.Get("Location") != first.Header.Get("Location") {
			t.Errorf("repeat points at %q, first at %q", again.Header.Get("Location"), first.Header.Get("Location"))
		}
		if n := a.Count(t, `SELECT count(*) FROM vms WHERE user_id = ?`, ana.id); n != 1 {
			t.Errorf("%d VMs after a repeated key, want 1", n)
		}
		if got := balanceOf(t, a, ana.email); got != startBalanceRials-starterPriceRials {
			t.Errorf("balance %d: charged more than once", got)
		}
		other := a.APICall(t, "POST", "/api/v1/vms", ana.token, orderBody("web-2", "web"), key...)
		testkit.MustStatus(t, "same key, other body", other, 422)
		if e := testkit.APIErrorOf(t, other); e.Error.Fields["idempotency_key"] == "" {
			t.Errorf("fields %v do not name idempotency_key", e.Error.Fields)
		}
		// Another customer's identical key is theirs alone.
		bob := newVMCustomer(t, a, "bob@example.com", startBalanceRials)
		testkit.MustStatus(t, "bob's same key", a.APICall(t, "POST", "/api/v1/vms", bob.token, orderBody("web-1", "web"), key...), 503)
	})

	t.Run("insufficient balance", func(t *testing.T) {
		a := testkit.NewApp(t)
		seedCatalog(t, a)
		poor := newVMCustomer(t, a, "poor@example.com", starterPriceRials-10)
		r := a.APICall(t, "POST", "/api/v1/vms", poor.token, orderBody("web-1", "web"))
		testkit.MustStatus(t, "create", r, 422)
		if e := testkit.APIErrorOf(t, r); e.Error.Fields["wallet"] == "" {
			t.Errorf("fields %v do not name wallet", e.Error.Fields)
		}
		if n := a.Count(t, `SELECT count(*) FROM vms`); n != 0 {
			t.Errorf("%d VMs recorded", n)
		}
		if got := balanceOf(t, a, poor.email); got != starterPriceRials-10 {
			t.Errorf("balance moved to %d", got)
		}
	})

	w := newVMWorld(t)
	before := balanceOf(t, w.a, w.ana.email)
	runAPIRows(t, w, []apiRow{
		{name: "empty body names the required fields", method: "POST", path: "/api/v1/vms", token: anaToken, status: 422,
			fields: []string{"plan_slug", "os_template_slug", "auth_mode"}},
		{name: "every bad field named", method: "POST", path: "/api/v1/vms", token: anaToken, status: 422,
			body:   `{"plan_slug":"nope","os_template_slug":"nope","auth_mode":"password","custom_password":"short","hostname":"bad_host!","region":"mars","display_name":"` + strings.Repeat("x", 65) + `"}`,
			fields: []string{"plan_slug", "os_template_slug", "custom_password", "hostname", "region", "display_name"}},
		{name: "unknown auth mode", method: "POST", path: "/api/v1/vms", token: anaToken, status: 422,
			body: `{"plan_slug":"starter","os_template_slug":"debian-12","auth_mode":"magic"}`, fields: []string{"auth_mode"}},
		{name: "ssh keys that are not ana's", method: "POST", path: "/api/v1/vms", token: anaToken, status: 422,
			body: `{"plan_slug":"starter","os_template_slug":"debian-12","auth_mode":"ssh_key","ssh_key_ids":[999]}`, fields: []string{"ssh_key_ids"}},
		{name: "ssh key mode without keys", method: "POST", path: "/api/v1/vms", token: anaToken, status: 422,
			body: `{"plan_slug":"starter","os_template_slug":"debian-12","auth_mode":"ssh_key"}`, fields: []string{"ssh_key_ids"}},
		{name: "unknown field", method: "POST", path: "/api/v1/vms", token: anaToken, status: 422,
			body: `{"plan":"starter"}`, fields: []string{"plan"}},
		{name: "wrong type", method: "POST", path: "/api/v1/vms", token: anaToken, status: 422,
			body: `{"plan_slug":"starter","ssh_key_ids":"1"}`, fields: []string{"ssh_key_ids"}},
		{name: "malformed JSON", method: "POST", path: "/api/v1/vms", token: anaToken, status: 400, body: `{"plan_slug":`},
		{name: "English messages for an English client", method: "POST", path: "/api/v1/vms", token: anaToken, status: 422,
			body:   `{"plan_slug":"nope","os_template_slug":"debian-12","auth_mode":"password","custom_password":"StrongPass123!"}`,
			header: []string{"Accept-Language", "en"}, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if e := testkit.APIErrorOf(t, r); e.Error.Fields["plan_slug"] != "There is no such plan." {
					t.Errorf("plan_slug message %q", e.Error.Fields["plan_slug"])
				}
			}},
		{name: "the password is never echoed", method: "POST", path: "/api/v1/vms", token: anaToken, status: 422,
			body: `{"plan_slug":"nope","os_template_slug":"debian-12","auth_mode":"password","custom_password":"Secret-Horse-991!"}`,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if strings.Contains(r.Body, "Secret-Horse-991!") {
					t.Error("the answer carries the password")
				}
			}},
	})
	if got := balanceOf(t, w.a, w.ana.email); got != before {
		t.Errorf("refused orders moved the balance from %d to %d", before, got)
	}
}

// An order in a region whose pool is used up is paid and kept: the API answers
// 503 saying why, in the customer's language, with the VM's Location; the VM
// has no address yet.
func TestAnOrderOnAFullPoolIsKeptWith503(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t, testkit.WithAPIRateLimit(1_000_000, 1_000_000), func(c *app.Config) { c.Web.MetricsPublic = true })
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.DB.UpsertRegion(ctx, store.Region{Slug: "thr", NameFA: "تهران", NameEN: "Tehran"}))
	_, err := a.DB.AddPool(ctx, store.Pool{Region: "thr", Network: "198.51.100.0/24", Gateway: "198.51.100.1", First: "198.51.100.10", Last: "198.51.100.10"})
	must(err)
	must(a.DB.UpsertPlan(ctx, store.Plan{Slug: "starter", NameFA: "آغاز", NameEN: "Starter", VCPUs: 1, MemoryMB: 512, DiskGB: 10, PriceHourlyRials: 1000, Sort: 1, Active: true}))
	must(a.DB.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "debian-12", Name: "Debian 12", Volume: "d.qcow2", MinDiskGB: 1, Sort: 1, Active: true}))
	c := newVMCustomer(t, a, "full@example.com", 1_000_000)
	first := orderVM(t, a, c, "first", "first") // 503: no hypervisor, but it has the address
	for lang, want := range map[string]string{"en": "no free IP address", "fa": "نشانی IP آزاد ندارد"} {
		r := a.APICall(t, http.MethodPost, "/api/v1/vms", c.token, orderBody("second-"+lang, "second"), "Accept-Language", lang)
		testkit.MustStatus(t, "order on a full pool", r, http.StatusServiceUnavailable)
		if !strings.Contains(r.Body, want) || r.Header.Get("Location") == "" {
			t.Fatalf("%s: the 503 does not say the region is out of addresses, or has no Location:\n%s", lang, r.Body)
		}
		uuid, _ := strings.CutPrefix(r.Header.Get("Location"), "/api/v1/vms/")
		if v := apiVMNetOf(t, a, c.token, uuid); v.PublicIP != nil || v.Status != vmstatus.Creating {
			t.Fatalf("the kept order: %+v", v)
		}
	}
	if v := apiVMNetOf(t, a, c.token, first); v.ipv4() != "198.51.100.10" {
		t.Fatalf("the first order's address: %+v", v)
	}
	if got := a.User(t, c.email).BalanceRials; got != 1_000_000-3*1000 {
		t.Fatalf("balance %d: every kept order is paid", got)
	}
	// The operator is told: the pool has nothing free, and two orders found it full.
	m := a.Client(t).Get("/metrics")
	for _, want := range []string{`abrak_address_pool_free{network="198.51.100.0/24",region="thr"} 0`,
		`abrak_address_pool_exhausted_total{region="thr"} 2`} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// user_data in an order: refused with a 422 naming the field, in the customer's
// language, when it is no cloud-config or script, when the template runs none,
// or when it tries to decide its own merging; nothing is charged then.
func TestOrderUserDataIsChecked(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t, testkit.WithAPIRateLimit(1_000_000, 1_000_000))
	seedCatalog(t, a)
	ctx := context.Background()
	if err := a.DB.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "cloud", Name: "Cloud", Volume: "c.qcow2", MinDiskGB: 1, Active: true,
		Features: []string{"password", "ssh_key", "user_data"}}); err != nil {
		t.Fatal(err)
	}
	c := newVMCustomer(t, a, "ud@example.com", 1_000_000)
	order := func(template, userData string) testkit.Response {
		b, _ := json.Marshal(map[string]any{"plan_slug": "starter", "os_template_slug": template, "auth_mode": "password",
			"custom_password": "StrongPass123!", "user_data": userData})
		return a.APICall(t, http.MethodPost, "/api/v1/vms", c.token, string(b), "Accept-Language", "en")
	}
	for _, bad := range []struct{ template, data, says string }{
		{"cloud", "echo hi", "must start with #cloud-config"},
		{"cloud", "#cloud-config\nruncmd: [unclosed\n", "not valid YAML"},
		{"cloud", "#cloud-config\nmerge_how: replace\n", "merge_how"},
		{"cloud", "#!/bin/sh\n" + strings.Repeat("x", 70_000), "64 KiB"},
		{"debian-12", "#!/bin/sh\necho hi\n", "does not run user data"},
	} {
		r := order(bad.template, bad.data)
		testkit.MustStatus(t, "bad user_data", r, http.StatusUnprocessableEntity)
		if e := testkit.APIErrorOf(t, r); !strings.Contains(e.Error.Fields["user_data"], bad.says) {
			t.Errorf("user_data %.30q: fields %v, want one saying %q", bad.data, e.Error.Fields, bad.says)
		}
	}
	if got := a.User(t, c.email).BalanceRials; got != 1_000_000 {
		t.Fatalf("refused orders charged: balance %d", got)
	}
	r := order("cloud", "#cloud-config\nruncmd:\n  - touch /root/hello\n")
	testkit.MustStatus(t, "good user_data", r, http.StatusServiceUnavailable) // kept; no hypervisor here
	if n := a.Count(t, `SELECT count(*) FROM order_user_data`); n != 1 {
		t.Fatalf("%d user_data rows kept for the waiting order", n)
	}
}
