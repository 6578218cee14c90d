package replica

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

const sshdPath = "/usr/sbin/sshd"

// sshServer is Debian's OpenSSH sshd serving SFTP on a loopback port, with its
// own host keys, authorized_keys and configuration in a temporary directory.
// It runs in mount and PID namespaces of its own: /run/sshd (the privilege
// separation directory sshd insists on) is a tmpfs only it sees, and killing
// it kills every session it forked, as a machine that goes away would.
type sshServer struct {
	t          *testing.T
	dir        string
	addr       string // 127.0.0.1:port
	key        string // the client's private key file
	knownHosts string
	cmd        *exec.Cmd
}

func startSSHD(t *testing.T) *sshServer {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the SFTP server of these tests (OpenSSH's sshd) runs as root")
	}
	if _, err := os.Stat(sshdPath); err != nil {
		t.Fatalf("%s: %v (Debian's openssh-server: scripts/install-deps.sh)", sshdPath, err)
	}
	dir := t.TempDir()
	s := &sshServer{t: t, dir: dir, addr: freeAddr(t)}

	var hostKeys []string
	var known []string
	for _, k := range []crypto.Signer{newEd25519(t), newECDSA(t)} {
		name := filepath.Join(dir, fmt.Sprintf("host_%d", len(hostKeys)))
		writeKey(t, name, k)
		hostKeys = append(hostKeys, "HostKey "+name)
		pub, err := ssh.NewPublicKey(k.Public())
		if err != nil {
			t.Fatal(err)
		}
		known = append(known, knownhosts.Line([]string{knownhosts.Normalize(s.addr)}, pub))
	}
	s.knownHosts = filepath.Join(dir, "known_hosts")
	writeFile(t, s.knownHosts, strings.Join(known, "\n")+"\n")

	client := newEd25519(t)
	s.key = filepath.Join(dir, "client_key")
	writeKey(t, s.key, client)
	pub, err := ssh.NewPublicKey(client.Public())
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "authorized_keys"), string(ssh.MarshalAuthorizedKey(pub)))
	writeFile(t, filepath.Join(dir, "sshd_config"), fmt.Sprintf(`ListenAddress %s
%s
AuthorizedKeysFile %s
PidFile none
StrictModes no
UsePAM no
UseDNS no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp
`, s.addr, strings.Join(hostKeys, "\n"), filepath.Join(dir, "authorized_keys")))
	s.start()
	t.Cleanup(s.stop)
	return s
}

// url names a directory on the server as a replica target.
func (s *sshServer) url(dir string) string { return "sftp://root@" + s.addr + dir }

func (s *sshServer) start() {
	s.t.Helper()
	log, err := os.OpenFile(filepath.Join(s.dir, "sshd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command("/bin/sh", "-c",
		`mount --make-rprivate / && mount -t tmpfs -o mode=755 tmpfs /run && mkdir -m 755 /run/sshd && exec `+sshdPath+` -D -e -f "$0"`,
		filepath.Join(s.dir, "sshd_config"))
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWPID}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(s.dir, "sshd.log"))
			s.t.Fatalf("sshd does not listen on %s: %v\n%s", s.addr, err, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills sshd, the first process of its PID namespace, and with it every
// session: the server is gone, connections and all.
func (s *sshServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func newEd25519(t *testing.T) crypto.Signer {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newECDSA(t *testing.T) crypto.Signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writeKey(t *testing.T, path string, k crypto.Signer) {
	block, err := ssh.MarshalPrivateKey(k, "")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(pem.EncodeToMemory(block)))
}

func writeFile(t *testing.T, path, content string) {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
