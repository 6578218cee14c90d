package hypervisor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"abrak/vmstatus"
)

// A running guest's disk is backed up live, without stopping it: the backup
// holds what the disk held at its instant, not what was written after; it
// comes back onto the VM, and as a new VM on another node; neither node's pool
// keeps a scratch volume.
func TestALiveBackupRestoresOntoItselfAndAsANewVMOnAnotherNode(t *testing.T) {
	t.Parallel()
	fa, a := qemuNode(t, startDaemon(t), 1)
	fb, b := qemuNode(t, startDaemon(t), 2)
	ev, evB := record(fa), record(fb)
	ctx := ctxT(t)
	vm := newUUID()
	mustDo(t, a.Create(ctx, qemuSpec(vm)))
	ev.waitFor(t, vm, vmstatus.Running)

	const at = "512M"
	diskIO(t, a, vm, "write -P 0x5a "+at+" 64k")
	var image bytes.Buffer
	var seen []uint64
	bk, err := a.Backup(ctx, vm, &image, func(done, total uint64) { seen = append(seen, done) })
	mustDo(t, err)
	if st, _ := a.State(ctx, vm); st != vmstatus.Running {
		t.Fatalf("after a live backup the VM is %q", st)
	}
	diskIO(t, a, vm, "write -P 0xa5 "+at+" 64k")

	sum := sha256.Sum256(image.Bytes())
	if bk.Size != int64(image.Len()) || bk.SHA256 != hex.EncodeToString(sum[:]) || bk.Capacity != gib {
		t.Fatalf("backup %+v of %d bytes with sha256 %x", bk, image.Len(), sum)
	}
	if bk.Consistency != FSFrozen && bk.Consistency != CrashConsistent {
		t.Errorf("a running VM's backup is %q", bk.Consistency)
	}
	if !bytes.HasPrefix(image.Bytes(), []byte("QFI\xfb")) {
		t.Fatalf("the backup is not a qcow2 image: % x", image.Bytes()[:8])
	}
	if len(seen) == 0 || seen[len(seen)-1] != bk.Capacity {
		t.Errorf("progress %v, want it to end at the disk's %d bytes", seen, bk.Capacity)
	}
	t.Logf("a 1 GiB disk (%s) backed up in %s into %d bytes", bk.Consistency, bk.Took, bk.Size)
	noScratch(t, a, vm)

	img := DiskImage{Size: int64(image.Len()), Capacity: bk.Capacity, Open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(image.Bytes())), nil
	}}
	if err := a.RestoreDisk(ctx, vm, img); err == nil {
		t.Fatal("restored the disk of a running VM")
	}
	mustDo(t, a.PowerOff(ctx, vm))
	ev.waitFor(t, vm, vmstatus.Stopped)
	mustDo(t, a.RestoreDisk(ctx, vm, img))
	mustDo(t, a.Start(ctx, vm))
	ev.waitFor(t, vm, vmstatus.Running)
	diskIO(t, a, vm, "read -P 0x5a "+at+" 64k")
	noScratch(t, a, vm)

	other := newUUID()
	spec := qemuSpec(other)
	spec.Net.MAC = "52:54:00:00:00:11"
	spec.From = &img
	mustDo(t, b.Create(ctx, spec))
	evB.waitFor(t, other, vmstatus.Running)
	diskIO(t, b, other, "read -P 0x5a "+at+" 64k")
	noScratch(t, b, other)
}

// A backup taken from a VM that is off is its disk as it rests.
func TestABackupOfAStoppedVMIsItsDiskAtRest(t *testing.T) {
	t.Parallel()
	f, n := qemuNode(t, startDaemon(t), 1)
	ev := record(f)
	ctx := ctxT(t)
	vm := newUUID()
	mustDo(t, n.Create(ctx, qemuSpec(vm)))
	ev.waitFor(t, vm, vmstatus.Running)
	mustDo(t, n.PowerOff(ctx, vm))
	ev.waitFor(t, vm, vmstatus.Stopped)
	var image bytes.Buffer
	bk, err := n.Backup(ctx, vm, &image, nil)
	mustDo(t, err)
	if bk.Consistency != PoweredOff || bk.Size != int64(image.Len()) || !bytes.HasPrefix(image.Bytes(), []byte("QFI\xfb")) {
		t.Fatalf("backup of a stopped VM: %+v", bk)
	}
	noScratch(t, n, vm)
}

// diskIO runs a qemu-io command on the VM's disk inside its running QEMU, as
// a guest writing to its disk would, and fails the test when QEMU reports an
// error (a read with -P reports a pattern that does not match).
func diskIO(t testing.TB, n *Node, vm, command string) {
	t.Helper()
	var out string
	mustDo(t, n.onDomain(ctxT(t), vm, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		args, _ := json.Marshal(map[string]any{"execute": "human-monitor-command",
			"arguments": map[string]string{"command-line": fmt.Sprintf("qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend %q", command)}})
		var err error
		out, err = lv.QEMUDomainMonitorCommand(dom, string(args), 0)
		return err
	}))
	var reply struct {
		Return string `json:"return"`
	}
	if err := json.Unmarshal([]byte(out), &reply); err != nil {
		t.Fatalf("qemu-io %s: %s", command, out)
	}
	if r := strings.ToLower(reply.Return); strings.Contains(r, "fail") || strings.Contains(r, "error") {
		t.Fatalf("qemu-io %s: %s", command, reply.Return)
	}
}

// noScratch fails when the node's pool holds a backup's or a restore's scratch volume.
func noScratch(t testing.TB, n *Node, vm string) {
	t.Helper()
	vols, err := n.Volumes(ctxT(t))
	mustDo(t, err)
	for _, name := range []string{backupScratchVolume(vm), restoreScratchVolume(vm)} {
		if slices.Contains(vols, name) {
			t.Errorf("%s left in the pool: %v", name, vols)
		}
	}
}

// A volume's transfer in which no byte moves (a store that stops answering, a
// stream that hangs) is ended after the stall timeout and reported, and what
// it had begun is removed: nothing waits on it forever.
func TestATransferThatStallsIsEndedAndLeavesNothing(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	opts := testOptions()
	opts.StallTimeout = 500 * time.Millisecond
	f := NewFleet(slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	t.Cleanup(func() { f.Close() })
	f.SetNodes([]NodeConfig{{ID: 1, Name: "stall", Region: "thr", URI: d.uri("qemu"), PoolPath: filepath.Join(d.dir, "pool")}})
	n := waitNode(t, f, 1)
	never := make(chan struct{})
	defer close(never)
	err := n.UploadVolume(ctxT(t), "stalled.img", blockingReader(never), 0, 1<<20, "raw")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "stalled") {
		t.Fatalf("an upload that stalls: %v", err)
	}
	vols, err := n.Volumes(ctxT(t))
	mustDo(t, err)
	if slices.Contains(vols, "stalled.img") {
		t.Fatalf("the stalled upload's volume is left: %v", vols)
	}
}

// blockingReader gives no byte until never is closed.
type blockingReader chan struct{}

func (b blockingReader) Read([]byte) (int, error) {
	<-b
	return 0, io.EOF
}
