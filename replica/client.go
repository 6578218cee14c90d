package replica

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
	"github.com/benbjohnson/litestream/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// client builds Litestream's own client for the target: the replica holds
// Litestream's files, so `litestream restore` reads it as well as Abrak does.
func (s spec) client(cfg Config, log *slog.Logger) (litestream.ReplicaClient, error) {
	switch s.kind {
	case "file":
		c := file.NewReplicaClient(s.path)
		c.SetLogger(log)
		return c, nil
	case "sftp":
		c := sftp.NewReplicaClient()
		c.SetLogger(log)
		c.Host, c.User, c.Path = s.host, s.user, s.path
		c.Password = s.password
		if c.Password == "" {
			c.Password = cfg.SFTPPassword
		}
		c.KeyPath = cfg.SFTPKey
		if c.Password == "" && c.KeyPath == "" {
			return nil, fmt.Errorf("replica %s: no way to log in: set the SFTP key file or a password", s.redacted)
		}
		if c.KeyPath != "" {
			if _, err := os.Stat(c.KeyPath); err != nil {
				return nil, fmt.Errorf("replica %s: SFTP key: %w", s.redacted, err)
			}
		}
		key, err := hostKey(cfg.SFTPKnownHosts, s.host)
		if err != nil {
			return nil, fmt.Errorf("replica %s: %w", s.redacted, err)
		}
		c.HostKey = key
		return c, nil
	}
	return nil, fmt.Errorf("replica %s: unknown kind %q", s.redacted, s.kind)
}

// hostAlgoRank is the order in which Go's SSH client asks for host key
// algorithms (golang.org/x/crypto/ssh defaultHostKeyAlgos): the server answers
// with its key of the first kind both sides have, so that is the key to pin.
var hostAlgoRank = map[string]int{
	ssh.KeyAlgoECDSA256: 0,
	ssh.KeyAlgoECDSA384: 1,
	ssh.KeyAlgoECDSA521: 2,
	ssh.KeyAlgoRSA:      3,
	ssh.KeyAlgoED25519:  4,
}

// hostKey finds hostport in the known_hosts file and returns the key Go's SSH
// client will be shown, in authorized_keys form. Litestream's SFTP client pins
// one key and would otherwise skip the check altogether.
func hostKey(knownHosts, hostport string) (string, error) {
	if knownHosts == "" {
		return "", errors.New("no known_hosts file to check the SFTP server's host key against")
	}
	check, err := knownhosts.New(knownHosts)
	if err != nil {
		return "", fmt.Errorf("known_hosts: %w", err)
	}
	// A key no server has makes the check list every key known for the host.
	_, probe, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	signer, err := ssh.NewSignerFromKey(probe)
	if err != nil {
		return "", err
	}
	_, portStr, _ := net.SplitHostPort(hostport)
	port, _ := strconv.Atoi(portStr)
	err = check(hostport, &net.TCPAddr{IP: net.IPv4zero, Port: port}, signer.PublicKey())
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) {
		return "", fmt.Errorf("known_hosts %s: %v", knownHosts, err)
	}
	var best ssh.PublicKey
	for _, k := range ke.Want {
		rank, ok := hostAlgoRank[k.Key.Type()]
		if ok && (best == nil || rank < hostAlgoRank[best.Type()]) {
			best = k.Key
		}
	}
	if best == nil {
		return "", fmt.Errorf("host %s has no key in %s (add it: ssh-keyscan -p %s %s >> %s)",
			hostport, knownHosts, portStr, hostOnly(hostport), knownHosts)
	}
	return string(ssh.MarshalAuthorizedKey(best)), nil
}

func hostOnly(hostport string) string {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	return h
}
