package services

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"abrak/hypervisor"
	"abrak/store"
)

// DefaultAgentBootWait (VMConfig.AgentBootWait) bounds how long a root password change waits for the agent
// of a guest that is booting: a script that reboots and at once sets the
// password (seed 000) gets its 204 once the agent is up, rather than a 409
// because the guest had not started it yet. Counted from when the boot began;
// a guest whose agent has not answered by then gets the error, with the reason.
const DefaultAgentBootWait = 90 * time.Second

// bootActions are the operations after which a guest is booting again.
var bootActions = []string{"create", "start", "reboot", "reset", "rebuild", "backup_restore", "snapshot_revert", "boot", "migrate"}

// passwordWhenUp sets the root password through the guest's agent; while the
// guest is booting and its agent does not answer yet, it waits for the agent
// (up to VMConfig.AgentBootWait after the boot began) and sets it then. A
// guest whose agent has not answered by then is errAgentSilentAfterBoot.
func (s *VMs) passwordWhenUp(ctx context.Context, node *hypervisor.Node, vm store.VM, password string) error {
	agent := s.agentOf()
	err := agent.SetPassword(ctx, node, vm.UUID, "root", password)
	if !errors.Is(err, hypervisor.ErrNoAgent) {
		return err
	}
	began, ok := s.bootBegan(ctx, vm)
	if !ok {
		return err
	}
	deadline := began.Add(s.cfg.AgentBootWait)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
		if !agent.Answers(ctx, node, vm.UUID) {
			continue
		}
		if err = agent.SetPassword(ctx, node, vm.UUID, "root", password); !errors.Is(err, hypervisor.ErrNoAgent) {
			return err
		}
	}
	return fmt.Errorf("%w: %w", errAgentSilentAfterBoot, err)
}

// errAgentSilentAfterBoot is a booting guest whose agent never answered within the wait.
var errAgentSilentAfterBoot = errors.New("the guest agent did not answer within the wait after the boot")

// bootBegan is when the VM's last boot began, if that was less than
// VMConfig.AgentBootWait ago: its newest action that boots the guest, still running
// or ended within the wait.
func (s *VMs) bootBegan(ctx context.Context, vm store.VM) (time.Time, bool) {
	acts, _, err := s.db.ActionsForVM(ctx, vm.ID, 20, 0)
	if err != nil {
		return time.Time{}, false
	}
	for _, a := range acts {
		if !slices.Contains(bootActions, a.Type) || a.Status == store.ActionErrored {
			continue
		}
		began := time.Now()
		if a.CompletedAt != nil {
			began = *a.CompletedAt
		}
		return began, time.Since(began) < s.cfg.AgentBootWait
	}
	return time.Time{}, false
}
