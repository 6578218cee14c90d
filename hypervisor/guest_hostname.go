package hypervisor

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
)

// SetHostname gives a running guest a new hostname at once through its agent.
// qemu-ga has no command for it, so the agent runs a shell (guest-exec):
// hostnamectl where systemd has it, else /etc/hostname and hostname(1). name
// must already be an RFC 1123 hostname (letters, digits, hyphens and dots): it
// is put in the command line as it is. ErrNoAgent when no agent answers, runs
// commands, or the command fails.
func (n *Node) SetHostname(ctx context.Context, id, name string) error {
	script := fmt.Sprintf("hostnamectl set-hostname %[1]s 2>/dev/null || { echo %[1]s >/etc/hostname && hostname %[1]s; }", name)
	cmd, _ := json.Marshal(map[string]any{"execute": "guest-exec", "arguments": map[string]any{
		"path": "/bin/sh", "arg": []string{"-c", script}, "capture-output": true}})
	var pid int64
	err := n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		res, err := lv.QEMUDomainAgentCommand(dom, string(cmd), agentTimeout, 0)
		if err != nil {
			return agentError(err)
		}
		var ans struct {
			Return struct{ PID int64 } `json:"return"`
		}
		if len(res) == 0 || json.Unmarshal([]byte(res[0]), &ans) != nil || ans.Return.PID == 0 {
			return ErrNoAgent
		}
		pid = ans.Return.PID
		return nil
	})
	if err != nil {
		return wrapf(err, "set hostname on %s", id)
	}
	status, _ := json.Marshal(map[string]any{"execute": "guest-exec-status", "arguments": map[string]any{"pid": pid}})
	deadline := time.Now().Add(15 * time.Second)
	for {
		var exited bool
		var code int
		err := n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
			res, err := lv.QEMUDomainAgentCommand(dom, string(status), agentTimeout, 0)
			if err != nil {
				return agentError(err)
			}
			var ans struct {
				Return struct {
					Exited   bool `json:"exited"`
					ExitCode int  `json:"exitcode"`
				} `json:"return"`
			}
			if len(res) == 0 || json.Unmarshal([]byte(res[0]), &ans) != nil {
				return ErrNoAgent
			}
			exited, code = ans.Return.Exited, ans.Return.ExitCode
			return nil
		})
		switch {
		case err != nil:
			return wrapf(err, "set hostname on %s", id)
		case exited && code == 0:
			return nil
		case exited:
			return fmt.Errorf("%w: setting the hostname exited %d", ErrNoAgent, code)
		case time.Now().After(deadline):
			return fmt.Errorf("%w: setting the hostname did not finish", ErrNoAgent)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// agentTimeout bounds one agent command, in seconds (libvirt's unit).
const agentTimeout = 10

// agentError is an agent command's error: any refusal (no agent, a command it
// does not know or has disabled) is ErrNoAgent; a node that does not answer
// stays ErrUnavailable.
func agentError(err error) error {
	if isCode(err, libvirt.ErrNoConnect, libvirt.ErrInvalidConn, libvirt.ErrRPC) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrNoAgent, err)
}
