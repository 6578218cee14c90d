package services_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"abrak/hypervisor"
	"abrak/services"
	"abrak/vmstatus"
)

// agentDouble plays a guest's agent: silent until up (a guest still booting,
// or one with no agent when up is zero), then it takes passwords and
// hostnames and remembers them.
type agentDouble struct {
	mu        sync.Mutex
	up        time.Time
	passwords int
	hostname  string
}

func (a *agentDouble) answering() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return !a.up.IsZero() && !time.Now().Before(a.up)
}

func (a *agentDouble) upAt(t time.Time) {
	a.mu.Lock()
	a.up = t
	a.mu.Unlock()
}

func (a *agentDouble) SetPassword(_ context.Context, _ *hypervisor.Node, _, _, _ string) error {
	if !a.answering() {
		return fmt.Errorf("%w: not connected", hypervisor.ErrNoAgent)
	}
	a.mu.Lock()
	a.passwords++
	a.mu.Unlock()
	return nil
}

func (a *agentDouble) SetHostname(_ context.Context, _ *hypervisor.Node, _, name string) error {
	if !a.answering() {
		return fmt.Errorf("%w: not connected", hypervisor.ErrNoAgent)
	}
	a.mu.Lock()
	a.hostname = name
	a.mu.Unlock()
	return nil
}

func (a *agentDouble) Answers(context.Context, *hypervisor.Node, string) bool { return a.answering() }

// Seed 000's hostname: a running guest whose agent answers takes the new name
// at once, and the answer says so; one whose agent is silent takes it at its
// next boot (its seed), and the answer says that. Either way it is recorded.
func TestAHostnameReachesTheRunningGuestThroughItsAgentOrWaitsForTheNextBoot(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	owner := e.customer("host@example.com", 1000*vmtPrice)
	p := e.openReady(true)
	agent := &agentDouble{}
	p.UseGuestAgent(agent)
	vm := e.runningVM(p, owner, "host")

	set, err := p.ChangeHostname(e.ctx, owner, vm.UUID, "silent-01")
	must(t, err)
	if set.Now || set.VM.Hostname != "silent-01" || agent.hostname != "" {
		t.Fatalf("with the agent silent: now %v, hostname %q, the guest got %q; want next boot", set.Now, set.VM.Hostname, agent.hostname)
	}
	agent.upAt(time.Now())
	set, err = p.ChangeHostname(e.ctx, owner, vm.UUID, "Web-02")
	must(t, err)
	if !set.Now || agent.hostname != "web-02" || e.vm(vm.UUID).Hostname != "web-02" {
		t.Fatalf("with the agent up: now %v, the guest got %q, recorded %q; want web-02 at once", set.Now, agent.hostname, e.vm(vm.UUID).Hostname)
	}
}

// Seed 000's password right after a reboot: the guest is booting and its
// agent not up yet; the change waits for the agent and succeeds once it
// answers. A booting guest whose agent never answers gets the error, naming
// the wait.
func TestAPasswordSetRightAfterARebootWaitsForTheAgent(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	e.cfg.AgentBootWait = 4 * time.Second
	owner := e.customer("boot@example.com", 1000*vmtPrice)
	p := e.openReady(true)
	agent := &agentDouble{}
	p.UseGuestAgent(agent)
	vm := e.runningVM(p, owner, "boot")

	reboot, err := p.Power(e.ctx, owner, vm.UUID, "reboot")
	must(t, err)
	waitAction(t, p, owner, reboot.ID)
	agent.upAt(time.Now().Add(2 * time.Second))
	must(t, p.SetPassword(e.ctx, owner, vm.UUID, "another-long-secret"))
	if agent.passwords != 1 || !agent.answering() {
		t.Fatalf("the password was set %d times, the agent answering %v; want once, after it answered", agent.passwords, agent.answering())
	}

	// An agent that never answers: the error, once the wait since the boot is over.
	agent.upAt(time.Time{})
	reboot, err = p.Power(e.ctx, owner, vm.UUID, "reboot")
	must(t, err)
	waitAction(t, p, owner, reboot.ID)
	err = p.SetPassword(e.ctx, owner, vm.UUID, "another-long-secret")
	wantStatus(t, err, 409, "")
	if k := errKey(err); k != "vm.agent_silent_after_boot" {
		t.Fatalf("a silent agent after a boot: %v (key %q)", err, k)
	}
	if st := e.vm(vm.UUID).Status; st != vmstatus.Running {
		t.Fatalf("status %q", st)
	}
}

func errKey(err error) string {
	if e := services.AsError(err); e != nil {
		return e.Key
	}
	return ""
}
