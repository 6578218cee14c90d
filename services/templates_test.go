package services_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"abrak/hypervisor/localvirt"
	"abrak/services"
	"abrak/store"
	"abrak/vmstatus"
)

// failingReader gives n bytes of r, then fails, as a dropped link does.
type failingReader struct {
	r io.Reader
	n int64
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	if int64(len(p)) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= int64(n)
	return n, err
}

// An operator's image becomes a template: checksummed, kept once by its checksum
// (a re-import of the same bytes is a no-op), uploaded to the node and read back;
// an upload that breaks off leaves nothing a VM could be cloned from, and a half
// volume a dead process left behind is replaced before any VM uses the template;
// a VM is then built from it. Disabled, it is hidden from new orders.
func TestImportedTemplatesReachEveryNodeWhole(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "qemu")
	tf := localvirt.Template(t)
	dir := filepath.Join(t.TempDir(), "templates")
	in := services.ImportInput{Slug: "tiny-imported", Name: "Tiny (imported)", File: tf.File, MinDiskGB: 1,
		Features: []string{services.FeaturePassword}}

	tmpl, changed, err := services.ImportTemplate(e.ctx, e.db, dir, in, nil)
	must(t, err)
	if !changed || tmpl.SHA256 == "" || tmpl.Format != "qcow2" || !strings.Contains(tmpl.Volume, tmpl.SHA256[:12]) {
		t.Fatalf("first import: changed %v, %+v", changed, tmpl)
	}
	again, changed, err := services.ImportTemplate(e.ctx, e.db, dir, in, nil)
	must(t, err)
	if changed || again.Volume != tmpl.Volume {
		t.Fatalf("re-importing the same bytes changed the template: %+v", again)
	}
	if kept, _ := os.ReadDir(dir); len(kept) != 1 {
		t.Fatalf("the template folder holds %d files after two imports of one image", len(kept))
	}
	if _, _, err := services.ImportTemplate(e.ctx, e.db, dir, services.ImportInput{Slug: "Bad Slug", Name: "x", File: tf.File}, nil); err == nil {
		t.Fatal("a slug with spaces was accepted")
	}

	// A broken-off upload: the node keeps nothing of it.
	f, err := os.Open(tf.File)
	must(t, err)
	defer f.Close()
	err = e.keeper.UploadTemplate(e.ctx, tmpl.Volume, &failingReader{r: f, n: tmpl.SizeBytes / 2}, tmpl.SizeBytes, tmpl.SHA256, nil)
	if err == nil {
		t.Fatal("an upload that broke off succeeded")
	}
	if e.volumeExists(tmpl.Volume) {
		t.Fatal("a broken-off upload left its volume behind")
	}
	// Bytes that do not match the checksum are refused the same way.
	f.Seek(0, io.SeekStart)
	if err := e.keeper.UploadTemplate(e.ctx, tmpl.Volume, f, tmpl.SizeBytes, strings.Repeat("0", 64), nil); err == nil || e.volumeExists(tmpl.Volume) {
		t.Fatalf("an image with the wrong checksum: %v, volume left: %v", err, e.volumeExists(tmpl.Volume))
	}

	// A dead importer's half volume, recorded as uploading: no VM may use it.
	f.Seek(0, io.SeekStart)
	half := io.LimitReader(f, 1<<20)
	must(t, e.keeper.ImportTemplate(e.ctx, tmpl.Volume, half, 1<<20, "raw"))
	must(t, e.db.SetTemplateVolume(e.ctx, tmpl.Slug, e.node.ID, tmpl.Volume, store.VolumeUploading, ""))
	owner := e.customer("images@example.com", 10*vmtPrice)
	p := e.openReady(false)
	order := vmOrder("from an image")
	order.OSTemplateSlug = tmpl.Slug
	vm, err := p.Create(e.ctx, owner, order)
	wantStatus(t, err, 503, "")
	if vm.NodeID != 0 {
		t.Fatal("a VM was placed on a node whose copy of its template is unfinished")
	}
	// An SSH-key order is refused: this template applies passwords only.
	keyOrder := order
	keyOrder.AuthMode, keyOrder.SSHKeyIDs = "ssh_key", []int64{1}
	_, err = p.Create(e.ctx, owner, keyOrder)
	wantStatus(t, err, 422, "auth_mode")

	// The panel's template worker replaces the half volume; the order is built.
	p.run()
	// A bound for two loaded cores (the upload is read back through the
	// libvirt stream), not a speed: it takes seconds alone.
	eventually(t, 4*time.Minute, "the template is ready on the node", func() (bool, string) {
		ready, err := e.db.NodesWithTemplate(e.ctx, tmpl.Slug)
		return err == nil && ready[e.node.ID], "not yet"
	})
	e.waitStatus(vm.UUID, vmstatus.Running, 2*time.Minute)

	// A node added later gets the template without the operator's help.
	later, err := e.db.UpsertNode(e.ctx, store.Node{Name: "added-later", Region: vmtRegion, Enabled: true,
		URI: "test+unix:///default?socket=" + e.daemon.Socket})
	must(t, err)
	eventually(t, time.Minute, "the node added later holds the template", func() (bool, string) {
		ready, err := e.db.NodesWithTemplate(e.ctx, tmpl.Slug)
		return err == nil && ready[later.ID], "not yet"
	})

	// Disabled: hidden from new orders; the VM keeps running.
	must(t, e.db.SetTemplateActive(e.ctx, tmpl.Slug, false))
	_, err = p.Create(e.ctx, owner, order)
	wantStatus(t, err, 422, "os_template_slug")
	if st := e.vm(vm.UUID).Status; st != vmstatus.Running {
		t.Fatalf("disabling the template changed its VM to %q", st)
	}
}

func (e *vmEnv) volumeExists(name string) bool {
	e.t.Helper()
	vols, err := e.keeper.Volumes(e.ctx)
	must(e.t, err)
	for _, v := range vols {
		if v == name {
			return true
		}
	}
	return false
}
