package services_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/vmstatus"
)

// Seed 003's power_cycle and password_reset on a real guest: the reset
// restarts the guest's kernel (a new boot id, an uptime from zero) without
// asking it; password_reset asked at once after it, while the guest boots,
// waits for its agent; the password it shows once lets root in over SSH
// while the old one no longer does.
func TestPowerCycleAndPasswordResetOnARealGuest(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "qemu")
	e.onTheBridge()
	owner := e.customer("cycle@example.com", 100*vmtPrice)
	p := e.openReady(true)
	vm := e.runningVM(p, owner, "cycle")
	guest := loginShell{netns: e.daemon.Netns, addr: vm.PublicIP, password: vmtPassword}
	guest.wait(t)

	bootID := func() (string, float64) {
		out, err := guest.ssh("cat /proc/sys/kernel/random/boot_id; cut -d' ' -f1 /proc/uptime")
		must(t, err)
		f := strings.Fields(out)
		if len(f) != 2 {
			t.Fatalf("boot id and uptime: %q", out)
		}
		up, err := strconv.ParseFloat(f[1], 64)
		must(t, err)
		return f[0], up
	}
	before, _ := bootID()
	asked := time.Now()
	done, err := p.RunAction(e.ctx, owner, vm.UUID, services.ActionRequest{Type: "power_cycle"})
	must(t, err)
	if done.Action.Type != "reset" || done.Action.Region != vmtRegion || done.Action.VMUUID != vm.UUID {
		t.Fatalf("power_cycle's action %+v", done.Action)
	}
	if a := waitAction(t, p, owner, done.Action.ID); a.Status != store.ActionCompleted {
		t.Fatalf("the reset ended %+v", a)
	}
	// At once, as a script would: the guest is booting again and its agent not
	// up yet, so the reset waits for the agent (AgentBootWait) and sets it then.
	reset, err := p.RunAction(e.ctx, owner, vm.UUID, services.ActionRequest{Type: "password_reset"})
	must(t, err)
	if reset.Password == "" || reset.Action.Type != "password_reset" || reset.Action.Status != store.ActionCompleted {
		t.Fatalf("password_reset answered %+v", reset)
	}
	t.Logf("password_reset right after the reset: set %.1f s after asking for the reset", time.Since(asked).Seconds())
	fresh := loginShell{netns: e.daemon.Netns, addr: vm.PublicIP, password: reset.Password}
	fresh.wait(t)
	bootID = func() (string, float64) {
		out, err := fresh.ssh("cat /proc/sys/kernel/random/boot_id; cut -d' ' -f1 /proc/uptime")
		must(t, err)
		f := strings.Fields(out)
		if len(f) != 2 {
			t.Fatalf("boot id and uptime: %q", out)
		}
		up, err := strconv.ParseFloat(f[1], 64)
		must(t, err)
		return f[0], up
	}
	after, uptime := bootID()
	if after == before {
		t.Fatalf("the guest kept boot id %s through power_cycle", before)
	}
	if since := time.Since(asked).Seconds(); uptime > since {
		t.Errorf("uptime %.1f s after a reset %.1f s ago", uptime, since)
	}
	if st := e.vm(vm.UUID).Status; st != vmstatus.Running {
		t.Errorf("status %q after the reset", st)
	}
	t.Logf("power_cycle: root back in over SSH %.1f s after asking, the guest's uptime %.1f s", time.Since(asked).Seconds(), uptime)
	if _, err := guest.ssh("true"); err == nil {
		t.Error("the old password still lets root in")
	}
}

// loginShell is guestShell with the password to log in with.
type loginShell struct{ netns, addr, password string }

func (g loginShell) ssh(command string) (string, error) {
	cmd := exec.Command("ip", "netns", "exec", g.netns, "sshpass", "-p", g.password, "ssh", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR", "-o", "PubkeyAuthentication=no",
		"root@"+g.addr, command)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("ssh %q: %v: %s", command, err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// wait waits until the guest lets root in; the bound only catches a guest that never boots.
func (g loginShell) wait(t testing.TB) {
	t.Helper()
	eventually(t, 3*time.Minute, "an SSH login to the guest", func() (bool, string) {
		if _, err := g.ssh("true"); err != nil {
			time.Sleep(time.Second)
			return false, err.Error()
		}
		return true, ""
	})
}
