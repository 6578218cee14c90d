package hypervisor

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"

	"abrak/vmstatus"
)

// What the customer keeps under /data on the tiny guest is on the VM's disk:
// once synced it is still there after the reset button and after the plug is
// pulled, and a later boot does not format it again.
func TestTheTinyGuestKeepsWhatItSyncsUnderDataAcrossAResetAndAPowerOff(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	f, n := qemuNode(t, d, 1)
	ev := record(f)
	ctx := ctxT(t)
	vm := newUUID()
	spec := qemuSpec(vm)
	mustDo(t, n.Create(ctx, spec))
	ev.waitFor(t, vm, vmstatus.Running)
	con := openConsole(t, d, vm)
	con.prompt(t, spec.Hostname)
	if got := con.run(t, "awk '$2 == \"/data\" { print $1, $3 }' /proc/mounts"); got != "/dev/vda2 ext2" {
		t.Fatalf("/data is mounted from %q, want ext2 on the disk's second partition", got)
	}
	con.run(t, "echo first-$((6*7)) >/data/first && sync")

	mark := con.mark()
	mustDo(t, n.Reset(ctx, vm))
	con.waitFor(t, mark, "hostname: "+spec.Hostname)
	con.prompt(t, spec.Hostname)
	if got := con.run(t, "cat /data/first"); got != "first-42" {
		t.Fatalf("after a reset /data/first holds %q", got)
	}
	con.run(t, "echo second-$((6*7)) >/data/second && sync")

	mustDo(t, n.PowerOff(ctx, vm))
	ev.waitFor(t, vm, vmstatus.Stopped)
	mustDo(t, n.Start(ctx, vm))
	ev.waitFor(t, vm, vmstatus.Running)
	con = openConsole(t, d, vm)
	con.prompt(t, spec.Hostname)
	if got := con.run(t, "cat /data/first /data/second"); got != "first-42\nsecond-42" {
		t.Fatalf("after a power-off /data holds %q", got)
	}
}

// Once the tiny guest's agent answers, it freezes the guest's data file system
// as qemu-ga does on a cloud image: libvirt counts one file system frozen and
// thawed, a second freeze is refused and guest-info shows what is disabled
// until the thaw, a thaw of nothing thaws none. A live
// backup is then "fs-frozen", and it holds what the guest wrote just before it
// without syncing, which comes back when the backup is restored; without a
// file system to freeze the backup is "crash".
func TestALiveBackupOfTheTinyGuestFreezesItsDataFileSystem(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	f, n := qemuNode(t, d, 1)
	ev := record(f)
	ctx := ctxT(t)
	vm := newUUID()
	spec := qemuSpec(vm)
	mustDo(t, n.Create(ctx, spec))
	ev.waitFor(t, vm, vmstatus.Running)
	con := openConsole(t, d, vm)
	waitAgent(t, n, vm)

	status := func() string { return agentCommand(t, n, vm, `{"execute":"guest-fsfreeze-status"}`) }
	var frozen, again, thawed, thawedAgain int32
	var refused error
	mustDo(t, n.onDomain(ctx, vm, func(lv *libvirt.Libvirt, dom libvirt.Domain) (err error) {
		if frozen, err = lv.DomainFsfreeze(dom, nil, 0); err != nil {
			return err
		}
		again, refused = lv.DomainFsfreeze(dom, nil, 0)
		return nil
	}))
	if got := status(); frozen != 1 || got != `{"return":"frozen"}` {
		t.Fatalf("freeze: %d file systems, status %s; want 1, frozen", frozen, got)
	}
	if refused == nil || !strings.Contains(refused.Error(), "frozen") {
		t.Errorf("a second freeze: %d, %v; want it refused while frozen", again, refused)
	}
	info := agentCommand(t, n, vm, `{"execute":"guest-info"}`)
	for _, want := range []string{`{"name":"guest-fsfreeze-thaw","enabled":true`, `{"name":"guest-fsfreeze-status","enabled":true`,
		`{"name":"guest-fsfreeze-freeze","enabled":false`, `{"name":"guest-set-user-password","enabled":false`} {
		if !strings.Contains(info, want) {
			t.Errorf("guest-info while frozen lacks %s: %s", want, info)
		}
	}
	mustDo(t, n.onDomain(ctx, vm, func(lv *libvirt.Libvirt, dom libvirt.Domain) (err error) {
		if thawed, err = lv.DomainFsthaw(dom, nil, 0); err != nil {
			return err
		}
		thawedAgain, err = lv.DomainFsthaw(dom, nil, 0)
		return err
	}))
	if got := status(); thawed != 1 || thawedAgain != 0 || got != `{"return":"thawed"}` {
		t.Fatalf("thaw: %d then %d file systems, status %s; want 1, 0, thawed", thawed, thawedAgain, got)
	}

	con.prompt(t, spec.Hostname)
	con.run(t, "echo unsynced-$((6*7)) >/data/note")
	var image bytes.Buffer
	bk, err := n.Backup(ctx, vm, &image, nil)
	mustDo(t, err)
	if bk.Consistency != FSFrozen {
		t.Fatalf("a live backup of the tiny guest with its agent up is %q", bk.Consistency)
	}
	if got := status(); got != `{"return":"thawed"}` {
		t.Fatalf("after the backup the agent says %s", got)
	}
	con.run(t, "echo later >/data/note && sync")

	mustDo(t, n.PowerOff(ctx, vm))
	ev.waitFor(t, vm, vmstatus.Stopped)
	mustDo(t, n.RestoreDisk(ctx, vm, DiskImage{Size: int64(image.Len()), Capacity: bk.Capacity,
		Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(image.Bytes())), nil
		}}))
	mustDo(t, n.Start(ctx, vm))
	ev.waitFor(t, vm, vmstatus.Running)
	con = openConsole(t, d, vm)
	con.prompt(t, spec.Hostname)
	if got := con.run(t, "cat /data/note"); got != "unsynced-42" {
		t.Fatalf("the restored backup's /data/note holds %q", got)
	}

	// With nothing to freeze the agent freezes nothing, and the backup is no
	// more than crash-consistent.
	con.run(t, "umount /data")
	bk, err = n.Backup(ctx, vm, io.Discard, nil)
	mustDo(t, err)
	if bk.Consistency != CrashConsistent {
		t.Fatalf("a backup while the agent had nothing to freeze is %q", bk.Consistency)
	}
}

// run types a command on the guest's shell and returns what it printed, its
// lines joined by "\n". Markers the shell computes bound the output, so the
// echoed command line, however the shell wraps it, never matches them.
func (c *serialConsole) run(t testing.TB, command string) string {
	t.Helper()
	mark := c.mark()
	c.typeLine(t, "echo begin-$((6*7)); { "+command+"; } 2>&1; echo end-$((6*7))")
	c.waitFor(t, mark, "end-42")
	c.mu.Lock()
	out := c.out.String()[mark:]
	c.mu.Unlock()
	_, out, _ = strings.Cut(out, "begin-42")
	out, _, _ = strings.Cut(out, "end-42")
	return strings.TrimSpace(strings.ReplaceAll(out, "\r", ""))
}
