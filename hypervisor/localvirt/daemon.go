package localvirt

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Daemon is a private libvirtd whose whole state lives under Dir. Both qemu:///system
// and test:///default answer on Socket.
type Daemon struct {
	Dir    string
	Socket string
	// Netns is the network namespace the daemon and its guests run in; Bridge the
	// bridge there, which has the documentation ranges' gateways (198.51.100.1/24,
	// 2001:db8:ab::1/64). VNCDir is where a node keeps its guests' VNC sockets
	// (NodeConfig.VNCSocketDir): TCP inside the namespace is out of the panel's reach.
	Netns, Bridge, VNCDir string
	// MigrateDir is where guests migrating in live listen (NodeConfig.MigrationAddress
	// unix://MigrateDir): a folder under /tmp, which every daemon's mount namespace sees.
	MigrateDir string
	// NoKVM: the daemon sees a /dev without kvm, as on a host that offers none,
	// whatever this host has (see StartWithoutKVM).
	NoKVM bool
	// shareNetns names the network namespace up.sh is to start the daemon in
	// instead of one of its own (see StartBeside).
	shareNetns string
}

// Start starts a private libvirtd in a fresh folder under /tmp (unix socket paths must
// stay under 108 bytes, which t.TempDir's long names can break) and stops it, guests
// included, when the test ends.
func Start(t testing.TB) *Daemon {
	t.Helper()
	return start(t, false, "")
}

// StartWithoutKVM is Start for a daemon that finds no /dev/kvm (scripts/libvirt/up.sh
// hides it in the daemon's mount namespace), on every host, so that a host without
// kvm is tested on every machine. Restarts keep it so.
func StartWithoutKVM(t testing.TB) *Daemon {
	t.Helper()
	return start(t, true, "")
}

// StartBeside is Start for a daemon in other's network namespace, its guests on
// other's bridge: two nodes of one region, whose guests keep their addresses
// when they move from one to the other. The namespace stays while either runs.
func StartBeside(t testing.TB, other *Daemon) *Daemon {
	t.Helper()
	return start(t, other.NoKVM, other.Netns)
}

func start(t testing.TB, noKVM bool, netns string) *Daemon {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "lv")
	if err != nil {
		t.Fatalf("localvirt: %v", err)
	}
	d := &Daemon{Dir: dir, NoKVM: noKVM, shareNetns: netns}
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Errorf("%v", err)
		}
		os.RemoveAll(dir)
	})
	if err := d.Up(); err != nil {
		t.Fatalf("%v", err)
	}
	return d
}

// Up starts the daemon again after Stop, with the domains and pools it had.
// It does nothing when the daemon is already running.
func (d *Daemon) Up() error {
	var env []string
	if d.NoKVM {
		env = append(env, "LIBVIRT_NO_KVM=1")
	}
	if d.shareNetns != "" {
		env = append(env, "LIBVIRT_NETNS="+d.shareNetns)
	}
	sock, err := runScript(env, "scripts/libvirt/up.sh", d.Dir)
	if err != nil {
		return err
	}
	d.Socket = sock
	ns, err := os.ReadFile(filepath.Join(d.Dir, "netns"))
	if err != nil {
		return fmt.Errorf("localvirt: %w", err)
	}
	d.Netns, d.VNCDir = strings.TrimSpace(string(ns)), filepath.Join(d.Dir, "vnc")
	d.MigrateDir = filepath.Join(d.Dir, "migrate")
	if d.Bridge = os.Getenv("LIBVIRT_BRIDGE"); d.Bridge == "" {
		d.Bridge = "br0"
	}
	return nil
}

// Stop stops the daemon and kills its guests. Stopping a stopped daemon is no error.
func (d *Daemon) Stop() error {
	_, err := runScript(nil, "scripts/libvirt/down.sh", d.Dir)
	return err
}

// Restart stops the daemon, guests included, and starts it again on the same Dir:
// defined domains, pools and volumes remain; guests come back shut off.
func (d *Daemon) Restart() error {
	if err := d.Stop(); err != nil {
		return err
	}
	return d.Up()
}

// RestartKeepGuests restarts only libvirtd, as an upgrade or a crash does on a real
// host: running guests keep running and the new daemon reconnects to them.
func (d *Daemon) RestartKeepGuests() error {
	if _, err := runScript(nil, "scripts/libvirt/down.sh", "--keep-guests", d.Dir); err != nil {
		return err
	}
	return d.Up()
}
