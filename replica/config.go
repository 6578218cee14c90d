package replica

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Defaults of the settings Config leaves at zero.
const (
	DefaultSyncInterval = time.Second
	DefaultMaxLag       = time.Minute
)

// Config is what replication needs beside the database's path.
type Config struct {
	// URLs names the replicas: a directory ("/srv/abrak-replica",
	// "file:///srv/abrak-replica") or an SFTP target
	// ("sftp://user@host:22/srv/abrak-replica"). ParseURLs reads the setting.
	URLs []string

	// SyncInterval is how often committed transactions are shipped; the data a
	// lost machine takes with it is about twice this (docs/decisions.md).
	SyncInterval time.Duration

	// MaxLag is the lag past which Check calls a replica failing.
	MaxLag time.Duration

	// SFTPKey is the private key file SFTP targets log in with.
	SFTPKey string
	// SFTPPassword logs in SFTP targets whose URL carries no password.
	SFTPPassword string
	// SFTPKnownHosts is the known_hosts file that holds each SFTP server's
	// host key; empty means ~/.ssh/known_hosts. A server not in it is refused.
	SFTPKnownHosts string
}

func (c Config) withDefaults() Config {
	if c.SyncInterval <= 0 {
		c.SyncInterval = DefaultSyncInterval
	}
	if c.MaxLag <= 0 {
		c.MaxLag = DefaultMaxLag
	}
	if c.SFTPKnownHosts == "" {
		if home, err := os.UserHomeDir(); err == nil {
			c.SFTPKnownHosts = filepath.Join(home, ".ssh", "known_hosts")
		}
	}
	return c
}

// ParseURLs splits the ABRAK_REPLICA_URL setting (one or more targets,
// comma-separated; a comma inside a password is written %2C) and checks each.
// An empty setting is no replica at all.
func ParseURLs(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		t, err := parseTarget(part)
		if err != nil {
			return nil, err
		}
		if seen[t.key()] {
			return nil, fmt.Errorf("replica %s is named twice", t.redacted)
		}
		seen[t.key()] = true
		out = append(out, part)
	}
	return out, nil
}

// spec is one replica target as named by its URL.
type spec struct {
	kind     string // "file" or "sftp"
	path     string // the directory, locally or on the server
	host     string // host:port (sftp)
	user     string
	password string
	redacted string // the URL without its password, for logs and status
}

func (s spec) key() string { return s.kind + "://" + s.host + s.path }

func parseTarget(raw string) (spec, error) {
	if !strings.Contains(raw, "://") {
		return fileSpec(raw, raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole address, password and all.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return spec{}, fmt.Errorf("replica URL: %v", err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return spec{}, fmt.Errorf("replica %s: a file URL names a local directory (file:///path)", u.Redacted())
		}
		return fileSpec(raw, u.Path)
	case "sftp":
		return sftpSpec(u)
	}
	return spec{}, fmt.Errorf("replica %s: scheme %q is not one of file, sftp", u.Redacted(), u.Scheme)
}

func fileSpec(raw, path string) (spec, error) {
	if path == "" {
		return spec{}, fmt.Errorf("replica %q: no directory named", raw)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return spec{}, fmt.Errorf("replica %q: %v", raw, err)
	}
	return spec{kind: "file", path: abs, redacted: "file://" + abs}, nil
}

func sftpSpec(u *url.URL) (spec, error) {
	s := spec{kind: "sftp", path: u.Path, redacted: u.Redacted()}
	if u.User == nil || u.User.Username() == "" {
		return spec{}, fmt.Errorf("replica %s: no user (sftp://user@host/path)", s.redacted)
	}
	s.user = u.User.Username()
	s.password, _ = u.User.Password()
	if u.Hostname() == "" {
		return spec{}, fmt.Errorf("replica %s: no host", s.redacted)
	}
	port := u.Port()
	if port == "" {
		port = "22"
	}
	s.host = net.JoinHostPort(u.Hostname(), port)
	if s.path == "" || s.path == "/" {
		return spec{}, fmt.Errorf("replica %s: no directory on the server (sftp://user@host/path)", s.redacted)
	}
	return s, nil
}
