package services_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/vmstatus"
)

// A customer orders a VM, is charged the first hour once, sees it become running,
// operates it, and deletes it; the node and the wallet agree at every step.
func TestVMLifeOnTheTestDriver(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	owner := e.customer("owner@example.com", 10*vmtPrice)
	// Workers not yet started: the order is seen as the provisioner will find it.
	p := e.openReady(false)
	ctx := e.ctx

	vm, err := p.Create(ctx, owner, vmOrder("web"))
	must(t, err)
	if vm.Status != vmstatus.Creating || vm.NodeID != e.node.ID || vm.PublicIP != "10.20.0.2" || vm.Hostname == "" {
		t.Fatalf("created VM: status %q node %d ip %q hostname %q", vm.Status, vm.NodeID, vm.PublicIP, vm.Hostname)
	}
	if vm.RootCrypt == "" || strings.Contains(vm.RootCrypt, vmtPassword) {
		t.Fatalf("root password kept as %q, want only its crypt hash", vm.RootCrypt)
	}
	if o := e.order(vm.UUID); o.Status != vmstatus.OrderPending || o.AmountRials != vmtPrice {
		t.Fatalf("order %+v, want %s for %d", o, vmstatus.OrderPending, vmtPrice)
	}
	if got := e.balance(owner); got != 9*vmtPrice {
		t.Fatalf("balance %d after ordering, want %d", got, 9*vmtPrice)
	}
	if n, sum := e.ledgerRows(owner, "vm_order", vm.UUID); n != 1 || sum != -vmtPrice {
		t.Fatalf("%d vm_order ledger rows summing %d, want one of %d", n, sum, -vmtPrice)
	}
	acts, total, err := p.Actions(ctx, owner, vm.UUID, 10, 0)
	must(t, err)
	if total != 1 || acts[0].Type != "create" || acts[0].Status != store.ActionInProgress {
		t.Fatalf("actions of a new VM: %+v", acts)
	}
	_, err = p.Power(ctx, owner, vm.UUID, "start")
	wantStatus(t, err, 409, "")

	p.run()
	e.waitStatus(vm.UUID, vmstatus.Running, 20*time.Second)
	if o := e.order(vm.UUID); o.Status != vmstatus.OrderProvisioned || o.Attempts != 1 {
		t.Fatalf("order after provisioning: %+v", o)
	}
	act, err := p.Action(ctx, owner, acts[0].ID)
	must(t, err)
	if act.Status != store.ActionCompleted || act.CompletedAt == nil {
		t.Fatalf("create action after provisioning: %+v", act)
	}
	if st := e.domains()[vm.UUID]; st != vmstatus.Running {
		t.Fatalf("domain on the node is %q, want running", st)
	}
	if got := e.balance(owner); got != 9*vmtPrice {
		t.Fatalf("balance %d after provisioning, want %d (charged once)", got, 9*vmtPrice)
	}

	// Power: each action ends completed and leaves the VM and its domain in the
	// action's state; asking for the state it is already in is a completed no-op.
	for _, step := range []struct {
		action string
		want   vmstatus.Status
		noop   bool
	}{
		{"start", vmstatus.Running, true},
		{"shutdown", vmstatus.Stopped, false},
		{"shutdown", vmstatus.Stopped, true},
		{"kill", vmstatus.Stopped, true},
		{"start", vmstatus.Running, false},
		{"reboot", vmstatus.Running, false},
		{"kill", vmstatus.Stopped, false},
		{"start", vmstatus.Running, false},
	} {
		a, err := p.Power(ctx, owner, vm.UUID, step.action)
		must(t, err)
		if step.noop && a.Status != store.ActionCompleted {
			t.Fatalf("%s on a %s VM: action %q, want completed at once", step.action, step.want, a.Status)
		}
		if a = waitAction(t, p, owner, a.ID); a.Status != store.ActionCompleted || a.Type != step.action {
			t.Fatalf("%s: action %+v", step.action, a)
		}
		// Polled: the node's own event for the change may land just after the action ends.
		e.waitStatus(vm.UUID, step.want, 30*time.Second)
		if got := e.domains()[vm.UUID]; got != step.want {
			t.Fatalf("after %s the domain is %q, want %q", step.action, got, step.want)
		}
	}
	_, err = p.Power(ctx, owner, vm.UUID, "hibernate")
	wantStatus(t, err, 404, "")

	// Rename: required, at most 64 characters (not bytes).
	_, err = p.Rename(ctx, owner, vm.UUID, "  ")
	wantStatus(t, err, 422, "display_name")
	_, err = p.Rename(ctx, owner, vm.UUID, strings.Repeat("x", 65))
	wantStatus(t, err, 422, "display_name")
	persian := strings.Repeat("ابر", 21) + "ک" // 64 runes, 127 bytes
	got, err := p.Rename(ctx, owner, vm.UUID, persian)
	must(t, err)
	if got.DisplayName != persian {
		t.Fatalf("renamed to %q, want %q", got.DisplayName, persian)
	}

	// Hostname: RFC 1123, kept in lower case.
	got, err = p.SetHostname(ctx, owner, vm.UUID, "web-01")
	must(t, err)
	if got.Hostname != "web-01" {
		t.Fatalf("hostname %q, want web-01", got.Hostname)
	}
	got, err = p.SetHostname(ctx, owner, vm.UUID, "Web-02.Example.COM")
	must(t, err)
	if got.Hostname != "web-02.example.com" {
		t.Fatalf("hostname %q, want web-02.example.com", got.Hostname)
	}
	for _, bad := range []string{"", "-bad", "bad-", "a_b", "a..b", strings.Repeat("a", 64), "وب"} {
		_, err := p.SetHostname(ctx, owner, vm.UUID, bad)
		wantStatus(t, err, 422, "hostname")
	}
	if h := e.vm(vm.UUID).Hostname; h != "web-02.example.com" {
		t.Fatalf("a refused hostname changed it to %q", h)
	}
	err = p.SetPassword(ctx, owner, vm.UUID, "short")
	wantStatus(t, err, 422, "password")
	// The test driver takes a password as a guest agent would.
	must(t, p.SetPassword(ctx, owner, vm.UUID, "another-long-secret"))
	if c := e.vm(vm.UUID).RootCrypt; c == vm.RootCrypt || strings.Contains(c, "another-long-secret") {
		t.Fatalf("after a new password the stored crypt is %q", c)
	}
	// As recorded, details included: the password is not among them.
	events, _, err := e.db.AuditEvents(ctx, store.AuditFilter{UserID: owner.UserID, TargetType: "vm", TargetID: vm.UUID, Limit: 50})
	must(t, err)
	i := slices.IndexFunc(events, func(ev store.AuditEvent) bool { return ev.Action == "vm.password" })
	if i < 0 || events[i].Severity != services.SeveritySecurity || strings.Contains(events[i].Detail, "another") {
		t.Fatalf("no security event without the password for the new password: %+v", events)
	}

	_, total, err = p.Actions(ctx, owner, vm.UUID, 100, 0)
	must(t, err)
	// create, 8 power actions, rename, 2 hostnames, password.
	if total != 13 {
		t.Fatalf("%d actions recorded, want 13", total)
	}

	// Delete: the domain and its disks leave the node, the address is free again.
	a, err := p.Delete(ctx, owner, vm.UUID, true)
	must(t, err)
	if a = waitAction(t, p, owner, a.ID); a.Status != store.ActionCompleted {
		t.Fatalf("delete action %+v", a)
	}
	e.waitStatus(vm.UUID, vmstatus.Destroyed, 30*time.Second)
	if _, ok := e.domains()[vm.UUID]; ok {
		t.Fatal("domain still defined after delete")
	}
	vols, err := e.keeper.Volumes(ctx)
	must(t, err)
	for _, v := range vols {
		if strings.HasPrefix(v, vm.UUID) {
			t.Fatalf("volume %s left after delete (pool: %v)", v, vols)
		}
	}
	// The record stays for the customer's history, with when it was destroyed.
	var destroyedAt *int64
	must(t, e.db.R.QueryRowContext(ctx, `SELECT destroyed_at FROM vms WHERE uuid = ?`, vm.UUID).Scan(&destroyedAt))
	if destroyedAt == nil {
		t.Fatal("destroyed VM has no destroyed_at")
	}
	_, err = p.Rename(ctx, owner, vm.UUID, "ghost")
	wantStatus(t, err, 404, "")
	_, err = p.Power(ctx, owner, vm.UUID, "start")
	wantStatus(t, err, 404, "")

	next, err := p.Create(ctx, owner, vmOrder("web again"))
	must(t, err)
	e.wantReleased(vm, next)
	e.waitStatus(next.UUID, vmstatus.Running, 20*time.Second)
	if got := e.balance(owner); got != 8*vmtPrice {
		t.Fatalf("balance %d after two orders, want %d", got, 8*vmtPrice)
	}
}

// Fifty simultaneous orders against a wallet that pays for five: exactly five
// VMs exist, the balance ends at zero and was never below it.
func TestConcurrentCreatesNeverOverdrawTheWallet(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	owner := e.customer("rush@example.com", 5*vmtPrice)
	p := e.openReady(true)

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created []string
		refused int
		other   []error
	)
	start := make(chan struct{})
	for i := range 50 {
		wg.Go(func() {
			<-start
			vm, err := p.Create(e.ctx, owner, vmOrder(fmt.Sprintf("rush-%d", i)))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil || errStatus(err) == 503 && vm.UUID != "":
				created = append(created, vm.UUID)
			case errStatus(err) == 422 && services.AsError(err).Key == "vm.insufficient_balance":
				refused++
			default:
				other = append(other, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(created) != 5 || refused != 45 || len(other) > 0 {
		t.Fatalf("%d created, %d refused for balance, other errors %v; want 5 and 45", len(created), refused, other)
	}
	if b := e.balance(owner); b != 0 {
		t.Fatalf("balance %d, want 0", b)
	}
	var vms, orders int
	must(t, e.db.R.QueryRowContext(e.ctx, `SELECT count(*) FROM vms WHERE user_id = ?`, owner.UserID).Scan(&vms))
	must(t, e.db.R.QueryRowContext(e.ctx, `SELECT count(*) FROM orders WHERE user_id = ?`, owner.UserID).Scan(&orders))
	if vms != 5 || orders != 5 {
		t.Fatalf("%d VM rows and %d orders, want 5 and 5", vms, orders)
	}
	rows, err := e.db.Ledger(e.ctx, owner.UserID, 1000, 0)
	must(t, err)
	sum := int64(0)
	for _, r := range rows {
		if r.BalanceAfter < 0 {
			t.Fatalf("ledger row %+v took the balance below zero", r)
		}
		sum += r.AmountRials
	}
	if len(rows) != 6 || sum != 0 {
		t.Fatalf("%d ledger rows summing %d, want the top-up and 5 debits summing 0", len(rows), sum)
	}

	ips := map[string]bool{}
	for _, id := range created {
		e.waitStatus(id, vmstatus.Running, 20*time.Second)
		ips[e.vm(id).PublicIP] = true
	}
	if len(ips) != 5 {
		t.Fatalf("5 VMs share addresses: %v", ips)
	}
	doms := e.domains()
	for _, id := range created {
		if doms[id] != vmstatus.Running {
			t.Fatalf("domain %s is %q on the node", id, doms[id])
		}
	}
}

// A VM is its owner's alone: anyone else gets 404 everywhere, as if it did not
// exist; a token gets 403 for a scope it lacks, naming the scope.
func TestAnotherCustomersVMDoesNotExist(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "")
	owner := e.customer("owner@example.com", 10*vmtPrice)
	intruder := e.customer("intruder@example.com", 10*vmtPrice)
	p := e.open(false)
	ctx := e.ctx

	// No node in the region: the VM is recorded and the order waits (503).
	vm, err := p.Create(ctx, owner, vmOrder("mine"))
	wantStatus(t, err, 503, "")
	acts, _, err := p.Actions(ctx, owner, vm.UUID, 10, 0)
	must(t, err)

	for name, call := range map[string]func(services.Principal) error{
		"get":      func(w services.Principal) error { _, err := p.Get(ctx, w, vm.UUID); return err },
		"rename":   func(w services.Principal) error { _, err := p.Rename(ctx, w, vm.UUID, "theirs"); return err },
		"power":    func(w services.Principal) error { _, err := p.Power(ctx, w, vm.UUID, "kill"); return err },
		"delete":   func(w services.Principal) error { _, err := p.Delete(ctx, w, vm.UUID, false); return err },
		"actions":  func(w services.Principal) error { _, _, err := p.Actions(ctx, w, vm.UUID, 10, 0); return err },
		"action":   func(w services.Principal) error { _, err := p.Action(ctx, w, acts[0].ID); return err },
		"page":     func(w services.Principal) error { _, err := p.Page(ctx, w, vm.UUID, 10, 10); return err },
		"hostname": func(w services.Principal) error { _, err := p.SetHostname(ctx, w, vm.UUID, "x1"); return err },
		"password": func(w services.Principal) error { return p.SetPassword(ctx, w, vm.UUID, "another-long-secret") },
	} {
		if err := call(intruder); errStatus(err) != 404 {
			t.Errorf("%s by another customer: %v, want 404", name, err)
		}
	}
	// A VM that does not exist looks the same.
	if _, err := p.Get(ctx, owner, "00000000-0000-4000-8000-000000000000"); errStatus(err) != 404 {
		t.Errorf("get of an unknown uuid: %v, want 404", err)
	}
	list, total, err := p.List(ctx, intruder, services.ListInput{Limit: 50})
	must(t, err)
	if total != 0 || len(list) != 0 {
		t.Fatalf("another customer lists %d VMs", total)
	}
	if got := e.vm(vm.UUID); got.DisplayName != "mine" || got.Status != vmstatus.Creating {
		t.Fatalf("another customer changed the VM: %+v", got)
	}

	readOnly := owner
	readOnly.TokenID, readOnly.TokenName, readOnly.Scopes = 7, "ci", []string{services.ScopeVMRead}
	if _, total, err := p.List(ctx, readOnly, services.ListInput{Limit: 50}); err != nil || total != 1 {
		t.Fatalf("list with vm:read: %d VMs, %v", total, err)
	}
	if _, err := p.Get(ctx, readOnly, vm.UUID); err != nil {
		t.Fatalf("get with vm:read: %v", err)
	}
	_, err = p.Create(ctx, readOnly, vmOrder("more"))
	wantForbidden(t, err, services.ScopeVMCreate)
	_, err = p.Rename(ctx, readOnly, vm.UUID, "renamed")
	wantForbidden(t, err, services.ScopeVMWrite)
	_, err = p.Power(ctx, readOnly, vm.UUID, "kill")
	wantForbidden(t, err, services.ScopeVMWrite)
	_, err = p.SetHostname(ctx, readOnly, vm.UUID, "x1")
	wantForbidden(t, err, services.ScopeVMWrite)
	wantForbidden(t, p.SetPassword(ctx, readOnly, vm.UUID, "another-long-secret"), services.ScopeVMWrite)
	_, err = p.Delete(ctx, readOnly, vm.UUID, false)
	wantForbidden(t, err, services.ScopeVMDelete)

	writer := owner
	writer.TokenID, writer.TokenName, writer.Scopes = 8, "ops", []string{services.ScopeVMWrite}
	_, _, err = p.List(ctx, writer, services.ListInput{Limit: 50})
	wantForbidden(t, err, services.ScopeVMRead)
	if got, err := p.Rename(ctx, writer, vm.UUID, "renamed"); err != nil || got.DisplayName != "renamed" {
		t.Fatalf("rename with vm:write: %q, %v", got.DisplayName, err)
	}
	if b := e.balance(intruder); b != 10*vmtPrice {
		t.Fatalf("the other customer's balance moved to %d", b)
	}
	if b := e.balance(owner); b != 9*vmtPrice {
		t.Fatalf("the refused create charged the owner: balance %d", b)
	}
}

// The list filters by status and by a case-insensitive substring of uuid,
// address or name, pages with limit and offset, and refuses unknown statuses.
func TestListFiltersAndPages(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "")
	owner := e.customer("lister@example.com", 100*vmtPrice)
	other := e.customer("other@example.com", 10*vmtPrice)
	p := e.open(false)
	ctx := e.ctx

	byName := map[string]store.VM{}
	for _, name := range []string{"Web-Alpha", "web-beta", "DB-Gamma", "cache_1", "100% uptime"} {
		vm, err := p.Create(ctx, owner, vmOrder(name))
		wantStatus(t, err, 503, "")
		byName[name] = vm
	}
	if _, err := p.Create(ctx, other, vmOrder("web-other")); errStatus(err) != 503 {
		t.Fatal(err)
	}
	must(t, e.db.SetVMStatus(ctx, byName["Web-Alpha"].ID, vmstatus.Running))
	must(t, e.db.SetVMStatus(ctx, byName["web-beta"].ID, vmstatus.Stopped))
	must(t, e.db.SetVMStatus(ctx, byName["DB-Gamma"].ID, vmstatus.Running))
	must(t, e.db.SetVMStatus(ctx, byName["cache_1"].ID, vmstatus.Destroyed))

	names := func(in services.ListInput) ([]string, int) {
		t.Helper()
		vms, total, err := p.List(ctx, owner, in)
		must(t, err)
		var out []string
		for _, v := range vms {
			out = append(out, v.DisplayName)
		}
		return out, total
	}
	uuid := byName["DB-Gamma"].UUID
	for _, c := range []struct {
		name  string
		in    services.ListInput
		want  []string
		total int
	}{
		{"all live, newest first", services.ListInput{Limit: 50}, []string{"100% uptime", "DB-Gamma", "web-beta", "Web-Alpha"}, 4},
		{"running", services.ListInput{Status: "running", Limit: 50}, []string{"DB-Gamma", "Web-Alpha"}, 2},
		{"destroyed on request", services.ListInput{Status: "destroyed", Limit: 50}, []string{"cache_1"}, 1},
		{"creating", services.ListInput{Status: "creating", Limit: 50}, []string{"100% uptime"}, 1},
		{"name, any case", services.ListInput{Q: "WEB", Limit: 50}, []string{"web-beta", "Web-Alpha"}, 2},
		{"name and status", services.ListInput{Q: "web", Status: "stopped", Limit: 50}, []string{"web-beta"}, 1},
		{"uuid part in upper case", services.ListInput{Q: strings.ToUpper(uuid[9:18]), Limit: 50}, []string{"DB-Gamma"}, 1},
		{"address", services.ListInput{Q: byName["web-beta"].PublicIP, Limit: 50}, []string{"web-beta"}, 1},
		{"% is a character", services.ListInput{Q: "0%", Limit: 50}, []string{"100% uptime"}, 1},
		{"_ is a character", services.ListInput{Q: "_", Status: "destroyed", Limit: 50}, []string{"cache_1"}, 1},
		{"_ matches nothing live", services.ListInput{Q: "b_", Limit: 50}, nil, 0},
		{"no match", services.ListInput{Q: "nothing", Limit: 50}, nil, 0},
		{"first page", services.ListInput{Limit: 2}, []string{"100% uptime", "DB-Gamma"}, 4},
		{"second page", services.ListInput{Limit: 2, Offset: 2}, []string{"web-beta", "Web-Alpha"}, 4},
		{"past the end", services.ListInput{Limit: 2, Offset: 10}, nil, 4},
	} {
		got, total := names(c.in)
		if strings.Join(got, "|") != strings.Join(c.want, "|") || total != c.total {
			t.Errorf("%s: got %q (total %d), want %q (total %d)", c.name, got, total, c.want, c.total)
		}
	}
	for _, bad := range []services.ListInput{
		{Status: "hibernating", Limit: 50},
		{Status: "RUNNING", Limit: 50},
	} {
		_, _, err := p.List(ctx, owner, bad)
		wantStatus(t, err, 422, "status")
	}
	for _, bad := range []services.ListInput{{Limit: 0}, {Limit: 201}} {
		_, _, err := p.List(ctx, owner, bad)
		wantStatus(t, err, 422, "limit")
	}
	_, _, err := p.List(ctx, owner, services.ListInput{Limit: 10, Offset: -1})
	wantStatus(t, err, 422, "offset")
	if got, total := names(services.ListInput{Limit: 200}); total != 4 || len(got) != 4 {
		t.Fatalf("limit 200: %d of %d", len(got), total)
	}
}
