package testkit

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// GuestLogin logs into guests from the node's network namespace with Debian's
// OpenSSH client: with key (a private key file) or, when key is "", with password.
type GuestLogin struct {
	Netns, Key, Password string
}

// Run runs command as root on the guest at addr, with stdin as its input, and
// returns what it printed.
func (g GuestLogin) Run(addr, command string, stdin io.Reader) (string, error) {
	args := []string{"netns", "exec", g.Netns}
	if g.Key == "" {
		args = append(args, "sshpass", "-p", g.Password)
	}
	args = append(args, "ssh", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR", "-o", "ServerAliveInterval=5")
	if g.Key != "" {
		args = append(args, "-i", g.Key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes")
	} else {
		args = append(args, "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password,keyboard-interactive")
	}
	args = append(args, "root@"+addr, command)
	cmd := exec.Command("ip", args...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("ssh root@%s %q: %v: %s", addr, command, err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// WaitLogin waits until addr answers command over SSH, and returns its output.
func (g GuestLogin) WaitLogin(t *testing.T, addr, command string, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		out, err := g.Run(addr, command, nil)
		if err == nil {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("no SSH login within %s: %v", limit, err)
		}
		time.Sleep(time.Second)
	}
}

// InNetns runs a command in the node's namespace, where the gateways are.
func InNetns(t *testing.T, netns string, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"netns", "exec", netns}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// SSHKeyPair makes an ed25519 key without a passphrase: the private key's file
// and the public key's authorized_keys line.
func SSHKeyPair(t *testing.T) (string, string) {
	t.Helper()
	key := filepath.Join(t.TempDir(), "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "net-test", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return key, strings.TrimSpace(string(pub))
}
