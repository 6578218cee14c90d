package localvirt

import (
	"net"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

func connect(t *testing.T, sock string, uri libvirt.ConnectURI) *libvirt.Libvirt {
	t.Helper()
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(sock)))
	if err := l.ConnectToURI(uri); err != nil {
		t.Fatalf("connect %s on %s: %v", uri, sock, err)
	}
	t.Cleanup(func() { l.Disconnect() })
	return l
}

// answers checks that both drivers serve calls on the daemon's socket.
func answers(t *testing.T, d *Daemon) *libvirt.Libvirt {
	t.Helper()
	q := connect(t, d.Socket, libvirt.QEMUSystem)
	if v, err := q.ConnectGetLibVersion(); err != nil || v == 0 {
		t.Fatalf("qemu:///system on %s: version %d, %v", d.Dir, v, err)
	}
	if typ, err := q.ConnectGetType(); err != nil || typ != "QEMU" {
		t.Fatalf("qemu:///system on %s: type %q, %v", d.Dir, typ, err)
	}
	td := connect(t, d.Socket, libvirt.TestDefault)
	doms, _, err := td.ConnectListAllDomains(1, 0)
	if err != nil || len(doms) == 0 {
		t.Fatalf("test:///default on %s: %d domains, %v", d.Dir, len(doms), err)
	}
	return q
}

const domainXML = `<domain type='qemu'>
  <name>kept</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64'>hvm</type></os>
</domain>`

func TestTwoDaemonsSideBySideSurviveRestart(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Socket == b.Socket {
		t.Fatalf("both daemons on %s", a.Socket)
	}
	qa := answers(t, a)
	qb := answers(t, b)

	if _, err := qa.DomainDefineXML(domainXML); err != nil {
		t.Fatalf("define on a: %v", err)
	}
	if _, err := qb.DomainLookupByName("kept"); err == nil {
		t.Fatalf("a domain defined on a shows on b")
	}

	if err := a.Restart(); err != nil {
		t.Fatalf("restart: %v", err)
	}
	qa = answers(t, a)
	if _, err := qa.DomainLookupByName("kept"); err != nil {
		t.Errorf("domain lost across restart: %v", err)
	}
	if pool, err := qa.StoragePoolLookupByName("default"); err != nil {
		t.Errorf("default pool lost across restart: %v", err)
	} else if active, err := qa.StoragePoolIsActive(pool); err != nil || active != 1 {
		t.Errorf("default pool not active after restart: %d, %v", active, err)
	}
	answers(t, b)
}

func TestStoppedDaemonRefusesConnections(t *testing.T) {
	d := Start(t)
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := d.Stop(); err != nil {
		t.Fatalf("second stop: %v", err)
	}
	if c, err := net.Dial("unix", d.Socket); err == nil {
		c.Close()
		t.Fatalf("socket %s still answers after Stop", d.Socket)
	}
	if err := d.Up(); err != nil {
		t.Fatal(err)
	}
	answers(t, d)
}

func TestTemplateIsABootableDisk(t *testing.T) {
	tf := Template(t)
	if tf.Format != "qcow2" {
		t.Fatalf("format %q", tf.Format)
	}
	head := make([]byte, 4)
	f, err := os.Open(tf.File)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Read(head); err != nil || string(head) != "QFI\xfb" {
		t.Fatalf("%s is not a qcow2 image: % x, %v", tf.File, head, err)
	}
	if tf.VirtualSize == 0 {
		t.Fatalf("template.env lacks VIRTUAL_SIZE")
	}
}

// A daemon started without kvm offers guests of software emulation only, on any
// host, and is still without kvm after a restart; a daemon beside it is untouched.
func TestADaemonWithoutKVMOffersOnlyEmulationAcrossRestarts(t *testing.T) {
	plain, bare := Start(t), StartWithoutKVM(t)
	hostHasKVM := false
	if _, err := os.Stat("/dev/kvm"); err == nil {
		hostHasKVM = true
	}
	check := func(when string) {
		t.Helper()
		if got := guestTypes(t, answers(t, bare)); strings.Contains(got, "kvm") || !strings.Contains(got, "qemu") {
			t.Errorf("%s: the daemon without kvm offers %q", when, got)
		}
		if got := guestTypes(t, answers(t, plain)); hostHasKVM != strings.Contains(got, "kvm") {
			t.Errorf("%s: beside it, a daemon on a host with /dev/kvm=%v offers %q", when, hostHasKVM, got)
		}
	}
	check("at start")
	if err := bare.Restart(); err != nil {
		t.Fatal(err)
	}
	check("after a restart")
}

// guestTypes lists the domain types of the daemon's capabilities, as "qemu kvm".
func guestTypes(t *testing.T, l *libvirt.Libvirt) string {
	t.Helper()
	doc, err := l.ConnectGetCapabilities()
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, m := range regexp.MustCompile(`<domain type='(\w+)'`).FindAllStringSubmatch(doc, -1) {
		if !slices.Contains(types, m[1]) {
			types = append(types, m[1])
		}
	}
	return strings.Join(types, " ")
}
