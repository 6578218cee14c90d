package hypervisor

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/vmstatus"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/kdomanski/iso9660"
)

// qemuNode connects a fleet to qemu:///system on a private daemon and imports the
// tiny template into a pool of the test's own.
func qemuNode(t testing.TB, d *daemon, id int64) (*Fleet, *Node) {
	img, format := tinyTemplate(t)
	f := newFleet(t, NodeConfig{ID: id, Name: "qemu-" + strconv.FormatInt(id, 10), Region: "thr",
		URI: d.uri("qemu"), PoolPath: filepath.Join(d.dir, "pool"), VNCSocketDir: d.VNCDir})
	n := waitNode(t, f, id)
	importFile(t, n, img, format)
	importFile(t, n, img, format) // finds the volume and leaves it
	mustDo(t, n.call(ctxT(t), func(lv *libvirt.Libvirt) error {
		pool, err := lv.StoragePoolLookupByName(n.Config().Pool)
		if err != nil {
			return err
		}
		vol, err := lv.StorageVolLookupByName(pool, "tiny-v1.qcow2")
		if err != nil {
			return err
		}
		doc, err := lv.StorageVolGetXMLDesc(vol, 0)
		if err == nil && !strings.Contains(doc, "<format type='"+format+"'/>") {
			t.Fatalf("imported template is not seen as %s:\n%s", format, doc)
		}
		return err
	}))
	return f, n
}

func importFile(t testing.TB, n *Node, path, format string) {
	t.Helper()
	file, err := os.Open(path)
	mustDo(t, err)
	defer file.Close()
	st, err := file.Stat()
	mustDo(t, err)
	mustDo(t, n.ImportTemplate(ctxT(t), "tiny-v1.qcow2", file, st.Size(), format))
}

func qemuSpec(id string) DomainSpec {
	s := testSpec(id)
	s.Template.Volume = "tiny-v1.qcow2"
	return s
}

func TestGuestFromTheTinyTemplateRunsOnQEMU(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	f, n := qemuNode(t, d, 1)
	ev := record(f)
	ctx := ctxT(t)
	vm := newUUID()
	spec := qemuSpec(vm)
	mustDo(t, n.Create(ctx, spec))
	ev.waitFor(t, vm, vmstatus.Running)

	addr, err := n.VNC(ctx, vm)
	mustDo(t, err)
	// The daemon's TCP is in its network namespace: its VNC servers are sockets.
	if addr.Socket != filepath.Join(n.Config().VNCSocketDir, vm+".sock") || addr.Password != spec.VNCPassword {
		t.Fatalf("VNC address %+v", addr)
	}
	conn, err := net.DialTimeout("unix", addr.Socket, 5*time.Second)
	mustDo(t, err)
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	banner := make([]byte, 12)
	_, err = io.ReadFull(conn, banner)
	conn.Close()
	if err != nil || string(banner) != "RFB 003.008\n" {
		t.Fatalf("VNC banner %q, %v", banner, err)
	}

	// Right after start the guest's agent has not connected yet: the node is
	// fine and says so with ErrNoAgent, never "node unavailable". (Once it has
	// connected the password is accepted; agent_test.go covers that.)
	if err := n.SetPassword(ctx, vm, "root", "n3w-Passw0rd"); err != nil && (!errors.Is(err, ErrNoAgent) || errors.Is(err, ErrUnavailable)) {
		t.Fatalf("set password before the agent answers: %v, want nil or ErrNoAgent", err)
	}

	seed := seedContents(t, n, vm)
	for name, want := range map[string]string{
		"meta-data":      `"local-hostname": "` + spec.Hostname,
		"user-data":      "$6$",
		"network-config": "192.0.2.10/24",
	} {
		if !strings.Contains(seed[name], want) {
			t.Errorf("seed %s lacks %q:\n%s", name, want, seed[name])
		}
	}
	if !strings.HasPrefix(seed["user-data"], "#cloud-config\n") || strings.Contains(seed["user-data"], spec.RootPassword) {
		t.Errorf("user-data is not a cloud-config with a hashed password:\n%s", seed["user-data"])
	}
	if got := volumeCapacity(t, n, rootVolume(vm)); got != 1*gib {
		t.Errorf("root disk is %d bytes, want the plan's 1 GiB", got)
	}

	mustDo(t, n.PowerOff(ctx, vm))
	ev.waitFor(t, vm, vmstatus.Stopped)
	mustDo(t, n.CreateSnapshot(ctx, vm, "clean", ""))
	mustDo(t, n.Start(ctx, vm))
	ev.waitFor(t, vm, vmstatus.Running)
	mustDo(t, n.RevertSnapshot(ctx, vm, "clean"))
	if st, _ := n.State(ctx, vm); st != vmstatus.Stopped {
		t.Fatalf("after revert to a snapshot of the stopped VM it is %q", st)
	}
	snaps, err := n.ListSnapshots(ctx, vm)
	mustDo(t, err)
	if len(snaps) != 1 || snaps[0].Name != "clean" || snaps[0].CreatedAt.IsZero() {
		t.Fatalf("snapshots %+v", snaps)
	}
	mustDo(t, n.DeleteSnapshot(ctx, vm, "clean"))

	mustDo(t, n.Resize(ctx, vm, 2, 320, 2))
	if err := n.Resize(ctx, vm, 0, 0, 1); !errors.Is(err, ErrConflict) {
		t.Fatalf("shrinking the disk: %v, want ErrConflict", err)
	}
	if got := volumeCapacity(t, n, rootVolume(vm)); got != 2*gib {
		t.Errorf("root disk is %d bytes after growing to 2 GiB", got)
	}
	mustDo(t, n.Start(ctx, vm))
	infos, err := n.States(ctx)
	mustDo(t, err)
	i := slices.IndexFunc(infos, func(i DomainInfo) bool { return i.UUID == vm })
	if i < 0 || infos[i].State != vmstatus.Running || infos[i].VCPUs != 2 || infos[i].MemoryMB != 320 {
		t.Fatalf("after resize: %+v", infos)
	}

	mustDo(t, n.Delete(ctx, vm))
	vols, err := n.Volumes(ctx)
	mustDo(t, err)
	if !slices.Equal(vols, []string{"tiny-v1.qcow2"}) {
		t.Fatalf("volumes left after delete: %v", vols)
	}
}

func seedContents(t testing.TB, n *Node, id string) map[string]string {
	t.Helper()
	// The pool is a local folder: the seed is read from its file, as QEMU reads
	// it. (go-libvirt's StorageVolDownload was seen, rarely, never to return.)
	var path string
	mustDo(t, n.call(ctxT(t), func(lv *libvirt.Libvirt) error {
		pool, err := lv.StoragePoolLookupByName(n.Config().Pool)
		if err != nil {
			return err
		}
		vol, err := lv.StorageVolLookupByName(pool, seedVolume(id))
		if err != nil {
			return err
		}
		path, err = lv.StorageVolGetPath(vol)
		return err
	}))
	data, err := os.ReadFile(path)
	mustDo(t, err)
	img, err := iso9660.OpenImage(bytes.NewReader(data))
	mustDo(t, err)
	if label, _ := img.Label(); label != "cidata" {
		t.Fatalf("seed label %q, want cidata", label)
	}
	root, err := img.RootDir()
	mustDo(t, err)
	files, err := root.GetChildren()
	mustDo(t, err)
	out := map[string]string{}
	for _, f := range files {
		b, err := io.ReadAll(f.Reader())
		mustDo(t, err)
		out[f.Name()] = string(b)
	}
	return out
}

func volumeCapacity(t testing.TB, n *Node, name string) uint64 {
	t.Helper()
	var capacity uint64
	mustDo(t, n.call(ctxT(t), func(lv *libvirt.Libvirt) error {
		pool, err := lv.StoragePoolLookupByName(n.Config().Pool)
		if err != nil {
			return err
		}
		vol, err := lv.StorageVolLookupByName(pool, name)
		if err != nil {
			return err
		}
		_, capacity, _, err = lv.StorageVolGetInfo(vol)
		return err
	}))
	return capacity
}
