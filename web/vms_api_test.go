package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The VM API without a hypervisor: no node is configured, so every order is
// paid and kept but answered 503, and the VMs stay "creating" unless a test
// moves them on through the store.

const (
	starterPriceRials = 50_000 // an hour of the cheapest plan
	startBalanceRials = 1_000_000
)

// seedCatalog puts one region, two plans and one OS template into the database.
func seedCatalog(t testing.TB, a *testkit.App) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.DB.UpsertRegion(ctx, store.Region{Slug: "thr-1", NameFA: "تهران ۱", NameEN: "Tehran 1", IPNetwork: "10.20.0.0/24", Gateway: "10.20.0.1"}))
	must(a.DB.UpsertPlan(ctx, store.Plan{Slug: "starter", NameFA: "آغازین", NameEN: "Starter", VCPUs: 1, MemoryMB: 1024, DiskGB: 20, PriceHourlyRials: starterPriceRials, Sort: 1, Active: true}))
	must(a.DB.UpsertPlan(ctx, store.Plan{Slug: "pro", NameFA: "حرفه‌ای", NameEN: "Pro", VCPUs: 4, MemoryMB: 8192, DiskGB: 160, PriceHourlyRials: 400_000, Sort: 2, Active: true}))
	must(a.DB.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "debian-12", Name: "Debian 12", Volume: "debian-12.qcow2", MinDiskGB: 2, Active: true}))
}

// vmCustomer is a user with money and a token holding every scope.
type vmCustomer struct {
	email string
	id    int64
	token string
}

func newVMCustomer(t testing.TB, a *testkit.App, email string, balance int64) vmCustomer {
	t.Helper()
	u := a.CreateUser(t, email, testkit.Password)
	if balance > 0 {
		if _, err := a.DB.Credit(context.Background(), u.ID, balance, "topup", "test"); err != nil {
			t.Fatal(err)
		}
	}
	tok, _ := a.MintToken(t, email, services.AllScopes...)
	return vmCustomer{email: email, id: u.ID, token: tok}
}

func orderBody(hostname, name string) string {
	b, _ := json.Marshal(map[string]any{"plan_slug": "starter", "os_template_slug": "debian-12", "auth_mode": "password",
		"custom_password": "StrongPass123!", "hostname": hostname, "display_name": name})
	return string(b)
}

// orderVM orders a VM through the API and returns its UUID; without a node the answer is 503.
func orderVM(t testing.TB, a *testkit.App, c vmCustomer, hostname, name string) string {
	t.Helper()
	r := a.APICall(t, http.MethodPost, "/api/v1/vms", c.token, orderBody(hostname, name))
	testkit.MustStatus(t, "order "+hostname, r, http.StatusServiceUnavailable)
	loc := r.Header.Get("Location")
	uuid, ok := strings.CutPrefix(loc, "/api/v1/vms/")
	if !ok || uuid == "" {
		t.Fatalf("order %s: Location %q", hostname, loc)
	}
	return uuid
}

func vmRow(t testing.TB, a *testkit.App, uuid string) store.VM {
	t.Helper()
	vm, err := a.DB.VMByUUID(context.Background(), uuid)
	if err != nil {
		t.Fatalf("vm %s: %v", uuid, err)
	}
	return vm
}

// settle makes a VM look built and idle: the given status, its create action finished.
func settle(t testing.TB, a *testkit.App, uuid string, status vmstatus.Status) {
	t.Helper()
	ctx := context.Background()
	vm := vmRow(t, a, uuid)
	if err := a.DB.SetVMStatus(ctx, vm.ID, status); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.W.ExecContext(ctx, `UPDATE actions SET status = 'completed', completed_at = unixepoch() WHERE vm_id = ? AND type = 'create'`, vm.ID); err != nil {
		t.Fatal(err)
	}
}

func balanceOf(t testing.TB, a *testkit.App, email string) int64 {
	return a.User(t, email).BalanceRials
}

type vmBody struct {
	VM struct {
		UUID        string `json:"uuid"`
		DisplayName string `json:"display_name"`
		Hostname    string `json:"hostname"`
		Status      string `json:"status"`
		Plan        struct {
			Slug        string `json:"slug"`
			VCPUs       int    `json:"vcpus"`
			MemoryMB    int    `json:"memory_mb"`
			DiskGB      int    `json:"disk_gb"`
			PriceHourly int64  `json:"price_hourly"`
		} `json:"plan"`
		OSTemplate struct{ Slug, Name string } `json:"os_template"`
		Region     string                      `json:"region"`
		PublicIP   *string                     `json:"public_ip"`
		Networks   struct {
			V4 []apiV4 `json:"v4"`
		} `json:"networks"`
		CreatedAt       string `json:"created_at"`
		Locked          bool   `json:"locked"`
		OrderStatus     string `json:"order_status"`
		NodeUnavailable bool   `json:"node_unavailable"`
	} `json:"vm"`
}

// apiV4 is an IPv4 address of a VM as the API shows it.
type apiV4 struct {
	IPAddress string `json:"ip_address"`
	Netmask   string `json:"netmask"`
	Gateway   string `json:"gateway"`
	Type      string `json:"type"`
}

type listBody struct {
	VMs  []json.RawMessage                  `json:"vms"`
	Meta struct{ Total, Limit, Offset int } `json:"meta"`
}

type actionBody struct {
	Action struct {
		ID           int64   `json:"id"`
		Type         string  `json:"type"`
		Status       string  `json:"status"`
		StartedAt    string  `json:"started_at"`
		CompletedAt  *string `json:"completed_at"`
		ResourceType string  `json:"resource_type"`
		ResourceID   string  `json:"resource_id"`
		Error        *string `json:"error"`
	} `json:"action"`
}

// vmWorld is two customers with VMs: ana has "Web Server" and "db-1", bob has one.
type vmWorld struct {
	a        *testkit.App
	ana, bob vmCustomer
	web, db  string // ana's VMs
	bobs     string // bob's VM
}

func newVMWorld(t testing.TB, opts ...func(*app.Config)) *vmWorld {
	t.Helper()
	a := testkit.NewApp(t, append([]func(*app.Config){testkit.WithAPIRateLimit(100_000, 100_000)}, opts...)...)
	seedCatalog(t, a)
	w := &vmWorld{a: a,
		ana: newVMCustomer(t, a, "ana@example.com", startBalanceRials),
		bob: newVMCustomer(t, a, "bob@example.com", startBalanceRials)}
	w.web = orderVM(t, a, w.ana, "web-1", "Web Server")
	w.db = orderVM(t, a, w.ana, "db-1", "db-1")
	w.bobs = orderVM(t, a, w.bob, "bob-1", "Bob's")
	return w
}

// apiRow is one API request and what must come back.
type apiRow struct {
	name   string
	method string
	path   string // {web}, {db} and {bob} stand for the VMs' UUIDs
	token  func(w *vmWorld) string
	body   string
	header []string
	status int
	fields []string // a 422 must name each
	check  func(t *testing.T, w *vmWorld, r testkit.Response)
}

func (w *vmWorld) expand(path string) string {
	return strings.NewReplacer("{web}", w.web, "{db}", w.db, "{bob}", w.bobs).Replace(path)
}

func anaToken(w *vmWorld) string { return w.ana.token }
func bobToken(w *vmWorld) string { return w.bob.token }

// runAPIRows runs each row as an APIScenario against w's panel, its token and
// the VMs' UUIDs in its path taken from w.
func runAPIRows(t *testing.T, w *vmWorld, rows []apiRow) {
	t.Helper()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			s := testkit.APIScenario{Name: row.name, Method: row.method, URL: w.expand(row.path), Headers: row.header, Body: row.body,
				ExpectedStatus: row.status, ExpectedFields: row.fields}
			if row.token != nil {
				s.Token = row.token(w)
			}
			if row.check != nil {
				s.After = func(t *testing.T, r testkit.Response) { row.check(t, w, r) }
			}
			s.Test(t, w.a)
		})
	}
}

func TestAPIListVMs(t *testing.T) {
	w := newVMWorld(t)
	webIP := vmRow(t, w.a, w.web).PublicIP
	total := func(want int) func(t *testing.T, w *vmWorld, r testkit.Response) {
		return func(t *testing.T, w *vmWorld, r testkit.Response) {
			if got := testkit.Decode[listBody](t, r).Meta.Total; got != want {
				t.Errorf("total %d, want %d: %s", got, want, testkit.Trim(r.Body))
			}
		}
	}
	runAPIRows(t, w, []apiRow{
		{name: "no token", method: "GET", path: "/api/v1/vms", status: 401},
		{name: "all of ana's", method: "GET", path: "/api/v1/vms", token: anaToken, status: 200, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			b := testkit.Decode[listBody](t, r)
			if b.Meta.Total != 2 || b.Meta.Limit != 50 || b.Meta.Offset != 0 || len(b.VMs) != 2 {
				t.Errorf("meta %+v with %d VMs, want 2 of limit 50 at 0", b.Meta, len(b.VMs))
			}
			if strings.Contains(r.Body, w.bobs) {
				t.Error("ana's list shows bob's VM")
			}
			if r.Header.Get("Link") == "" || strings.Contains(r.Header.Get("Link"), `rel="next"`) {
				t.Errorf("Link %q: want first/last and no next for one page", r.Header.Get("Link"))
			}
		}},
		{name: "bob sees only his", method: "GET", path: "/api/v1/vms", token: bobToken, status: 200, check: total(1)},
		{name: "a page of one has a next link", method: "GET", path: "/api/v1/vms?limit=1&status=creating", token: anaToken, status: 200, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			want := `</api/v1/vms?limit=1&offset=1&status=creating>; rel="next"`
			if link := r.Header.Get("Link"); !strings.Contains(link, want) || strings.Contains(link, `rel="prev"`) {
				t.Errorf("Link %q, want it to hold %s and no prev", link, want)
			}
		}},
		{name: "the second page has a prev link", method: "GET", path: "/api/v1/vms?limit=1&offset=1", token: anaToken, status: 200, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			if link := r.Header.Get("Link"); !strings.Contains(link, `</api/v1/vms?limit=1&offset=0>; rel="prev"`) || strings.Contains(link, `rel="next"`) {
				t.Errorf("Link %q", link)
			}
		}},
		{name: "status filter", method: "GET", path: "/api/v1/vms?status=creating", token: anaToken, status: 200, check: total(2)},
		{name: "status filter with no match", method: "GET", path: "/api/v1/vms?status=running", token: anaToken, status: 200, check: total(0)},
		{name: "bogus status", method: "GET", path: "/api/v1/vms?status=bogus", token: anaToken, status: 422, fields: []string{"status"}},
		{name: "limit 0", method: "GET", path: "/api/v1/vms?limit=0", token: anaToken, status: 422, fields: []string{"limit"}},
		{name: "limit 201", method: "GET", path: "/api/v1/vms?limit=201", token: anaToken, status: 422, fields: []string{"limit"}},
		{name: "limit 200", method: "GET", path: "/api/v1/vms?limit=200", token: anaToken, status: 200, check: total(2)},
		{name: "limit not a number", method: "GET", path: "/api/v1/vms?limit=ten", token: anaToken, status: 422, fields: []string{"limit"}},
		{name: "negative offset", method: "GET", path: "/api/v1/vms?offset=-1", token: anaToken, status: 422, fields: []string{"offset"}},
		{name: "q matches the name whatever its case", method: "GET", path: "/api/v1/vms?q=wEB+sERVER", token: anaToken, status: 200, check: total(1)},
		{name: "q matches the ip", method: "GET", path: "/api/v1/vms?q=" + webIP, token: anaToken, status: 200, check: total(1)},
		{name: "q matches the uuid in capitals", method: "GET", path: "/api/v1/vms?q=" + strings.ToUpper(w.db[:13]), token: anaToken, status: 200, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			if b := testkit.Decode[listBody](t, r); b.Meta.Total != 1 || !strings.Contains(r.Body, w.db) {
				t.Errorf("q by uuid: %s", testkit.Trim(r.Body))
			}
		}},
		{name: "q never reaches another customer's VMs", method: "GET", path: "/api/v1/vms?q=" + w.bobs, token: anaToken, status: 200, check: total(0)},
		{name: "q wildcard characters are literal", method: "GET", path: "/api/v1/vms?q=%25", token: anaToken, status: 200, check: total(0)},
	})
}

func TestAPIListNeedsReadScope(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	newVMCustomer(t, a, "ana@example.com", 0)
	tok, _ := a.MintToken(t, "ana@example.com", services.ScopeAccount)
	r := a.APICall(t, "GET", "/api/v1/vms", tok, "")
	testkit.MustStatus(t, "list without vm:read", r, 403)
	if e := testkit.APIErrorOf(t, r); !strings.Contains(e.Error.Message, "vm:read") {
		t.Errorf("message %q does not name the scope", e.Error.Message)
	}
	r = a.APICall(t, "POST", "/api/v1/vms", tok, orderBody("x-1", "x"))
	testkit.MustStatus(t, "create without vm:create", r, 403)
}

func TestAPIGetVMBody(t *testing.T) {
	w := newVMWorld(t)
	r := w.a.APICall(t, "GET", "/api/v1/vms/"+w.web, w.ana.token, "")
	testkit.MustStatus(t, "get", r, 200)
	v := testkit.Decode[vmBody](t, r).VM
	if v.UUID != w.web || v.DisplayName != "Web Server" || v.Hostname != "web-1" || v.Status != "creating" || v.Region != "thr-1" {
		t.Errorf("vm %+v", v)
	}
	if v.Plan.Slug != "starter" || v.Plan.VCPUs != 1 || v.Plan.MemoryMB != 1024 || v.Plan.DiskGB != 20 || v.Plan.PriceHourly != starterPriceRials {
		t.Errorf("plan %+v", v.Plan)
	}
	if v.OSTemplate.Slug != "debian-12" || v.OSTemplate.Name != "Debian 12" {
		t.Errorf("os_template %+v", v.OSTemplate)
	}
	if v.PublicIP == nil || len(v.Networks.V4) != 1 || v.Networks.V4[0].IPAddress != *v.PublicIP ||
		v.Networks.V4[0].Netmask != "255.255.255.0" || v.Networks.V4[0].Gateway != "10.20.0.1" || v.Networks.V4[0].Type != "public" {
		t.Errorf("address %v, networks %+v", v.PublicIP, v.Networks)
	}
	if _, err := time.Parse(time.RFC3339, v.CreatedAt); err != nil {
		t.Errorf("created_at %q is not RFC 3339", v.CreatedAt)
	}
	if v.OrderStatus != string(vmstatus.OrderPending) || v.Locked || v.NodeUnavailable {
		t.Errorf("order_status %q locked %v node_unavailable %v", v.OrderStatus, v.Locked, v.NodeUnavailable)
	}
	for _, secret := range []string{"vnc_password", "root_password", "StrongPass123!", "ssh_keys"} {
		if strings.Contains(r.Body, secret) {
			t.Errorf("the VM body carries %q", secret)
		}
	}
}

func TestAPIVMOperations(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.db, "stopped")
	var shutdownID int64
	runAPIRows(t, w, []apiRow{
		{name: "get", method: "GET", path: "/api/v1/vms/{web}", token: anaToken, status: 200},
		{name: "get unknown", method: "GET", path: "/api/v1/vms/00000000-0000-0000-0000-000000000000", token: anaToken, status: 404},

		{name: "rename", method: "PATCH", path: "/api/v1/vms/{web}", token: anaToken, body: `{"display_name":"  prod-api "}`, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if n := testkit.Decode[vmBody](t, r).VM.DisplayName; n != "prod-api" {
					t.Errorf("display_name %q", n)
				}
			}},
		{name: "rename to 64 Persian letters", method: "PATCH", path: "/api/v1/vms/{web}", token: anaToken, body: `{"display_name":"` + strings.Repeat("ب", 64) + `"}`, status: 200},
		{name: "rename without a name", method: "PATCH", path: "/api/v1/vms/{web}", token: anaToken, body: `{}`, status: 422, fields: []string{"display_name"}},
		{name: "rename to blanks", method: "PATCH", path: "/api/v1/vms/{web}", token: anaToken, body: `{"display_name":"   "}`, status: 422, fields: []string{"display_name"}},
		{name: "rename to 65 letters", method: "PATCH", path: "/api/v1/vms/{web}", token: anaToken, body: `{"display_name":"` + strings.Repeat("a", 65) + `"}`, status: 422, fields: []string{"display_name"}},
		{name: "rename with a field PATCH does not take", method: "PATCH", path: "/api/v1/vms/{web}", token: anaToken, body: `{"display_name":"x","hostname":"y"}`, status: 422, fields: []string{"hostname"}},
		{name: "rename with a number", method: "PATCH", path: "/api/v1/vms/{web}", token: anaToken, body: `{"display_name":5}`, status: 422, fields: []string{"display_name"}},
		{name: "rename unknown", method: "PATCH", path: "/api/v1/vms/00000000-0000-0000-0000-000000000000", token: anaToken, body: `{"display_name":"x"}`, status: 404},

		{name: "hostname", method: "POST", path: "/api/v1/vms/{web}/security/hostname", token: anaToken, body: `{"hostname":"Web-01.example.com"}`, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if h := testkit.Decode[vmBody](t, r).VM.Hostname; h != "web-01.example.com" {
					t.Errorf("hostname %q", h)
				}
			}},
		{name: "hostname not RFC 1123", method: "POST", path: "/api/v1/vms/{web}/security/hostname", token: anaToken, body: `{"hostname":"web_01!"}`, status: 422, fields: []string{"hostname"}},
		{name: "hostname missing", method: "POST", path: "/api/v1/vms/{web}/security/hostname", token: anaToken, body: `{}`, status: 422, fields: []string{"hostname"}},
		{name: "hostname label too long", method: "POST", path: "/api/v1/vms/{web}/security/hostname", token: anaToken, body: `{"hostname":"` + strings.Repeat("a", 64) + `"}`, status: 422, fields: []string{"hostname"}},

		{name: "weak password", method: "POST", path: "/api/v1/vms/{web}/security/password", token: anaToken, body: `{"password":"short"}`, status: 422, fields: []string{"password"},
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if strings.Contains(r.Body, `"short"`) {
					t.Error("the password is echoed")
				}
			}},
		{name: "password for a VM that is not running", method: "POST", path: "/api/v1/vms/{db}/security/password", token: anaToken, body: `{"password":"NewStrongPass123!"}`, status: 409,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if strings.Contains(r.Body, "NewStrongPass123!") {
					t.Error("the password is echoed")
				}
			}},

		{name: "unknown power action", method: "POST", path: "/api/v1/vms/{db}/power/explode", token: anaToken, status: 404},
		{name: "power on unknown VM", method: "POST", path: "/api/v1/vms/00000000-0000-0000-0000-000000000000/power/start", token: anaToken, status: 404},
		{name: "power while creating", method: "POST", path: "/api/v1/vms/{web}/power/start", token: anaToken, status: 409},
		{name: "shutdown of a stopped VM is a completed no-op", method: "POST", path: "/api/v1/vms/{db}/power/shutdown", token: anaToken, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				a := testkit.Decode[actionBody](t, r).Action
				if a.Type != "shutdown" || a.Status != "completed" || a.ResourceType != "vm" || a.ResourceID != w.db || a.CompletedAt == nil || a.Error != nil {
					t.Errorf("action %+v", a)
				}
				shutdownID = a.ID
			}},
		{name: "kill of a stopped VM too", method: "POST", path: "/api/v1/vms/{db}/power/kill", token: anaToken, status: 200},
		{name: "start without a node", method: "POST", path: "/api/v1/vms/{db}/power/start", token: anaToken, status: 503},
	})
	runAPIRows(t, w, []apiRow{
		{name: "the action can be polled", method: "GET", path: "/api/v1/actions/" + itoa(shutdownID), token: anaToken, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				if a := testkit.Decode[actionBody](t, r).Action; a.ID != shutdownID || a.ResourceID != w.db {
					t.Errorf("action %+v", a)
				}
			}},
		{name: "bob cannot poll it", method: "GET", path: "/api/v1/actions/" + itoa(shutdownID), token: bobToken, status: 404},
		{name: "action id not a number", method: "GET", path: "/api/v1/actions/abc", token: anaToken, status: 404},
		{name: "a VM's actions", method: "GET", path: "/api/v1/vms/{db}/actions?limit=2", token: anaToken, status: 200,
			check: func(t *testing.T, w *vmWorld, r testkit.Response) {
				var b struct {
					Actions []struct{ Type, Status string } `json:"actions"`
					Meta    struct{ Total, Limit int }      `json:"meta"`
				}
				if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
					t.Fatal(err)
				}
				// create, shutdown, kill, and the refused start left nothing.
				if b.Meta.Total != 3 || b.Meta.Limit != 2 || len(b.Actions) != 2 || b.Actions[0].Type != "kill" {
					t.Errorf("actions %+v", b)
				}
				if !strings.Contains(r.Header.Get("Link"), `rel="next"`) {
					t.Errorf("Link %q", r.Header.Get("Link"))
				}
			}},
		{name: "actions limit out of range", method: "GET", path: "/api/v1/vms/{db}/actions?limit=500", token: anaToken, status: 422, fields: []string{"limit"}},

		// An order still waiting for a hypervisor is cancelled and refunded.
		{name: "delete while waiting for a hypervisor", method: "DELETE", path: "/api/v1/vms/{web}", token: anaToken, status: 204, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			if vm := vmRow(t, w.a, w.web); vm.Status != vmstatus.Destroyed || vm.OrderStatus != vmstatus.OrderRefunded {
				t.Errorf("cancelled VM: status %q, order %q", vm.Status, vm.OrderStatus)
			}
			if n := w.a.Count(t, `SELECT count(*) FROM ledger l JOIN vms v ON v.uuid = l.ref WHERE v.uuid = ? AND l.kind = 'refund'`, w.web); n != 1 {
				t.Errorf("%d refunds for the cancelled order", n)
			}
		}},
		{name: "delete", method: "DELETE", path: "/api/v1/vms/{db}", token: anaToken, status: 204, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			if vm := vmRow(t, w.a, w.db); vm.Status != vmstatus.Deleted {
				t.Errorf("status %q after delete, want deleted (in the recycle bin) at once", vm.Status)
			}
			if b := testkit.Decode[listBody](t, w.a.APICall(t, "GET", "/api/v1/vms", w.ana.token, "")); b.Meta.Total != 0 {
				t.Errorf("the list still counts %d VMs", b.Meta.Total)
			}
		}},
		{name: "delete twice keeps it in the bin", method: "DELETE", path: "/api/v1/vms/{db}", token: anaToken, status: 204, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			if vm := vmRow(t, w.a, w.db); vm.Status != vmstatus.Deleted {
				t.Errorf("status %q after a second delete, want still deleted", vm.Status)
			}
		}},
		{name: "a deleted VM is listed when asked for", method: "GET", path: "/api/v1/vms?status=deleted", token: anaToken, status: 200, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			if !strings.Contains(r.Body, w.db) {
				t.Errorf("status=deleted lacks the deleted VM: %s", testkit.Trim(r.Body))
			}
		}},
		{name: "purge", method: "DELETE", path: "/api/v1/vms/{db}?purge=true", token: anaToken, status: 204},
		{name: "a purged VM is listed as destroyed", method: "GET", path: "/api/v1/vms?status=destroyed", token: anaToken, status: 200, check: func(t *testing.T, w *vmWorld, r testkit.Response) {
			if !strings.Contains(r.Body, w.db) {
				t.Errorf("status=destroyed lacks the purged VM: %s", testkit.Trim(r.Body))
			}
		}},
		{name: "delete after the purge", method: "DELETE", path: "/api/v1/vms/{db}", token: anaToken, status: 404},
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Every VM route answers 404 to another customer, never 403 and never the VM.
func TestAPIVMIsolation(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.web, "stopped")
	// Every answer to bob is the 404 of a VM that does not exist, saying nothing of ana's.
	notAnas := []string{"Web Server", vmRow(t, w.a, w.web).PublicIP}
	var rows []testkit.APIScenario
	for _, rt := range []struct{ method, path, body string }{
		{"GET", "/api/v1/vms/{web}", ""},
		{"PATCH", "/api/v1/vms/{web}", `{"display_name":"mine now"}`},
		{"DELETE", "/api/v1/vms/{web}", ""},
		{"DELETE", "/api/v1/vms/{web}?purge=true", ""},
		{"POST", "/api/v1/vms/{web}/restore", ""},
		{"POST", "/api/v1/vms/{web}/power/start", ""},
		{"POST", "/api/v1/vms/{web}/power/shutdown", ""},
		{"POST", "/api/v1/vms/{web}/power/reboot", ""},
		{"POST", "/api/v1/vms/{web}/power/kill", ""},
		{"POST", "/api/v1/vms/{web}/power/explode", ""},
		{"POST", "/api/v1/vms/{web}/security/password", `{"password":"NewStrongPass123!"}`},
		{"POST", "/api/v1/vms/{web}/security/hostname", `{"hostname":"taken"}`},
		{"GET", "/api/v1/vms/{web}/actions", ""},
		{"POST", "/api/v1/vms/{web}/resize", `{"plan_slug":"starter"}`},
		{"GET", "/api/v1/vms/{web}/snapshots", ""},
		{"POST", "/api/v1/vms/{web}/snapshots", `{"name":"mine"}`},
		{"POST", "/api/v1/vms/{web}/snapshots/mine/revert", ""},
		{"DELETE", "/api/v1/vms/{web}/snapshots/mine", ""},
		{"POST", "/api/v1/vms/{web}/rebuild", `{}`},
		{"POST", "/api/v1/vms/{web}/console", ""},
	} {
		rows = append(rows, testkit.APIScenario{Name: "bob " + rt.method + " " + rt.path, Method: rt.method, URL: w.expand(rt.path),
			Token: w.bob.token, Body: rt.body, ExpectedStatus: 404, NotExpectedContent: notAnas})
	}
	testkit.RunAPIScenarios(t, w.a, rows)
	vm := vmRow(t, w.a, w.web)
	if vm.DisplayName != "Web Server" || vm.Hostname != "web-1" || vm.Status != "stopped" {
		t.Errorf("bob's requests changed ana's VM: %+v", vm)
	}
}

func TestAPICatalog(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	ana := newVMCustomer(t, a, "ana@example.com", 0)
	var plans struct {
		Plans []struct {
			Slug, Name   string
			VCPUs        int   `json:"vcpus"`
			MemoryMB     int   `json:"memory_mb"`
			DiskGB       int   `json:"disk_gb"`
			PriceHourly  int64 `json:"price_hourly"`
			PriceMonthly int64 `json:"price_monthly"`
		} `json:"plans"`
	}
	r := a.APICall(t, "GET", "/api/v1/plans", ana.token, "", "Accept-Language", "en")
	testkit.MustStatus(t, "plans", r, 200)
	if err := json.Unmarshal([]byte(r.Body), &plans); err != nil || len(plans.Plans) != 2 {
		t.Fatalf("plans: %v %s", err, r.Body)
	}
	p := plans.Plans[0]
	if p.Slug != "starter" || p.Name != "Starter" || p.VCPUs != 1 || p.MemoryMB != 1024 || p.DiskGB != 20 ||
		p.PriceHourly != starterPriceRials || p.PriceMonthly != starterPriceRials*730 {
		t.Errorf("plan %+v", p)
	}
	r = a.APICall(t, "GET", "/api/v1/plans", ana.token, "")
	if !strings.Contains(r.Body, `"name":"آغازین"`) {
		t.Errorf("plan names are not Persian by default: %s", r.Body)
	}
	r = a.APICall(t, "GET", "/api/v1/os-templates", ana.token, "")
	testkit.MustStatus(t, "os-templates", r, 200)
	if !regexp.MustCompile(`"slug":"debian-12","name":"Debian 12"`).MatchString(r.Body) {
		t.Errorf("os-templates %s", r.Body)
	}
	r = a.APICall(t, "GET", "/api/v1/regions", ana.token, "", "Accept-Language", "en")
	testkit.MustStatus(t, "regions", r, 200)
	if r.Body != `{"regions":[{"slug":"thr-1","name":"Tehran 1"}]}`+"\n" {
		t.Errorf("regions %q", r.Body)
	}
	testkit.MustStatus(t, "plans without a token", a.APICall(t, "GET", "/api/v1/plans", "", ""), 401)
}

// An action's error reaches the customer in their words: the API and the VM
// page show the class of failure, never what a node said.
func TestActionErrorsReadInTheCustomersWords(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	c := newVMCustomer(t, a, "words@example.com", 10*starterPriceRials)
	uuid := orderVM(t, a, c, "words", "words")
	vm := vmRow(t, a, uuid)
	qemu := "failed: unable to execute QEMU command 'cont': Resetting the Virtual Machine is required"
	res, err := a.DB.W.Exec(`INSERT INTO actions (user_id, vm_id, type, status, error, started_at, completed_at)
		VALUES (?, ?, 'start', 'errored', ?, unixepoch(), unixepoch())`, c.id, vm.ID, qemu)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	r := a.APICall(t, http.MethodGet, "/api/v1/actions/"+strconv.FormatInt(id, 10), c.token, "", "Accept-Language", "en")
	testkit.MustStatus(t, "the action", r, http.StatusOK)
	if strings.Contains(r.Body, "QEMU") || !strings.Contains(r.Body, i18n.T(i18n.EN, services.ActionErrFailed)) {
		t.Errorf("the API's action error:\n%s", r.Body)
	}
	browser := a.Client(t)
	browser.SignIn(c.email, testkit.Password)
	page := browser.Get("/vms/" + uuid + "?lang=fa")
	if strings.Contains(page.Body, "QEMU") || !testkit.Contains(page.Body, i18n.T(i18n.FA, services.ActionErrFailed)) {
		t.Errorf("the VM page's action error:\n%s", testkit.Trim(page.Body))
	}
}
