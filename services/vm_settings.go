package services

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"abrak/hypervisor"
	"abrak/vmstatus"
)

// Rename changes the display name (a database-only change, recorded as a completed action).
func (s *VMs) Rename(ctx context.Context, p Principal, uuid, name string) (VM, error) {
	vm, _, err := s.rename(ctx, p, uuid, name)
	return vm, err
}

// rename is Rename, with the action it recorded.
func (s *VMs) rename(ctx context.Context, p Principal, uuid, name string) (VM, Action, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return VM{}, Action{}, err
	}
	name = strings.TrimSpace(name)
	if k := validDisplayName(name); k != "" {
		return VM{}, Action{}, Invalid(map[string]string{"display_name": k})
	}
	if err := s.db.RenameVM(ctx, vm.ID, name); err != nil {
		return VM{}, Action{}, Internal(err)
	}
	sa, _ := s.db.CompletedAction(ctx, p.UserID, vm.ID, "rename")
	s.audit.Record(ctx, p, "vm.rename", SeverityInfo, "vm", vm.UUID, name)
	out, err := s.reload(ctx, vm.ID)
	return out, actionOf(sa), err
}

// SetHostname is ChangeHostname for a caller that needs only the VM.
func (s *VMs) SetHostname(ctx context.Context, p Principal, uuid, hostname string) (VM, error) {
	c, err := s.ChangeHostname(ctx, p, uuid, hostname)
	return c.VM, err
}

// HostnameChange is a hostname set: the VM, and whether the running guest
// took it at once (Now) or takes it at its next boot.
type HostnameChange struct {
	VM  VM
	Now bool
}

// hostnameAgentWait bounds how long a hostname change waits on the guest's
// agent before answering "at next boot".
const hostnameAgentWait = 20 * time.Second

// ChangeHostname records a new RFC 1123 hostname and rewrites the VM's seed,
// so the guest takes it at its next boot; a running guest whose agent answers
// takes it at once too (seed 000's "Hostname set").
func (s *VMs) ChangeHostname(ctx context.Context, p Principal, uuid, hostname string) (HostnameChange, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return HostnameChange{}, err
	}
	hostname = strings.ToLower(strings.TrimSpace(hostname))
	if hostname == "" {
		return HostnameChange{}, Invalid(map[string]string{"hostname": "form.required"})
	}
	if !ValidHostname(hostname) {
		return HostnameChange{}, Invalid(map[string]string{"hostname": "vm.hostname_invalid"})
	}
	if err := s.db.SetVMHostname(ctx, vm.ID, hostname); err != nil {
		return HostnameChange{}, Internal(err)
	}
	s.refreshSeed(ctx, vm.ID)
	now := false
	if vm.Status == vmstatus.Running {
		if node, err := s.nodeOf(vm); err == nil {
			actx, cancel := context.WithTimeout(ctx, hostnameAgentWait)
			err := s.agentOf().SetHostname(actx, node, vm.UUID, hostname)
			cancel()
			if err != nil {
				s.log.Info("hostname left for the next boot", "vm", vm.UUID, "err", err)
			}
			now = err == nil
		}
	}
	_, _ = s.db.CompletedAction(ctx, p.UserID, vm.ID, "hostname")
	s.audit.Record(ctx, p, "vm.hostname", SeverityInfo, "vm", vm.UUID, hostname)
	out, err := s.reload(ctx, vm.ID)
	return HostnameChange{VM: out, Now: now}, err
}

// SetPassword sets the root password through the guest agent of a running VM.
// The password is never stored, logged or echoed; only its crypt hash is kept
// for future rebuilds.
func (s *VMs) SetPassword(ctx context.Context, p Principal, uuid, password string) error {
	_, err := s.setRootPassword(ctx, p, uuid, password, "password")
	return err
}

// ResetPassword sets a new random root password through the guest agent and
// returns it: the only time it is shown. The panel keeps only its crypt (for
// the seed of the next boot), as for a password the customer chose.
func (s *VMs) ResetPassword(ctx context.Context, p Principal, uuid string) (Action, string, error) {
	password := generatedPassword()
	a, err := s.setRootPassword(ctx, p, uuid, password, "password_reset")
	if err != nil {
		return Action{}, "", err
	}
	return a, password, nil
}

// setRootPassword is the one way a root password reaches a running guest;
// name is the operation's name, for its action and its audit (vm.<name>,
// security severity).
func (s *VMs) setRootPassword(ctx context.Context, p Principal, uuid, password, name string) (Action, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return Action{}, err
	}
	if k := passwordProblem(password, ""); k != "" {
		return Action{}, Invalid(map[string]string{"password": k})
	}
	if vm.Status != vmstatus.Running {
		return Action{}, Conflict("vm.not_running")
	}
	node, err := s.nodeOf(vm)
	if err != nil {
		return Action{}, err
	}
	act, _ := s.db.StartAction(ctx, p.UserID, vm.ID, name)
	err = s.passwordWhenUp(ctx, node, vm, password)
	if err != nil {
		s.log.Warn("vm action failed", "vm", vm.UUID, "action", name, "action_id", act.ID, "err", err)
		_, _ = s.db.EndAction(ctx, act.ID, actionError(err))
		if errors.Is(err, hypervisor.ErrUnavailable) {
			return Action{}, Unavailable("vm.agent_unavailable", err)
		}
		if errors.Is(err, errAgentSilentAfterBoot) {
			return Action{}, Conflict("vm.agent_silent_after_boot", "seconds", strconv.Itoa(int(s.cfg.AgentBootWait.Seconds())))
		}
		return Action{}, Conflict("vm.agent_unavailable")
	}
	_ = s.db.SetVMRootCrypt(ctx, vm.ID, hypervisor.CryptPassword(password))
	s.refreshSeed(ctx, vm.ID)
	done, _ := s.db.EndAction(ctx, act.ID, "")
	s.audit.Record(ctx, p, "vm."+name, SeveritySecurity, "vm", vm.UUID, "")
	return actionOf(done), nil
}

// refreshSeed rewrites a placed VM's cloud-init seed from its record, so that a
// new hostname or root password survives the guest's next boot. A node that
// does not answer now is not an error: the record is the truth, and a rebuild
// or the next change writes the seed again.
func (s *VMs) refreshSeed(ctx context.Context, vmID int64) {
	vm, err := s.db.VMByID(ctx, vmID)
	if err != nil || vm.NodeID == 0 || vm.Status == vmstatus.Creating {
		return
	}
	node, err := s.fleet.Node(vm.NodeID)
	if err != nil {
		return
	}
	spec, err := s.specFor(ctx, vm)
	if err != nil {
		return
	}
	if err := node.RefreshSeed(ctx, spec); err != nil {
		s.log.Warn("refreshing seed", "vm", vm.UUID, "err", err)
	}
}

// reload reads a VM again after a change, as the doors show it.
func (s *VMs) reload(ctx context.Context, id int64) (VM, error) {
	vm, err := s.db.VMByID(ctx, id)
	if err != nil {
		return VM{}, Internal(err)
	}
	return s.vmOf(vm), nil
}
