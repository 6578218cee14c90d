package testkit

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/hypervisor"
	"abrak/hypervisor/localvirt"
	"abrak/services"
	"abrak/store"
	"abrak/vmstatus"
)

// QEMUPanel is a running panel whose one node is a private libvirtd booting
// real QEMU guests (TCG) from the tiny template, with its workers
// (provisioner, reconciler, events) started, for tests that need VMs to really
// run. The catalog is one region, one plan and one template:
//
//	qp := NewQEMUPanel(t)                       // opts as for NewApp, applied after the fixture's
//	u := qp.customer(t, "ana@example.com")      // a user whose wallet pays for many hours
//	p := qp.SignedInTab(t, u.Email, "fa")       // a fresh Chromium, signed in through the form
//	qp.VMs.Create(ctx, principal, services.CreateVMInput{PlanSlug: QEMUPlan, OSTemplateSlug: QEMUTemplate, …})
//	qp.Domains(t)                               // the node's domains: UUID → state, asked of libvirt
//	node, daemon := qp.AddNode(t, "qemu-2")     // a second node of the region, beside the first (same bridge)
//
// Workers, panel and libvirtd (guests included) stop when the test ends, in
// that order. Intervals are short so that a guest is seen running about a
// second after it boots; a graceful shutdown powers off after 10 s, because
// the guest ignores an ACPI press that comes before it has booted.
type QEMUPanel struct {
	*App
	Node store.Node
	// Daemon is the node's libvirtd; its network namespace holds the bridge the
	// guests join, with the region's gateways on it (see net_test.go).
	Daemon *localvirt.Daemon
	// stopWorkers stops this panel's workers, as a panel that exits does; the
	// HTTP side keeps answering (see RestartedPanel).
	stopWorkers context.CancelFunc
	// opts are the test's settings, which a restarted panel keeps (its rate
	// limits above all: a restart with the defaults answers the test's polls 429).
	opts []func(*app.Config)
}

// The fixture's catalog.
const (
	QEMURegion   = "thr-q"
	QEMUPlan     = "tiny"
	QEMUTemplate = "tiny-linux"
	// QEMUBalanceRials pays for a thousand hours of QEMUPlan.
	QEMUBalanceRials  = 1_000_000
	QEMUPlanRialsHour = 1_000
	// The region's pools: the gateways are the bridge's addresses in the daemon's
	// namespace (scripts/libvirt/up.sh); the range is small enough to run out.
	qemuNet4, QEMUGateway4 = "198.51.100.0/24", "198.51.100.1"
	qemuFirst4, qemuLast4  = "198.51.100.10", "198.51.100.40"
	qemuNet6, QEMUGateway6 = "2001:db8:ab::/64", "2001:db8:ab::1"
)

// NewQEMUPanel builds the panel on a node that uses kvm where the host has a
// working one (the probe decides) and TCG elsewhere.
func NewQEMUPanel(t *testing.T, opts ...func(*app.Config)) *QEMUPanel {
	t.Helper()
	return newQEMUPanelOn(t, localvirt.Start, opts...)
}

// NewQEMUPanelWithoutKVM is NewQEMUPanel on a node that finds no /dev/kvm, on any host.
func NewQEMUPanelWithoutKVM(t *testing.T, opts ...func(*app.Config)) *QEMUPanel {
	t.Helper()
	return newQEMUPanelOn(t, localvirt.StartWithoutKVM, opts...)
}

func newQEMUPanelOn(t *testing.T, startDaemon func(testing.TB) *localvirt.Daemon, opts ...func(*app.Config)) *QEMUPanel {
	t.Helper()
	if testing.Short() {
		t.Skip("needs real QEMU guests")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Started first so that it stops last, after the panel has let go of it.
	d := startDaemon(t)
	a := NewApp(t, append([]func(*app.Config){qemuIntervals}, opts...)...)

	must(t, a.DB.UpsertRegion(ctx, store.Region{Slug: QEMURegion, NameFA: "تهران", NameEN: "Tehran"}))
	_, err := a.DB.AddPool(ctx, store.Pool{Region: QEMURegion, Network: qemuNet4, Gateway: QEMUGateway4, First: qemuFirst4, Last: qemuLast4,
		Resolvers: []string{QEMUGateway4}})
	must(t, err)
	_, err = a.DB.AddPool(ctx, store.Pool{Region: QEMURegion, Network: qemuNet6, Gateway: QEMUGateway6})
	must(t, err)
	must(t, a.DB.UpsertPlan(ctx, store.Plan{Slug: QEMUPlan, NameFA: "کوچک", NameEN: "Tiny", VCPUs: 1, MemoryMB: 256, DiskGB: 1,
		PriceHourlyRials: QEMUPlanRialsHour, Sort: 1, Active: true}))
	must(t, a.DB.UpsertOSTemplate(ctx, store.OSTemplate{Slug: QEMUTemplate, Name: "Tiny Linux", Volume: "tiny-v1.qcow2", MinDiskGB: 1, Sort: 1, Active: true}))
	node, err := a.DB.UpsertNode(ctx, qemuNode("qemu-1", d))
	must(t, err)

	n, stop := start(t, a, node)
	// The operator's import of the template, through the panel's own connection.
	ImportTinyTemplate(t, ctx, n, "tiny-v1.qcow2")
	return &QEMUPanel{App: a, Node: node, Daemon: d, stopWorkers: stop, opts: opts}
}

// qemuNode is a node of the fixture's region on d, which takes live
// migrations in on a socket of its state folder.
func qemuNode(name string, d *localvirt.Daemon) store.Node {
	return store.Node{Name: name, Region: QEMURegion, URI: "qemu+unix:///system?socket=" + d.Socket,
		VNCHost: "127.0.0.1", Enabled: true, Bridge: d.Bridge, VNCSocketDir: d.VNCDir, MigrationAddress: "unix://" + d.MigrateDir}
}

// AddNode adds a second node to the panel's region, as the operator's
// add-node does: a private libvirtd beside the first one (its network
// namespace and bridge, so a guest keeps its addresses on either), with the
// tiny template imported. It returns once the panel's workers use the node.
func (qp *QEMUPanel) AddNode(t *testing.T, name string) (store.Node, *localvirt.Daemon) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := localvirt.StartBeside(t, qp.Daemon)
	node, err := qp.DB.UpsertNode(ctx, qemuNode(name, d))
	must(t, err)
	var n *hypervisor.Node
	WaitFor(t, time.Minute, "the panel's fleet has node "+name, func() bool {
		n, err = qp.Fleet.Node(node.ID)
		return err == nil
	})
	ImportTinyTemplate(t, ctx, n, "tiny-v1.qcow2")
	return node, d
}

// qemuIntervals are the fixture's worker intervals: short, so a guest is seen
// running about a second after it boots.
func qemuIntervals(c *app.Config) {
	c.VM = services.VMConfig{PollInterval: 100 * time.Millisecond, ReconcileInterval: time.Second,
		RetryBase: 50 * time.Millisecond, RetryMax: time.Second, ShutdownDeadline: 10 * time.Second}
	c.Fleet = hypervisor.Options{ReconnectInterval: 50 * time.Millisecond, MaxReconnectInterval: 500 * time.Millisecond}
}

// RestartedPanel stops qp's workers and starts a second panel on the same
// database and node, as a restart of the panel's process does.
func (qp *QEMUPanel) RestartedPanel(t *testing.T) *App {
	t.Helper()
	qp.stopWorkers()
	opts := append([]func(*app.Config){qemuIntervals}, qp.opts...)
	b := NewApp(t, append(opts, func(c *app.Config) { c.DBPath = qp.DBPath })...)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return b
}

// Customer signs a user up and fills their wallet with QEMUBalanceRials.
func (qp *QEMUPanel) Customer(t *testing.T, email string) store.User {
	t.Helper()
	u := qp.CreateUser(t, email, Password)
	if _, err := qp.DB.Credit(context.Background(), u.ID, QEMUBalanceRials, "test", ""); err != nil {
		t.Fatal(err)
	}
	return qp.User(t, email)
}

// SignedInTab starts a Chromium of its own (fresh profile, stopped when t
// ends) and signs email in through the sign-in page in lang.
func (qp *QEMUPanel) SignedInTab(t *testing.T, email, lang string) *Tab {
	t.Helper()
	p := NewTab(t, NewBrowser(t), qp.URL)
	p.Open("/signin?lang=" + lang)
	p.Fill(map[string]string{"#f-email": email, "#f-password": Password})
	p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
	return p
}

// Domains lists the node's domains as libvirt reports them: UUID → state.
func (qp *QEMUPanel) Domains(t *testing.T) map[string]vmstatus.Status {
	t.Helper()
	return qp.DomainsOn(t, qp.Node)
}

// DomainsOn is Domains of another node of the panel (AddNode).
func (qp *QEMUPanel) DomainsOn(t *testing.T, node store.Node) map[string]vmstatus.Status {
	t.Helper()
	n, err := qp.Fleet.Node(node.ID)
	if err != nil {
		t.Fatalf("node %s: %v", node.Name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	infos, err := n.States(ctx)
	if err != nil {
		t.Fatalf("domains of %s: %v", node.Name, err)
	}
	out := make(map[string]vmstatus.Status, len(infos))
	for _, d := range infos {
		out[d.UUID] = d.State
	}
	return out
}

// NewTestDriverPanel is a running panel whose one node is libvirt's test
// driver (region thr-t, plan and template "tiny", the template's volume on the
// node), with its workers started: for tests of what the panel does around a
// VM, not of the guest.
func NewTestDriverPanel(t *testing.T, opts ...func(*app.Config)) *App {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d := localvirt.Start(t)
	a := NewApp(t, append([]func(*app.Config){func(c *app.Config) {
		c.VM = services.VMConfig{PollInterval: 100 * time.Millisecond, ReconcileInterval: time.Second, ShutdownDeadline: time.Second}
		c.Fleet = hypervisor.Options{ReconnectInterval: 50 * time.Millisecond, MaxReconnectInterval: 500 * time.Millisecond}
	}}, opts...)...)
	must(t, a.DB.UpsertRegion(ctx, store.Region{Slug: "thr-t", NameFA: "تهران", NameEN: "Tehran", IPNetwork: "10.32.0.0/24", Gateway: "10.32.0.1"}))
	must(t, a.DB.UpsertPlan(ctx, store.Plan{Slug: "tiny", NameFA: "کوچک", NameEN: "Tiny", VCPUs: 1, MemoryMB: 256, DiskGB: 1, PriceHourlyRials: 1_000, Sort: 1, Active: true}))
	must(t, a.DB.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "tiny", Name: "Tiny Linux", Volume: "tiny-v1.qcow2", MinDiskGB: 1, Sort: 1, Active: true}))
	node, err := a.DB.UpsertNode(ctx, store.Node{Name: "test-1", Region: "thr-t", URI: "test+unix:///default?socket=" + d.Socket, VNCHost: "127.0.0.1", Enabled: true, VNCSocketDir: d.VNCDir})
	must(t, err)
	n, _ := start(t, a, node)
	img := "the test driver keeps volumes as records"
	must(t, n.ImportTemplate(ctx, "tiny-v1.qcow2", strings.NewReader(img), int64(len(img)), "qcow2"))

	return a
}

// ImportTinyTemplate puts the tiny template (localvirt.Template: a real image
// that boots in seconds under TCG) on node as volume, as the operator's
// import does.
func ImportTinyTemplate(t testing.TB, ctx context.Context, node *hypervisor.Node, volume string) {
	t.Helper()
	tf := localvirt.Template(t)
	f, err := os.Open(tf.File)
	must(t, err)
	defer f.Close()
	st, err := f.Stat()
	must(t, err)
	must(t, node.ImportTemplate(ctx, volume, f, st.Size(), tf.Format))
}

// start starts a's workers (stopped when t ends, or by the function it
// returns) and waits until the panel's own connection to node answers.
func start(t *testing.T, a *App, node store.Node) (*hypervisor.Node, context.CancelFunc) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	must(t, a.Start(ctx))
	var n *hypervisor.Node
	WaitFor(t, 30*time.Second, "the node answers", func() bool {
		var err error
		n, err = a.Fleet.Node(node.ID)
		return err == nil
	})
	return n, stop
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
