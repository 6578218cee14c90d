package hypervisor

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"abrak/hypervisor/localvirt"
	"abrak/vmstatus"
)

// region is two nodes of one region on private daemons that share a network
// namespace and its bridge, as two hosts of a region share its network: a
// guest keeps its addresses on either. Each takes live migrations on sockets
// in its state folder.
type region struct {
	f      *Fleet
	a, b   *Node
	da, db *daemon
	ev     *events
}

func newRegion(t testing.TB) *region {
	t.Helper()
	da := startDaemon(t)
	dbl := localvirt.StartBeside(t, da.Daemon)
	db := &daemon{Daemon: dbl, t: t, dir: dbl.Dir}
	cfg := func(d *daemon, id int64) NodeConfig {
		return NodeConfig{ID: id, Name: "node-" + strconv.FormatInt(id, 10), Region: "thr", URI: d.uri("qemu"),
			PoolPath: filepath.Join(d.dir, "pool"), VNCSocketDir: d.VNCDir, Bridge: d.Bridge,
			MigrationAddress: "unix://" + d.MigrateDir}
	}
	f := newFleet(t, cfg(da, 1), cfg(db, 2))
	r := &region{f: f, a: waitNode(t, f, 1), b: waitNode(t, f, 2), da: da, db: db, ev: record(f)}
	img, format := tinyTemplate(t)
	importFile(t, r.a, img, format)
	importFile(t, r.b, img, format)
	return r
}

// regionSpec is a tiny guest with an address on the region's bridge.
func regionSpec(id string, host byte) DomainSpec {
	s := qemuSpec(id)
	s.Net = Network{MAC: fmt.Sprintf("52:54:00:00:01:%02x", host), IPv4: fmt.Sprintf("198.51.100.%d", host),
		Prefix4: 24, Gateway4: "198.51.100.1"}
	return s
}

// runningGuest creates the VM on n and waits until its address answers.
func (r *region) runningGuest(t testing.TB, n *Node, spec DomainSpec) {
	t.Helper()
	mustDo(t, n.Create(ctxT(t), spec))
	r.ev.waitFor(t, spec.UUID, vmstatus.Running)
	r.waitAnswers(t, spec.Net.IPv4)
}

func (r *region) waitAnswers(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for exec.Command("ip", "netns", "exec", r.da.Netns, "ping", "-c", "1", "-W", "1", addr).Run() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("%s never answered a ping from the gateway", addr)
		}
	}
}

// pingStream pings addr from the gateway every 200 ms until stop, which
// returns how many were sent and how many answered.
type pingStream struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	replies int
	summary string
	done    chan struct{}
}

func startPing(t testing.TB, netns, addr string) *pingStream {
	t.Helper()
	p := &pingStream{cmd: exec.Command("ip", "netns", "exec", netns, "ping", "-n", "-i", "0.2", "-W", "1", addr),
		done: make(chan struct{})}
	out, err := p.cmd.StdoutPipe()
	mustDo(t, err)
	mustDo(t, p.cmd.Start())
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			if strings.Contains(sc.Text(), "bytes from") {
				p.replies++
			}
			if strings.Contains(sc.Text(), "transmitted") {
				p.summary = sc.Text()
			}
			p.mu.Unlock()
		}
	}()
	return p
}

func (p *pingStream) answered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.replies
}

// waitReplies waits until the stream has k more answers than it had at from.
func (p *pingStream) waitReplies(t testing.TB, from, k int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for p.answered() < from+k {
		if time.Now().After(deadline) {
			t.Fatalf("the address stopped answering: %d answers, waited for %d", p.answered(), from+k)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var pingSummary = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

func (p *pingStream) stop(t testing.TB) (sent, received int) {
	t.Helper()
	mustDo(t, p.cmd.Process.Signal(os.Interrupt))
	<-p.done
	p.cmd.Wait()
	m := pingSummary.FindStringSubmatch(p.summary)
	if m == nil {
		t.Fatalf("ping's summary: %q", p.summary)
	}
	sent, _ = strconv.Atoi(m[1])
	received, _ = strconv.Atoi(m[2])
	return sent, received
}

// holdsNothingOf fails unless the node has no domain and no volume of the VM.
func holdsNothingOf(t testing.TB, n *Node, vm string) {
	t.Helper()
	if _, err := n.State(ctxT(t), vm); !errors.Is(err, ErrNotFound) {
		t.Errorf("%s still has the domain of %s: %v", n.Config().Name, vm, err)
	}
	vols, err := n.Volumes(ctxT(t))
	mustDo(t, err)
	for _, v := range vols {
		if strings.Contains(v, vm) {
			t.Errorf("%s still holds %s: %v", n.Config().Name, v, vols)
		}
	}
}

// persistentDefinition is the VM's definition on n.
func persistentDefinition(t testing.TB, n *Node, vm string) libvirtxml.Domain {
	t.Helper()
	var d libvirtxml.Domain
	mustDo(t, n.onDomain(ctxT(t), vm, func(lv *libvirt.Libvirt, dom libvirt.Domain) (err error) {
		d, err = definition(lv, dom)
		return err
	}))
	return d
}

// sameMachine fails unless the moved VM is the one it was: name, MAC, the
// addresses its filter holds it to, its console password.
func sameMachine(t testing.TB, before, after libvirtxml.Domain) {
	t.Helper()
	iface := func(d libvirtxml.Domain) string {
		i := d.Devices.Interfaces[0]
		return fmt.Sprintf("%s %+v", i.MAC.Address, i.FilterRef.Parameters)
	}
	pw := func(d libvirtxml.Domain) string { return d.Devices.Graphics[0].VNC.Passwd }
	if before.Name != after.Name || before.UUID != after.UUID || iface(before) != iface(after) || pw(before) != pw(after) || pw(after) == "" {
		t.Errorf("the VM changed on the way: %s %s %s %q, now %s %s %s %q", before.Name, before.UUID, iface(before), pw(before),
			after.Name, after.UUID, iface(after), pw(after))
	}
}

// consoleAnswers dials the VM's console where its node says it is.
func consoleAnswers(t testing.TB, n *Node, vm, password string) {
	t.Helper()
	addr, err := n.VNC(ctxT(t), vm)
	mustDo(t, err)
	if !strings.HasPrefix(addr.Socket, n.Config().VNCSocketDir+"/") || addr.Password != password {
		t.Fatalf("console of the moved VM at %+v", addr)
	}
	conn, err := net.DialTimeout("unix", addr.Socket, 5*time.Second)
	mustDo(t, err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	banner := make([]byte, 12)
	if _, err := io.ReadFull(conn, banner); err != nil || string(banner) != "RFB 003.008\n" {
		t.Fatalf("console banner %q, %v", banner, err)
	}
}

// noStateSeen fails when the fleet reported the VM stopped, crashed or gone.
func (e *events) noStateSeen(t testing.TB, vm string, states ...vmstatus.Status) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.all {
		if ev.UUID == vm && slices.Contains(states, ev.State) {
			t.Errorf("the fleet reported %s %q from node %d during its move", vm, ev.State, ev.NodeID)
		}
	}
}

const marker = "write -P 0x5a 512M 64k"
const markerRead = "read -P 0x5a 512M 64k"

// A running guest moves live to another node of its region: it runs there
// with what its disk held, its address answers from the same bridge after a
// short pause, its console is the target's, the source holds nothing of it,
// and the panel never hears it stop or vanish.
func TestARunningVMMovesLiveToAnotherNodeOfItsRegion(t *testing.T) {
	t.Parallel()
	r := newRegion(t)
	ctx := ctxT(t)
	vm := newUUID()
	spec := regionSpec(vm, 11)
	r.runningGuest(t, r.a, spec)
	before := persistentDefinition(t, r.a, vm)
	diskIO(t, r.a, vm, marker)

	ping := startPing(t, r.da.Netns, spec.Net.IPv4)
	ping.waitReplies(t, 0, 3)
	var seen []uint64
	var total uint64
	res, err := r.a.Migrate(ctx, vm, r.b, MigrateOptions{Progress: func(done, all uint64) {
		seen = append(seen, done)
		total = all
	}})
	mustDo(t, err)
	ping.waitReplies(t, ping.answered(), 5)
	sent, received := ping.stop(t)

	if res.Mode != LiveMove || res.Cold != "" || !res.Running || res.TargetDirty || res.SourceDirty {
		t.Fatalf("a running VM between two nodes that take live migrations: %+v", res)
	}
	if st, err := r.b.State(ctx, vm); err != nil || st != vmstatus.Running {
		t.Fatalf("on the target the VM is %q, %v", st, err)
	}
	diskIO(t, r.b, vm, markerRead)
	holdsNothingOf(t, r.a, vm)
	sameMachine(t, before, persistentDefinition(t, r.b, vm))
	consoleAnswers(t, r.b, vm, spec.VNCPassword)
	if len(seen) == 0 || seen[len(seen)-1] > total {
		t.Errorf("progress %v of %d", seen, total)
	}
	r.ev.noStateSeen(t, vm, vmstatus.Stopped, vmstatus.Crashed, vmstatus.Destroyed, vmstatus.Paused)
	t.Logf("live move of a tiny guest (1 GiB disk): %s (libvirt's migration %s), downtime %s (QEMU's), %d bytes sent; ping every 200 ms: %d of %d lost",
		res.Took.Round(time.Millisecond), res.Copying.Round(time.Millisecond), res.Downtime, res.Bytes, sent-received, sent)

	// The same VM moves back, so a node it left takes it again.
	res, err = r.b.Migrate(ctx, vm, r.a, MigrateOptions{})
	mustDo(t, err)
	if res.Mode != LiveMove {
		t.Fatalf("moving back: %+v", res)
	}
	diskIO(t, r.a, vm, markerRead)
	holdsNothingOf(t, r.b, vm)
}

// Asked to move cold, a running guest is shut down, its disk and seed are
// copied, and it starts on the target as the same machine: the downtime is
// its shutdown and boot; the source holds nothing of it.
func TestARunningVMMovesColdWhenAskedAndStartsOnTheTarget(t *testing.T) {
	t.Parallel()
	r := newRegion(t)
	ctx := ctxT(t)
	vm := newUUID()
	spec := regionSpec(vm, 12)
	r.runningGuest(t, r.a, spec)
	before := persistentDefinition(t, r.a, vm)
	diskIO(t, r.a, vm, marker)

	ping := startPing(t, r.da.Netns, spec.Net.IPv4)
	ping.waitReplies(t, 0, 3)
	var seen []uint64
	var total uint64
	res, err := r.a.Migrate(ctx, vm, r.b, MigrateOptions{Cold: true, Progress: func(done, all uint64) {
		seen = append(seen, done)
		total = all
	}})
	mustDo(t, err)
	ping.waitReplies(t, ping.answered(), 5)
	sent, received := ping.stop(t)

	if res.Mode != ColdMove || res.Cold != ColdAsked || !res.Running || res.TargetDirty || res.SourceDirty {
		t.Fatalf("a cold move: %+v", res)
	}
	if st, err := r.b.State(ctx, vm); err != nil || st != vmstatus.Running {
		t.Fatalf("on the target the VM is %q, %v", st, err)
	}
	diskIO(t, r.b, vm, markerRead)
	holdsNothingOf(t, r.a, vm)
	sameMachine(t, before, persistentDefinition(t, r.b, vm))
	consoleAnswers(t, r.b, vm, spec.VNCPassword)
	if len(seen) == 0 || seen[len(seen)-1] != total || total != res.Bytes {
		t.Errorf("progress %v of %d; %d bytes copied", seen, total, res.Bytes)
	}
	if seed := seedContents(t, r.b, vm); !strings.Contains(seed["network-config"], spec.Net.IPv4) {
		t.Errorf("the seed on the target: %v", seed)
	}
	t.Logf("cold move of a tiny guest (1 GiB disk): %s (copy %s), downtime %s, %d bytes copied; ping every 200 ms: %d of %d lost",
		res.Took.Round(time.Millisecond), res.Copying.Round(time.Millisecond), res.Downtime.Round(time.Millisecond), res.Bytes, sent-received, sent)
}

// A VM with snapshots moves cold even where it could move live (libvirt
// migrates no domain with snapshots live), and its snapshots come along:
// listed on the target and reverted to there.
func TestAVMWithSnapshotsMovesColdAndTakesThemAlong(t *testing.T) {
	t.Parallel()
	r := newRegion(t)
	ctx := ctxT(t)
	vm := newUUID()
	spec := regionSpec(vm, 13)
	r.runningGuest(t, r.a, spec)
	mustDo(t, r.a.PowerOff(ctx, vm))
	r.ev.waitFor(t, vm, vmstatus.Stopped)
	mustDo(t, r.a.CreateSnapshot(ctx, vm, "clean", ""))
	mustDo(t, r.a.Start(ctx, vm))
	r.ev.waitFor(t, vm, vmstatus.Running)
	diskIO(t, r.a, vm, marker)

	res, err := r.a.Migrate(ctx, vm, r.b, MigrateOptions{ShutdownTimeout: 20 * time.Second})
	mustDo(t, err)
	if res.Mode != ColdMove || res.Cold != ColdSnapshots || !res.Running {
		t.Fatalf("a running VM with a snapshot: %+v", res)
	}
	diskIO(t, r.b, vm, markerRead)
	snaps, err := r.b.ListSnapshots(ctx, vm)
	mustDo(t, err)
	if len(snaps) != 1 || snaps[0].Name != "clean" || !snaps[0].Current || snaps[0].State != vmstatus.Stopped {
		t.Fatalf("snapshots on the target: %+v", snaps)
	}
	holdsNothingOf(t, r.a, vm)
	mustDo(t, r.b.RevertSnapshot(ctx, vm, "clean"))
	mustDo(t, r.b.Start(ctx, vm))
	r.waitAnswers(t, spec.Net.IPv4)
	diskIO(t, r.b, vm, "read -P 0 512M 64k")
}

// A live move whose target dies midway (its QEMU killed while the disk is
// copied) leaves the VM running where it was, its disk as it was, and
// nothing of it on the target.
func TestALiveMoveWhoseTargetDiesMidwayLeavesTheVMRunningWhereItWas(t *testing.T) {
	t.Parallel()
	r := newRegion(t)
	ctx := ctxT(t)
	vm := newUUID()
	spec := regionSpec(vm, 14)
	r.runningGuest(t, r.a, spec)
	diskIO(t, r.a, vm, marker)

	var once sync.Once
	var killed error
	res, err := r.a.Migrate(ctx, vm, r.b, MigrateOptions{BandwidthMiB: 2, Progress: func(done, _ uint64) {
		if done > 0 {
			once.Do(func() { killed = killGuest(r.db, vm) })
		}
	}})
	mustDo(t, killed)
	if err == nil {
		t.Fatalf("the move went through with the target's QEMU killed: %+v", res)
	}
	t.Logf("the failed live move: %v", err)
	if res.TargetDirty || res.SourceDirty || res.Unsettled {
		t.Errorf("after a failed move with both nodes up: %+v", res)
	}
	if st, err := r.a.State(ctx, vm); err != nil || st != vmstatus.Running {
		t.Fatalf("after a failed move the VM is %q, %v", st, err)
	}
	r.waitAnswers(t, spec.Net.IPv4)
	diskIO(t, r.a, vm, markerRead)
	holdsNothingOf(t, r.b, vm)
	r.ev.noStateSeen(t, vm, vmstatus.Stopped, vmstatus.Crashed, vmstatus.Destroyed)
}

// A cold move whose target's daemon stops during the copy starts the VM
// again where it was; what the copy left on the target, which could not be
// removed then, is named (TargetDirty) and goes with Delete once the target
// is back.
func TestAColdMoveWhoseTargetStopsDuringTheCopyLeavesTheVMRunningWhereItWas(t *testing.T) {
	t.Parallel()
	r := newRegion(t)
	ctx := ctxT(t)
	vm := newUUID()
	spec := regionSpec(vm, 15)
	r.runningGuest(t, r.a, spec)
	diskIO(t, r.a, vm, marker)

	var once sync.Once
	res, err := r.a.Migrate(ctx, vm, r.b, MigrateOptions{Cold: true, Progress: func(done, _ uint64) {
		if done > 0 {
			once.Do(r.db.down)
		}
	}})
	if err == nil {
		t.Fatalf("the move went through with the target stopped: %+v", res)
	}
	t.Logf("the failed cold move: %v", err)
	if !res.TargetDirty || res.Unsettled {
		t.Errorf("the target could not be cleaned before the VM started there, and the result says %+v", res)
	}
	if st, err := r.a.State(ctx, vm); err != nil || st != vmstatus.Running {
		t.Fatalf("after a failed move the VM is %q, %v", st, err)
	}
	r.waitAnswers(t, spec.Net.IPv4)
	diskIO(t, r.a, vm, markerRead)

	r.db.up()
	b := waitNode(t, r.f, 2)
	mustDo(t, b.Delete(ctx, vm))
	holdsNothingOf(t, b, vm)
}

// killGuest kills the VM's QEMU on the daemon, as a crash would.
func killGuest(d *daemon, vm string) error {
	b, err := os.ReadFile(filepath.Join(d.dir, "run", "qemu", vm+".pid"))
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	return syscall.Kill(pid, syscall.SIGKILL)
}

// On libvirt's test driver (the services' fast tests) a VM moves cold: its
// definition and volume records go to the other node and it runs there; the
// source keeps nothing.
func TestAVMMovesColdBetweenTestDriverNodes(t *testing.T) {
	t.Parallel()
	da, db := startDaemon(t), startDaemon(t)
	f := newFleet(t,
		NodeConfig{ID: 1, Name: "test-1", Region: "thr", URI: da.uri("test"), PoolPath: "/abrak"},
		NodeConfig{ID: 2, Name: "test-2", Region: "thr", URI: db.uri("test"), PoolPath: "/abrak", MigrationAddress: "unix:///nowhere"})
	a, b := waitNode(t, f, 1), waitNode(t, f, 2)
	img := "not a real disk: the test driver keeps volumes as records"
	for _, n := range []*Node{a, b} {
		mustDo(t, n.ImportTemplate(ctxT(t), "tiny.qcow2", strings.NewReader(img), int64(len(img)), "qcow2"))
	}
	ctx := ctxT(t)
	vm := newUUID()
	mustDo(t, a.Create(ctx, testSpec(vm)))
	res, err := a.Migrate(ctx, vm, b, MigrateOptions{})
	mustDo(t, err)
	if res.Mode != ColdMove || res.Cold != ColdNoLivePath || !res.Running {
		t.Fatalf("a move between test-driver nodes: %+v", res)
	}
	if st, err := b.State(ctx, vm); err != nil || st != vmstatus.Running {
		t.Fatalf("on the target the VM is %q, %v", st, err)
	}
	holdsNothingOf(t, a, vm)
	vols, err := b.Volumes(ctx)
	mustDo(t, err)
	if !slices.Contains(vols, rootVolume(vm)) || !slices.Contains(vols, seedVolume(vm)) {
		t.Fatalf("volumes on the target: %v", vols)
	}
	if _, err := a.Migrate(ctx, vm, b, MigrateOptions{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("moving a VM its node does not have: %v", err)
	}
}
