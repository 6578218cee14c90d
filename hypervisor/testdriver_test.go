package hypervisor

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"abrak/vmstatus"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// testNode connects a fleet to libvirt's test driver on a private daemon and imports
// a template volume into its pool.
func testNode(t testing.TB) (*Fleet, *Node) {
	d := startDaemon(t)
	f := newFleet(t, NodeConfig{ID: 1, Name: "test-1", Region: "thr", URI: d.uri("test"), PoolPath: "/abrak"})
	n := waitNode(t, f, 1)
	img := "not a real disk: the test driver keeps volumes as records"
	if err := n.ImportTemplate(ctxT(t), "tiny.qcow2", strings.NewReader(img), int64(len(img)), "qcow2"); err != nil {
		t.Fatal(err)
	}
	return f, n
}

func testSpec(id string) DomainSpec {
	return DomainSpec{
		UUID: id, VCPUs: 1, MemoryMB: 256, DiskGB: 1,
		Template: TemplateRef{Volume: "tiny.qcow2"},
		Hostname: "vm-" + id[:8], RootPassword: "s3cret", SSHKeys: []string{"ssh-ed25519 AAAA test@abrak"},
		Net: Network{MAC: "52:54:00:00:00:10", IPv4: "192.0.2.10", Prefix4: 24, Gateway4: "192.0.2.1"}, VNCPassword: "vncpw123",
		Owner: "user-7", Plan: "small",
	}
}

func TestManyDomainsLiveTheirWholeLifeOnTheTestDriver(t *testing.T) {
	t.Parallel()
	f, n := testNode(t)
	ev := record(f)
	ctx := ctxT(t)

	var ids []string
	for range 20 {
		ids = append(ids, newUUID())
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for _, id := range ids {
		wg.Go(func() { errs <- n.Create(ctx, testSpec(id)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// The provisioner may repeat a create after a crash: no second domain appears.
	if err := n.Create(ctx, testSpec(ids[0])); err != nil {
		t.Fatalf("repeated create: %v", err)
	}
	states := statesByUUID(t, n)
	for _, id := range ids {
		if states[id] != vmstatus.Running {
			t.Fatalf("%s is %q after create, want running", id, states[id])
		}
		ev.waitFor(t, id, vmstatus.Running)
	}

	vm := ids[0]
	d := domainDef(t, n, vm)
	if d.Name != vm || d.UUID != vm || d.Metadata == nil || !strings.Contains(d.Metadata.XML, "user-7") {
		t.Fatalf("domain definition lacks name, uuid or owner metadata: %+v", d)
	}
	if err := n.Start(ctx, vm); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("start of a running VM: %v, want ErrInvalidState", err)
	}
	if err := n.Start(ctx, newUUID()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("start of an unknown VM: %v, want ErrNotFound", err)
	}

	mustDo(t, n.Suspend(ctx, vm))
	ev.waitFor(t, vm, vmstatus.Paused)
	mustDo(t, n.Resume(ctx, vm))
	ev.waitFor(t, vm, vmstatus.Running)
	mustDo(t, n.Reboot(ctx, vm))
	mustDo(t, n.Reset(ctx, vm))
	if err := n.Resize(ctx, vm, 2, 512, 0); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("resize of a running VM: %v, want ErrInvalidState", err)
	}
	mustDo(t, n.Shutdown(ctx, vm, 0))
	ev.waitFor(t, vm, vmstatus.Stopped)
	mustDo(t, n.Resize(ctx, vm, 2, 512, 0))
	if d := domainDef(t, n, vm); d.VCPU.Value != 2 || memoryKiB(d.Memory.Value, d.Memory.Unit) != 512*1024 {
		t.Fatalf("after resize: %d vCPUs, %d %s", d.VCPU.Value, d.Memory.Value, d.Memory.Unit)
	}
	if d := domainDef(t, n, vm); d.Devices.Graphics[0].VNC.Passwd != "vncpw123" {
		t.Fatal("resize lost the VNC password")
	}
	mustDo(t, n.Start(ctx, vm))
	ev.waitFor(t, vm, vmstatus.Running)

	mustDo(t, n.CreateSnapshot(ctx, vm, "before", ""))
	if err := n.CreateSnapshot(ctx, vm, "before", ""); !errors.Is(err, ErrConflict) {
		t.Fatalf("second snapshot with the same name: %v, want ErrConflict", err)
	}
	mustDo(t, n.PowerOff(ctx, vm))
	ev.waitFor(t, vm, vmstatus.Stopped)
	snaps, err := n.ListSnapshots(ctx, vm)
	mustDo(t, err)
	if len(snaps) != 1 || snaps[0].Name != "before" || snaps[0].State != vmstatus.Running || !snaps[0].Current {
		t.Fatalf("snapshots: %+v", snaps)
	}
	mustDo(t, n.RevertSnapshot(ctx, vm, "before"))
	if st, _ := n.State(ctx, vm); st != vmstatus.Running {
		t.Fatalf("after revert to a running snapshot the VM is %q", st)
	}
	mustDo(t, n.DeleteSnapshot(ctx, vm, "before"))
	mustDo(t, n.CreateSnapshot(ctx, vm, "kept", ""))
	mustDo(t, n.Rebuild(ctx, testSpec(vm)))
	if snaps, _ := n.ListSnapshots(ctx, vm); len(snaps) != 0 {
		t.Fatalf("snapshots survived a rebuild: %+v", snaps)
	}

	for _, id := range ids {
		mustDo(t, n.Delete(ctx, id))
	}
	mustDo(t, n.Delete(ctx, vm)) // again: already gone is fine
	ev.waitFor(t, ids[len(ids)-1], vmstatus.Destroyed)
	states = statesByUUID(t, n)
	vols, err := n.Volumes(ctx)
	mustDo(t, err)
	for _, id := range ids {
		if _, ok := states[id]; ok {
			t.Fatalf("%s still defined after delete", id)
		}
		if slices.Contains(vols, rootVolume(id)) || slices.Contains(vols, seedVolume(id)) {
			t.Fatalf("volumes of %s left behind: %v", id, vols)
		}
	}
}

func TestStatesOf200DomainsComeInOneCall(t *testing.T) {
	t.Parallel()
	_, n := testNode(t)
	ctx := ctxT(t)
	caps, err := n.Capabilities(ctx)
	mustDo(t, err)
	// Defined from the same XML as Create, without volumes: the test driver's pool
	// has room for about 100 root disks.
	want := map[string]vmstatus.Status{}
	for i := range 200 {
		id := newUUID()
		doc, err := domainXML(testSpec(id), n.Config(), caps, bootPaths{})
		mustDo(t, err)
		mustDo(t, n.call(ctx, func(lv *libvirt.Libvirt) error {
			_, err := lv.DomainDefineXMLFlags(doc, 0)
			return err
		}))
		want[id] = vmstatus.Stopped
		if i%3 != 0 {
			mustDo(t, n.Start(ctx, id))
			want[id] = vmstatus.Running
		}
	}
	got := statesByUUID(t, n)
	for id, st := range want {
		if got[id] != st {
			t.Fatalf("%s: %q, want %q", id, got[id], st)
		}
	}
}

func statesByUUID(t testing.TB, n *Node) map[string]vmstatus.Status {
	t.Helper()
	infos, err := n.States(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]vmstatus.Status{}
	for _, i := range infos {
		out[i.UUID] = i.State
	}
	return out
}

func domainDef(t testing.TB, n *Node, id string) libvirtxml.Domain {
	t.Helper()
	var d libvirtxml.Domain
	err := n.onDomain(ctxT(t), id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		doc, err := lv.DomainGetXMLDesc(dom, libvirt.DomainXMLInactive|libvirt.DomainXMLSecure)
		if err != nil {
			return err
		}
		return d.Unmarshal(doc)
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(fmt.Errorf("%w", err))
	}
}
