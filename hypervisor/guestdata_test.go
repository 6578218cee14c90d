package hypervisor

import (
	"strings"
	"testing"

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
