package hypervisor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"abrak/vmstatus"

	libvirt "github.com/digitalocean/go-libvirt"
)

// The tiny guest's agent takes the panel's new root password, tells the customer on
// the console, and login would accept it; a refreshed seed renames the guest and
// resets its password at the next boot, whether the seed keeps its size or grows.
func TestGuestAgentAndSeedRefreshReachTheTinyGuest(t *testing.T) {
	t.Parallel()
	start := time.Now()
	d := startDaemon(t)
	f, n := qemuNode(t, d, 1)
	ev := record(f)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	vm := newUUID()
	spec := qemuSpec(vm)
	mustDo(t, n.Create(ctx, spec))
	ev.waitFor(t, vm, vmstatus.Running)
	con := openConsole(t, d, vm)
	t.Logf("create to running: %s since the test began", time.Since(start).Round(time.Millisecond))

	// The agent starts a moment after the guest boots; until then libvirt says none
	// is connected.
	booted := time.Now()
	const password = "N3w-Passw0rd!"
	for deadline := time.Now().Add(90 * time.Second); ; {
		err := n.SetPassword(ctx, vm, "root", password)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrNoAgent) || time.Now().After(deadline) {
			t.Fatalf("set password through the tiny guest's agent: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("running to a password set through the agent: %s", time.Since(booted).Round(time.Millisecond))
	con.waitFor(t, 0, "root password changed by the panel")
	con.prompt(t, spec.Hostname)
	con.checkRootPassword(t, password)

	if out := agentCommand(t, n, vm, `{"execute":"guest-get-host-name"}`); !strings.Contains(out, `"host-name":"`+spec.Hostname+`"`) {
		t.Errorf("guest-get-host-name answered %s", out)
	}
	if err := n.SetPassword(ctx, vm, "nobody", password); err == nil || errors.Is(err, ErrNoAgent) {
		t.Errorf("password of a user the guest lacks: %v, want the agent's refusal", err)
	}
	var unknown error
	mustDo(t, n.onDomain(ctx, vm, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		_, unknown = lv.QEMUDomainAgentCommand(dom, `{"execute":"guest-exec","arguments":{"path":"/bin/true"}}`, -1, 0)
		return nil
	}))
	if unknown == nil || !strings.Contains(unknown.Error(), "has not been found") {
		t.Errorf("an unknown agent command: %v, want CommandNotFound", unknown)
	}
	// An agent without guest-exec (this one) cannot take a hostname at once:
	// ErrNoAgent, which the panel answers with "at next boot".
	if err := n.SetHostname(ctx, vm, "web-01"); !errors.Is(err, ErrNoAgent) {
		t.Errorf("a hostname through an agent without guest-exec: %v, want ErrNoAgent", err)
	}

	// Same-size seed: rewritten in place under the running guest.
	seedSize := volumeCapacity(t, n, seedVolume(vm))
	spec.Hostname = "renamed-" + vm[:8]
	spec.RootPassword = "S33d-Passw0rd"
	mustDo(t, n.RefreshSeed(ctx, spec))
	if got := seedContents(t, n, vm)["meta-data"]; !strings.Contains(got, `"local-hostname": "`+spec.Hostname+`"`) {
		t.Fatalf("refreshed meta-data:\n%s", got)
	}
	mark := con.mark()
	mustDo(t, n.Reset(ctx, vm))
	con.waitFor(t, mark, "hostname: "+spec.Hostname)
	con.prompt(t, spec.Hostname)
	con.checkRootPassword(t, spec.RootPassword)
	if got := volumeCapacity(t, n, seedVolume(vm)); got != seedSize {
		t.Errorf("seed volume went from %d to %d bytes for a seed of the same size", seedSize, got)
	}

	// A seed that outgrows its volume: the volume grows and QEMU is handed the
	// medium again.
	for i := range 12 {
		spec.SSHKeys = append(spec.SSHKeys, fmt.Sprintf("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%0200d key-%d@abrak", i, i))
	}
	spec.Hostname = "grown-" + vm[:8]
	mustDo(t, n.RefreshSeed(ctx, spec))
	if got := volumeCapacity(t, n, seedVolume(vm)); got <= seedSize {
		t.Fatalf("seed volume is %d bytes after a larger seed (was %d)", got, seedSize)
	}
	if got := seedContents(t, n, vm)["user-data"]; !strings.Contains(got, "key-11@abrak") {
		t.Fatalf("refreshed user-data lacks the new keys:\n%s", got)
	}
	mark = con.mark()
	mustDo(t, n.Reset(ctx, vm))
	con.waitFor(t, mark, "hostname: "+spec.Hostname)

	if err := n.RefreshSeed(ctx, qemuSpec(newUUID())); !errors.Is(err, ErrNotFound) {
		t.Errorf("refresh the seed of a VM that does not exist: %v, want ErrNotFound", err)
	}
	// With an agent connected, libvirt asks it (not ACPI) to power the guest down.
	waitAgent(t, n, vm)
	mark = con.mark()
	mustDo(t, n.Shutdown(ctx, vm, time.Minute))
	con.waitFor(t, mark, "powerdown requested by the panel")
	if st, _ := n.State(ctx, vm); st != vmstatus.Stopped {
		t.Fatalf("after a graceful shutdown the VM is %q", st)
	}
	mustDo(t, n.Delete(ctx, vm))
	t.Logf("whole test: %s", time.Since(start).Round(time.Millisecond))
}

// waitAgent waits until the guest's agent answers guest-ping; the deadline only
// bounds a guest that never boots.
func waitAgent(t testing.TB, n *Node, id string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		err := n.onDomain(ctxT(t), id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
			_, err := lv.QEMUDomainAgentCommand(dom, `{"execute":"guest-ping"}`, -1, 0)
			return err
		})
		if err == nil {
			return
		}
		if !errors.Is(err, ErrNoAgent) || time.Now().After(deadline) {
			t.Fatalf("guest-ping: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func agentCommand(t testing.TB, n *Node, id, cmd string) string {
	t.Helper()
	var out libvirt.OptString
	mustDo(t, n.onDomain(ctxT(t), id, func(lv *libvirt.Libvirt, dom libvirt.Domain) (err error) {
		out, err = lv.QEMUDomainAgentCommand(dom, cmd, -1, 0)
		return err
	}))
	return strings.Join(out, "")
}

// serialConsole is the guest's serial console, read and typed on through libvirt as
// the panel's console would, on a connection of its own (the stream lasts as long as
// the guest).
type serialConsole struct {
	mu      sync.Mutex
	out     bytes.Buffer
	changed chan struct{}
	keys    *io.PipeWriter
}

func openConsole(t testing.TB, d *daemon, id string) *serialConsole {
	t.Helper()
	u, err := url.Parse(d.uri("qemu"))
	mustDo(t, err)
	lv, err := libvirt.ConnectToURI(u)
	mustDo(t, err)
	dom, err := lookupDomain(lv, id)
	mustDo(t, err)
	keys, typed := io.Pipe()
	c := &serialConsole{changed: make(chan struct{}, 1), keys: typed}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		lv.DomainOpenConsoleBidirectional(dom, nil, keys, c, uint32(libvirt.DomainConsoleForce))
	}()
	t.Cleanup(func() {
		typed.Close()
		lv.Disconnect()
		select {
		case <-ended:
		case <-time.After(10 * time.Second):
			t.Errorf("the console stream outlived its connection")
		}
	})
	return c
}

func (c *serialConsole) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.out.Write(p)
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

// mark is where the output written from now on begins.
func (c *serialConsole) mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.Len()
}

// waitFor waits until the output after from shows one of wants and returns it. The
// deadline only bounds a guest that never boots; it is not a speed requirement.
func (c *serialConsole) waitFor(t testing.TB, from int, wants ...string) string {
	t.Helper()
	deadline := time.After(90 * time.Second)
	for {
		c.mu.Lock()
		got := c.out.String()[from:]
		c.mu.Unlock()
		for _, w := range wants {
			if strings.Contains(got, w) {
				return w
			}
		}
		select {
		case <-c.changed:
		case <-deadline:
			t.Fatalf("serial console never showed %q; it shows:\n%s", wants, got)
		}
	}
}

// prompt presses Enter and waits for the shell's prompt, which names the host.
func (c *serialConsole) prompt(t testing.TB, host string) {
	t.Helper()
	mark := c.mark()
	c.typeLine(t, "")
	c.waitFor(t, mark, host+"# ")
}

func (c *serialConsole) typeLine(t testing.TB, line string) {
	t.Helper()
	if _, err := io.WriteString(c.keys, line+"\r"); err != nil {
		t.Fatalf("type on the serial console: %v", err)
	}
}

// checkRootPassword types on the console a check that hashes password with the salt
// of root's entry in /etc/shadow and compares, as login would. The answer is computed
// by the shell so the echoed command line never matches it.
func (c *serialConsole) checkRootPassword(t testing.TB, password string) {
	t.Helper()
	mark := c.mark()
	cmd := `h=$(sed -n 's/^root:\([^:]*\):.*/\1/p' /etc/shadow); ` +
		`[ "$(mkpasswd -m sha512 '` + password + `' "$(echo "$h" | cut -d'$' -f3)")" = "$h" ] && ` +
		`echo "password-$((6*7))-accepted" || echo "password-$((6*7))-refused"`
	c.typeLine(t, cmd)
	if got := c.waitFor(t, mark, "password-42-accepted", "password-42-refused"); got != "password-42-accepted" {
		t.Fatalf("root's password in /etc/shadow is not %q", password)
	}
}
