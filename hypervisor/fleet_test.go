package hypervisor

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"abrak/vmstatus"
)

func TestPlacementSpreadsOverNodesAndSkipsOneThatIsDown(t *testing.T) {
	t.Parallel()
	a, b := startDaemon(t), startDaemon(t)
	f := newFleet(t,
		NodeConfig{ID: 1, Name: "a", Region: "thr", URI: a.uri("test"), VCPUs: 8, MemoryMB: 8192, DiskGB: 100},
		NodeConfig{ID: 2, Name: "b", Region: "thr", URI: b.uri("test"), VCPUs: 8, MemoryMB: 8192, DiskGB: 100},
		NodeConfig{ID: 3, Name: "c", Region: "ams", URI: b.uri("test"), VCPUs: 64, MemoryMB: 65536, DiskGB: 1000},
	)
	small := Resources{VCPUs: 1, MemoryMB: 1024, DiskGB: 10}
	used := map[int64]Resources{}
	for range 6 {
		id, err := f.Place("thr", small, used)
		mustDo(t, err)
		used[id] = used[id].add(small)
	}
	if used[1].VCPUs != 3 || used[2].VCPUs != 3 || used[3].VCPUs != 0 {
		t.Fatalf("six VMs were placed %+v, want three on each node of the region", used)
	}
	if _, err := f.Place("thr", Resources{VCPUs: 16, MemoryMB: 1024, DiskGB: 1}, used); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("placing more vCPUs than any node has: %v", err)
	}

	a.down()
	waitDown(t, f, 1)
	if _, err := f.Node(1); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("node of a stopped daemon: %v, want ErrUnavailable", err)
	}
	for range 3 {
		id, err := f.Place("thr", small, map[int64]Resources{})
		mustDo(t, err)
		if id != 2 {
			t.Fatalf("placed on node %d while node 1 is down", id)
		}
	}
	if st := f.Status(); st[0].Up || st[0].Err == "" || !st[1].Up {
		t.Fatalf("status while node 1 is down: %+v", st)
	}

	a.up()
	n := waitNode(t, f, 1)
	if _, err := n.States(ctxT(t)); err != nil {
		t.Fatalf("node 1 after its daemon returned: %v", err)
	}
	if id, err := f.Place("thr", small, map[int64]Resources{2: small}); err != nil || id != 1 {
		t.Fatalf("placement after node 1 returned: node %d, %v", id, err)
	}
}

func TestCallsFailFastWhileLibvirtdRestartsAndRecoverAfter(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	f := newFleet(t, NodeConfig{ID: 1, Name: "test-1", Region: "thr", URI: d.uri("test"), PoolPath: "/abrak"})
	n := waitNode(t, f, 1)
	ev := record(f)
	ctx := ctxT(t)
	img := "template"
	mustDo(t, n.ImportTemplate(ctx, "tiny.qcow2", strings.NewReader(img), int64(len(img)), "qcow2"))
	before := newUUID()
	mustDo(t, n.Create(ctx, testSpec(before)))
	ev.waitFor(t, before, vmstatus.Running)

	d.down()
	waitDown(t, f, 1)
	if _, err := n.States(ctx); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("call while libvirtd is down: %v, want ErrUnavailable", err)
	}
	if err := n.Start(ctx, before); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("start while libvirtd is down: %v, want ErrUnavailable", err)
	}

	d.up()
	waitNode(t, f, 1)
	// The same Node value works again, and events flow on the new connection.
	mustDo(t, n.ImportTemplate(ctx, "tiny.qcow2", strings.NewReader(img), int64(len(img)), "qcow2"))
	after := newUUID()
	mustDo(t, n.Create(ctx, testSpec(after)))
	ev.waitFor(t, after, vmstatus.Running)
	if _, err := n.States(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAHungDaemonCostsOneCallTimeoutThenTheNodeIsDown(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	opts := testOptions()
	opts.CallTimeout = 500 * time.Millisecond
	f := NewFleet(nil, opts)
	t.Cleanup(func() { f.Close() })
	f.SetNodes([]NodeConfig{{ID: 1, Name: "hung", Region: "thr", URI: d.uri("test")}})
	n := waitNode(t, f, 1)

	pid := daemonPID(t, d)
	mustDo(t, syscall.Kill(pid, syscall.SIGSTOP))
	resumed := false
	resume := func() {
		if !resumed {
			syscall.Kill(pid, syscall.SIGCONT)
			resumed = true
		}
	}
	t.Cleanup(resume)

	if _, err := n.States(ctxT(t)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("call to a hung daemon: %v, want ErrUnavailable", err)
	}
	if _, err := f.Node(1); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("node after a call timed out: %v, want ErrUnavailable", err)
	}
	resume()
	// The woken daemon first works through what queued while it was stopped, and
	// the 500 ms call limit still holds: a loaded machine may need a few tries.
	for deadline := time.Now().Add(30 * time.Second); ; {
		n := waitNode(t, f, 1)
		_, err := n.States(ctxT(t))
		if err == nil {
			break
		}
		if !errors.Is(err, ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("after the daemon woke up: %v", err)
		}
	}
}

func daemonPID(t testing.TB, d *daemon) int {
	b, err := os.ReadFile(d.dir + "/libvirtd.pid")
	mustDo(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	mustDo(t, err)
	return pid
}

func waitDown(t testing.TB, f *Fleet, id int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := f.Node(id); errors.Is(err, ErrUnavailable) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %d still up after its daemon stopped", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
