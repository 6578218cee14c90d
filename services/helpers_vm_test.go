package services_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"abrak/hypervisor"
	"abrak/hypervisor/localvirt"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/vmstatus"
)

// The catalog every VM test orders from.
const (
	vmtRegion   = "thr-t"
	vmtNetwork  = "10.20.0.0/24"
	vmtGateway  = "10.20.0.1"
	vmtPlan     = "tiny"
	vmtPrice    = int64(5_000)
	vmtTemplate = "tiny"
	vmtVolume   = "tiny-v1.qcow2"
	vmtPassword = "correct-horse-battery"
)

// vmEnv is one test's world: a SQLite file with the catalog, and (for a driver)
// a private libvirtd with one node in the region plus the test's own connection
// to it (keeper), which imports the template and looks at or changes domains
// behind the panel's back, as an operator with virsh would.
type vmEnv struct {
	t   testing.TB
	ctx context.Context
	db  *store.DB
	log *slog.Logger
	cfg services.VMConfig
	// fleet is what the panels that open opens get (the keeper keeps fleetOptions).
	fleet  hypervisor.Options
	daemon *localvirt.Daemon
	node   store.Node
	keeper *hypervisor.Node
	// keepers is the keeper's fleet: the test's own connections to every node.
	keepers *hypervisor.Fleet
}

// newVMEnv builds the world; driver is "test" (libvirt's test driver), "qemu"
// (real guests from the tiny template) or "" (no node at all).
func newVMEnv(t testing.TB, driver string) *vmEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	e := &vmEnv{t: t, ctx: ctx, log: testLogger(t), cfg: services.VMConfig{
		ShutdownDeadline:  2 * time.Second,
		MaxAttempts:       3,
		RetryBase:         20 * time.Millisecond,
		RetryMax:          200 * time.Millisecond,
		PollInterval:      100 * time.Millisecond,
		ReconcileInterval: 200 * time.Millisecond,
	}, fleet: fleetOptions()}
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "abrak.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	must(t, db.UpsertRegion(ctx, store.Region{Slug: vmtRegion, NameFA: "تهران آزمون", NameEN: "Tehran test", IPNetwork: vmtNetwork, Gateway: vmtGateway}))
	must(t, db.UpsertPlan(ctx, store.Plan{Slug: vmtPlan, NameFA: "کوچک", NameEN: "Tiny", VCPUs: 1, MemoryMB: 256, DiskGB: 1, PriceHourlyRials: vmtPrice, Sort: 1, Active: true}))
	must(t, db.UpsertOSTemplate(ctx, store.OSTemplate{Slug: vmtTemplate, Name: "Tiny Linux", Volume: vmtVolume, MinDiskGB: 1, Sort: 1, Active: true}))
	if driver == "" {
		return e
	}

	e.daemon = localvirt.Start(t)
	uri := "test+unix:///default?socket=" + e.daemon.Socket
	if driver == "qemu" {
		uri = "qemu+unix:///system?socket=" + e.daemon.Socket
	}
	e.node, err = db.UpsertNode(ctx, store.Node{Name: driver + "-1", Region: vmtRegion, URI: uri, VNCHost: "127.0.0.1", Enabled: true,
		VNCSocketDir: e.daemon.VNCDir})
	must(t, err)
	keeper := hypervisor.NewFleet(e.log, fleetOptions())
	t.Cleanup(func() { keeper.Close() })
	keeper.SetNodes([]hypervisor.NodeConfig{nodeConfig(e.node)})
	e.keeper = waitForNode(t, keeper, e.node.ID)
	e.keepers = keeper

	if driver == "qemu" {
		testkit.ImportTinyTemplate(t, ctx, e.keeper, vmtVolume)
	} else {
		img := "the test driver keeps volumes as records, not data"
		must(t, e.keeper.ImportTemplate(ctx, vmtVolume, strings.NewReader(img), int64(len(img)), "qcow2"))
	}
	return e
}

// addNode adds another node of the region on a test-driver libvirtd of its
// own (the world must have been built with the test driver), with the
// template's volume; the keeper's fleet gets it too, which it returns.
func (e *vmEnv) addNode(name string) (store.Node, *hypervisor.Node) {
	e.t.Helper()
	d := localvirt.Start(e.t)
	n, err := e.db.UpsertNode(e.ctx, store.Node{Name: name, Region: vmtRegion, URI: "test+unix:///default?socket=" + d.Socket,
		VNCHost: "127.0.0.1", Enabled: true, VNCSocketDir: d.VNCDir})
	must(e.t, err)
	nodes, err := e.db.Nodes(e.ctx)
	must(e.t, err)
	cfgs := make([]hypervisor.NodeConfig, 0, len(nodes))
	for _, n := range nodes {
		cfgs = append(cfgs, nodeConfig(n))
	}
	e.keepers.SetNodes(cfgs)
	kept := waitForNode(e.t, e.keepers, n.ID)
	img := "the test driver keeps volumes as records, not data"
	must(e.t, kept.ImportTemplate(e.ctx, vmtVolume, strings.NewReader(img), int64(len(img)), "qcow2"))
	return n, kept
}

func nodeConfig(n store.Node) hypervisor.NodeConfig {
	return services.NodeConfig(n)
}

// fleetOptions keep failures quick: a lost daemon is noticed and redialled
// within a second. The probe gets more time than a node would: on a machine
// busy with every package's tests, QEMU alone can take seconds to start, and a
// probe timed out there reads as a kvm that faults.
func fleetOptions() hypervisor.Options {
	return hypervisor.Options{
		CallTimeout:          10 * time.Second,
		ShutdownTimeout:      2 * time.Second,
		ReconnectInterval:    50 * time.Millisecond,
		MaxReconnectInterval: 300 * time.Millisecond,
		ProbeTimeout:         45 * time.Second,
		// A volume's stream that never starts (seen under load) is tried
		// again after this; the default, two minutes, is the operator's.
		StallTimeout: 30 * time.Second,
	}
}

func waitForNode(t testing.TB, f *hypervisor.Fleet, id int64) *hypervisor.Node {
	t.Helper()
	var n *hypervisor.Node
	eventually(t, 30*time.Second, "node answers", func() (bool, string) {
		var err error
		n, err = f.Node(id)
		return err == nil, fmt.Sprint(err)
	})
	return n
}

// panel is one run of the VM service, as one process of Abrak would hold it.
type panel struct {
	*services.VMs
	*services.Workers
	t     testing.TB
	db    *store.DB
	fleet *hypervisor.Fleet
	ctx   context.Context
	stop  func()
	// loops are the workers' loops run started.
	loops sync.WaitGroup
}

// open starts a VM service on the environment's database with its own fleet.
// With run, its workers (events, reconciler, provisioner) start; without, only
// requests are served, as if the workers had not got to anything yet. stop (also
// called at cleanup) ends it as a shutdown or a crash would.
func (e *vmEnv) open(run bool) *panel {
	e.t.Helper()
	fleet := hypervisor.NewFleet(e.log, e.fleet)
	vms, workers := services.NewVMs(e.db, fleet, services.NewAudit(e.db, e.log), nil, nil, nil, e.log, e.cfg)
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	p := &panel{VMs: vms, Workers: workers, db: e.db, t: e.t, fleet: fleet, ctx: ctx}
	p.stop = func() {
		once.Do(func() {
			cancel()
			p.loops.Wait()
			vms.Close()
			fleet.Close()
		})
	}
	e.t.Cleanup(p.stop)
	if run {
		p.run()
	} else {
		must(e.t, workers.SyncNodes(ctx))
	}
	return p
}

// run starts the workers of a panel opened without them.
func (p *panel) run() {
	p.t.Helper()
	must(p.t, p.Prepare(p.ctx))
	for _, loop := range []func(context.Context){p.RunProvisioner, p.RunReconciler, p.RunBiller, p.RunTemplateSync, p.RunDrains} {
		p.loops.Add(1)
		go func() { defer p.loops.Done(); loop(p.ctx) }()
	}
}

// openReady is open that also waits for the node to answer, so that Create places at once.
func (e *vmEnv) openReady(run bool) *panel {
	e.t.Helper()
	p := e.open(run)
	waitForNode(e.t, p.fleet, e.node.ID)
	return p
}

// customer adds a user with balance rials in the wallet.
// onTheBridge puts the node's guests on the namespace's bridge and gives the
// bridge the region's gateway address, for tests that reach a real guest
// over its network.
func (e *vmEnv) onTheBridge() {
	e.t.Helper()
	e.node.Bridge, e.node.VNCSocketDir = e.daemon.Bridge, e.daemon.VNCDir
	var err error
	e.node, err = e.db.UpsertNode(e.ctx, e.node)
	must(e.t, err)
	if out, err := exec.Command("ip", "netns", "exec", e.daemon.Netns, "ip", "addr", "replace", vmtGateway+"/24", "dev", e.daemon.Bridge).CombinedOutput(); err != nil {
		e.t.Fatalf("the region's gateway on the bridge: %v: %s", err, out)
	}
}

func (e *vmEnv) customer(email string, balance int64) services.Principal {
	e.t.Helper()
	u, err := e.db.CreateUser(e.ctx, store.User{Email: email, Name: email, PasswordHash: "x"})
	must(e.t, err)
	if balance > 0 {
		_, err := e.db.Credit(e.ctx, u.ID, balance, "topup", "test")
		must(e.t, err)
	}
	return services.Principal{UserID: u.ID, Email: email, IP: "192.0.2.7"}
}

func vmOrder(name string) services.CreateVMInput {
	return services.CreateVMInput{PlanSlug: vmtPlan, OSTemplateSlug: vmtTemplate, AuthMode: "password",
		CustomPassword: vmtPassword, DisplayName: name, Region: vmtRegion}
}

func (e *vmEnv) vm(uuid string) store.VM {
	e.t.Helper()
	vm, err := e.db.VMByUUID(e.ctx, uuid)
	must(e.t, err)
	return vm
}

func (e *vmEnv) order(uuid string) store.Order {
	e.t.Helper()
	o, err := e.db.OrderForVM(e.ctx, e.vm(uuid).ID)
	must(e.t, err)
	return o
}

func (e *vmEnv) balance(p services.Principal) int64 {
	e.t.Helper()
	u, err := e.db.UserByID(e.ctx, p.UserID)
	must(e.t, err)
	return u.BalanceRials
}

// ledgerRows counts a customer's ledger rows of a kind about one VM, and sums them.
func (e *vmEnv) ledgerRows(p services.Principal, kind, uuid string) (int, int64) {
	e.t.Helper()
	rows, err := e.db.Ledger(e.ctx, p.UserID, 10_000, 0)
	must(e.t, err)
	n, sum := 0, int64(0)
	for _, r := range rows {
		if r.Kind == kind && r.Ref == uuid {
			n++
			sum += r.AmountRials
		}
	}
	return n, sum
}

// domains is what the node itself holds: domain UUID → state.
func (e *vmEnv) domains() map[string]vmstatus.Status {
	e.t.Helper()
	var infos []hypervisor.DomainInfo
	eventually(e.t, 20*time.Second, "node lists its domains", func() (bool, string) {
		var err error
		infos, err = e.keeper.States(e.ctx)
		return err == nil, fmt.Sprint(err)
	})
	out := map[string]vmstatus.Status{}
	for _, i := range infos {
		out[i.UUID] = i.State
	}
	return out
}

// waitStatus waits for a VM's recorded status and returns how long that took.
func (e *vmEnv) waitStatus(uuid string, want vmstatus.Status, within time.Duration) time.Duration {
	e.t.Helper()
	return eventually(e.t, within, "vm "+uuid+" "+string(want), func() (bool, string) {
		vm := e.vm(uuid)
		return vm.Status == want, fmt.Sprintf("status %q, order %q attempts %d error %q", vm.Status, vm.OrderStatus, vm.Attempts, vm.OrderError)
	})
}

// waitAction waits until an action is no longer in progress and returns it.
func waitAction(t testing.TB, p *panel, who services.Principal, id int64) services.Action {
	t.Helper()
	var a services.Action
	eventually(t, 30*time.Second, fmt.Sprintf("action %d ends", id), func() (bool, string) {
		var err error
		a, err = p.Action(context.Background(), who, id)
		must(t, err)
		return !a.InProgress(), a.Status
	})
	return a
}

// eventually polls cond until it holds, failing the test at the deadline with the
// last thing cond saw; it returns how long the condition took.
func eventually(t testing.TB, within time.Duration, what string, cond func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(within)
	for {
		ok, saw := cond()
		if ok {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s (last seen: %s)", what, within, saw)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// errStatus is the HTTP status a service error carries; 0 for success.
func errStatus(err error) int {
	if err == nil {
		return 0
	}
	return services.AsError(err).Status
}

// wantStatus checks a service error's status and, for validation errors, the field it names.
func wantStatus(t testing.TB, err error, code int, field string) {
	t.Helper()
	if errStatus(err) != code {
		t.Fatalf("got %v (status %d), want status %d", err, errStatus(err), code)
	}
	if field != "" {
		if _, ok := services.AsError(err).Fields[field]; !ok {
			t.Fatalf("422 %v does not name field %q: %v", err, field, services.AsError(err).Fields)
		}
	}
}

// wantForbidden checks a 403 that names the missing scope.
func wantForbidden(t testing.TB, err error, scope string) {
	t.Helper()
	var e *services.Error
	if !errors.As(err, &e) || e.Status != 403 || !slices.Contains(e.Args, scope) {
		t.Fatalf("got %v, want 403 naming %s", err, scope)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// testLogger sends the services' warnings to the test's log, and stops at the
// end of the test so a late goroutine cannot log into a finished test.
func testLogger(t testing.TB) *slog.Logger {
	w := &testLogWriter{t: t}
	t.Cleanup(w.close)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testLogWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testLogWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSpace(string(b)))
	}
	return len(b), nil
}

func (w *testLogWriter) close() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

// Create orders as the doors do and answers as the API does, with a 503 while
// the order waits for a hypervisor; the VM comes back as its row, for tests
// that look behind the doors.
func (p *panel) Create(ctx context.Context, who services.Principal, in services.CreateVMInput) (store.VM, error) {
	o, err := p.VMs.Create(ctx, who, in)
	if err != nil {
		return store.VM{}, err
	}
	if o.Waiting != "" {
		err = services.Unavailable(o.Waiting, nil)
	}
	vm, rerr := p.db.VMByUUID(ctx, o.VM.UUID)
	must(p.t, rerr)
	return vm, err
}

// wantReleased checks that gone's addresses went back to the pool, and rest in
// quarantine: next, ordered after, did not get them.
func (e *vmEnv) wantReleased(gone, next store.VM) {
	e.t.Helper()
	var live int
	must(e.t, e.db.R.QueryRowContext(e.ctx, `SELECT count(*) FROM addresses WHERE vm_id = ? AND released_at IS NULL`, gone.ID).Scan(&live))
	if live != 0 {
		e.t.Fatalf("%s still holds %d addresses", gone.DisplayName, live)
	}
	if next.PublicIP == "" || next.PublicIP == gone.PublicIP || gone.PublicIPv6 != "" && next.PublicIPv6 == gone.PublicIPv6 {
		e.t.Fatalf("next VM got %q / %q; %s had %q / %q, which rest in quarantine", next.PublicIP, next.PublicIPv6,
			gone.DisplayName, gone.PublicIP, gone.PublicIPv6)
	}
}

// staff is the operator's services over the env's panel, as the /admin pages
// get them.
func (e *vmEnv) staff(p *panel) *services.Staff {
	return services.NewStaff(e.db, services.NewAudit(e.db, e.log), p.Workers, time.Hour)
}

// asSupport is the customer made a support person who has signed in with
// two factors.
func asSupport(c services.Principal) services.Principal {
	return services.Principal{UserID: c.UserID, StaffRole: store.StaffSupport, TwoFactor: true}
}
