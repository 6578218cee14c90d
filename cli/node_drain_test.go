package cli

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/hypervisor/localvirt"
	"abrak/services"
	"abrak/testkit"
	"abrak/vmstatus"
)

// The operator adds a node that takes live migrations, drains the other one
// while the panel runs, and reads each VM's outcome as the panel moves it; the
// drained node shows as draining in `admin nodes` until it is undrained. A
// migration address libvirt could not listen at is refused.
func TestTheOperatorDrainsANodeAndReadsEachVMsOutcome(t *testing.T) {
	a := testkit.NewTestDriverPanel(t, func(c *app.Config) { c.VM.DrainInterval = 100 * time.Millisecond })
	ctx := context.Background()
	u := a.CreateUser(t, "ana@example.com", testkit.Password)
	if _, err := a.DB.Credit(ctx, u.ID, 1_000_000, "topup", "test"); err != nil {
		t.Fatal(err)
	}
	o, err := a.VMs.Create(ctx, a.PrincipalOf(t, u.Email), services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny", Region: "thr-t",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "web"})
	if err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool {
		vm, err := a.DB.VMByUUID(ctx, o.VM.UUID)
		return err == nil && vm.Status == vmstatus.Running
	})
	run := func(f func(context.Context, []string, io.Writer) error, args ...string) (string, error) {
		var out bytes.Buffer
		err := f(ctx, append([]string{"--db", a.DBPath}, args...), &out)
		return out.String(), err
	}

	d := localvirt.Start(t)
	node := []string{"--name", "test-2", "--region", "thr-t", "--uri", "test+unix:///default?socket=" + d.Socket, "--vnc-socket-dir", d.VNCDir}
	if _, err := run(adminAddNode, append(node, "--migration-address", "tcp://node 2/x")...); err == nil || !strings.Contains(err.Error(), "tcp://HOST or unix:///DIR") {
		t.Fatalf("a malformed migration address: %v", err)
	}
	out, err := run(adminAddNode, append(node, "--migration-address", "unix://"+d.MigrateDir, "--peer-uri", "test+unix:///default?socket="+d.Socket)...)
	if err != nil || !strings.Contains(out, "live migrations in at unix://"+d.MigrateDir) {
		t.Fatalf("add-node: %v %q", err, out)
	}
	if out, err := run(adminSetNode, "--name", "test-2", "--migration-address", "tcp://10.0.0.2"); err != nil || !strings.Contains(out, `"tcp://10.0.0.2"`) {
		t.Fatalf("set-node: %v %q", err, out)
	}
	n2, err := a.DB.NodeByName(ctx, "test-2")
	if err != nil || n2.MigrationAddress != "tcp://10.0.0.2" || n2.PeerURI != "test+unix:///default?socket="+d.Socket {
		t.Fatalf("the node's migration settings: %+v, %v", n2, err)
	}
	testkit.WaitFor(t, time.Minute, "the panel uses test-2", func() bool { _, err := a.Fleet.Node(n2.ID); return err == nil })
	kept, _ := a.Fleet.Node(n2.ID)
	img := "the test driver keeps volumes as records"
	if err := kept.ImportTemplate(ctx, "tiny-v1.qcow2", strings.NewReader(img), int64(len(img)), "qcow2"); err != nil {
		t.Fatal(err)
	}

	out, err = run(adminDrainNode, "--name", "test-1")
	if err != nil {
		t.Fatalf("drain-node: %v\n%s", err, out)
	}
	for _, want := range []string{"node test-1: draining", "moved     " + o.VM.UUID + " (web) to test-2: cold (no-live-path)", "node test-1 holds no VM"} {
		if !strings.Contains(out, want) {
			t.Errorf("drain-node does not say %q:\n%s", want, out)
		}
	}
	if vm, err := a.DB.VMByUUID(ctx, o.VM.UUID); err != nil || vm.NodeID != n2.ID {
		t.Fatalf("after the drain the VM is on node %d, %v", vm.NodeID, err)
	}
	if out, err := run(adminNodes); err != nil || !strings.Contains(lineOf(out, "test-1"), "draining") || strings.Contains(lineOf(out, "test-2"), "draining") {
		t.Fatalf("nodes: %v\n%s", err, out)
	}
	if out, err := run(adminDrainNode, "--name", "test-1", "--undrain"); err != nil || !strings.Contains(out, "takes new VMs again") {
		t.Fatalf("undrain: %v %q", err, out)
	}
	if out, err := run(adminNodes); err != nil || strings.Contains(out, "draining") {
		t.Fatalf("nodes after the undrain: %v\n%s", err, out)
	}
	if _, err := run(adminDrainNode, "--name", "test-9"); err == nil || !strings.Contains(err.Error(), `no node "test-9"`) {
		t.Fatalf("draining an unknown node: %v", err)
	}
}

// lineOf is the line of out that names name.
func lineOf(out, name string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, name+" ") {
			return l
		}
	}
	return ""
}
