package services

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"abrak/hypervisor"
	"abrak/store"
)

// Template features: what a template's guest applies from the seed, which the
// order form and the API check an order against.
const (
	FeaturePassword = "password"
	FeatureSSHKey   = "ssh_key"
	FeatureUserData = "user_data"
)

// Features are the template features there are, in the order they are shown.
var Features = []string{FeaturePassword, FeatureSSHKey, FeatureUserData}

// ImportInput is an operator's image to offer as a template.
type ImportInput struct {
	Slug, Name string
	// File is a qcow2 or raw image; Format names it, or is found from its header.
	File, Format string
	MinDiskGB    int
	Features     []string
	// Kind is store.KindDisk (the default) or store.KindISO, a CD to boot from.
	Kind string
	// Move: File is the panel's own temporary copy in dir (an upload), renamed
	// into place rather than copied again.
	Move bool
}

var slugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,62}$`)

// ImportTemplate records an image as a template: it checksums the file (progress
// hears bytes read and the total), keeps the panel's own copy under dir (named by
// its checksum, so a re-import of the same bytes copies nothing), and names the
// template's volume by slug and checksum, so a changed image becomes a new volume
// and VMs built from the old one keep their base. Nodes get the volume from
// PushTemplate (the CLI at once, the panel's template worker for the rest).
// changed is false when the template already had these bytes.
func ImportTemplate(ctx context.Context, db *store.DB, dir string, in ImportInput, progress func(done, total int64)) (t store.OSTemplate, changed bool, err error) {
	if !slugRe.MatchString(in.Slug) {
		return t, false, fmt.Errorf("slug %q: lower-case letters, digits, dots and dashes", in.Slug)
	}
	if strings.TrimSpace(in.Name) == "" {
		return t, false, errors.New("a name is required")
	}
	for _, f := range in.Features {
		if !slices.Contains(Features, f) {
			return t, false, fmt.Errorf("feature %q: one of %s", f, strings.Join(Features, ", "))
		}
	}
	f, err := os.Open(in.File)
	if err != nil {
		return t, false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return t, false, err
	}
	if in.Kind == "" {
		in.Kind = store.KindDisk
	}
	var format string
	switch in.Kind {
	case store.KindDisk:
		format, err = imageFormat(f, in.Format)
	case store.KindISO:
		format, err = "iso", isISO(f)
	default:
		err = fmt.Errorf("kind %q: disk or iso", in.Kind)
	}
	if err != nil {
		return t, false, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, progressReader(f, st.Size(), progress)); err != nil {
		return t, false, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return t, false, err
	}
	keep := filepath.Join(dir, sum+"."+format)
	if _, err := os.Stat(keep); err != nil {
		if in.Move {
			err = os.Rename(in.File, keep)
		} else {
			err = copyFile(f, keep)
		}
		if err != nil {
			return t, false, err
		}
	}
	old, err := db.OSTemplate(ctx, in.Slug)
	switch {
	case errors.Is(err, store.ErrNotFound):
		old = store.OSTemplate{Active: true}
	case err != nil:
		return t, false, err
	}
	t = store.OSTemplate{Slug: in.Slug, Name: strings.TrimSpace(in.Name), Volume: in.Slug + "-" + sum[:12] + "." + format,
		MinDiskGB: max(in.MinDiskGB, 1), Sort: old.Sort, Active: old.Active,
		SHA256: sum, Format: format, SizeBytes: st.Size(), File: keep, Features: in.Features, Kind: in.Kind}
	if old.Kind != "" && old.Kind != in.Kind {
		return t, false, fmt.Errorf("%s is a %s image, not a %s", in.Slug, old.Kind, in.Kind)
	}
	if err := db.UpsertOSTemplate(ctx, t); err != nil {
		return t, false, err
	}
	return t, old.SHA256 != sum, nil
}

// isISO checks for an ISO 9660 file system ("CD001" in its first volume descriptor).
func isISO(f *os.File) error {
	magic := make([]byte, 5)
	if n, _ := f.ReadAt(magic, 0x8001); n != 5 || string(magic) != "CD001" {
		return errors.New("the file is not an ISO 9660 image")
	}
	return nil
}

// imageFormat is the format named, or qcow2 when the header says so, else raw.
func imageFormat(f *os.File, named string) (string, error) {
	head := make([]byte, 4)
	n, _ := f.ReadAt(head, 0)
	isQcow2 := n == 4 && bytes.Equal(head, []byte{'Q', 'F', 'I', 0xfb})
	switch named {
	case "":
		if isQcow2 {
			return "qcow2", nil
		}
		return "raw", nil
	case "qcow2":
		if !isQcow2 {
			return "", errors.New("the file is not a qcow2 image")
		}
		return named, nil
	case "raw":
		return named, nil
	}
	return "", fmt.Errorf("format %q: qcow2 or raw", named)
}

func copyFile(src *os.File, dst string) error {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".import-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, src); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

func progressReader(r io.Reader, total int64, progress func(done, total int64)) io.Reader {
	if progress == nil {
		return r
	}
	return &progressing{r: r, total: total, report: progress}
}

type progressing struct {
	r         io.Reader
	done      int64
	total     int64
	report    func(done, total int64)
	lastShown time.Time
}

func (p *progressing) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if now := time.Now(); err != nil || now.Sub(p.lastShown) > time.Second {
		p.lastShown = now
		p.report(p.done, p.total)
	}
	return n, err
}

// PushTemplate uploads an imported template to a node and records the outcome:
// the volume counts as ready only once the node's copy matched the checksum.
func PushTemplate(ctx context.Context, db *store.DB, node *hypervisor.Node, t store.OSTemplate, progress func(done, total int64)) error {
	id := node.Config().ID
	if err := db.SetTemplateVolume(ctx, t.Slug, id, t.Volume, store.VolumeUploading, ""); err != nil {
		return err
	}
	err := pushFile(ctx, node, t, progress)
	state, why := store.VolumeReady, ""
	if err != nil {
		state, why = store.VolumeFailed, err.Error()
	}
	if rerr := db.SetTemplateVolume(context.WithoutCancel(ctx), t.Slug, id, t.Volume, state, why); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

func pushFile(ctx context.Context, node *hypervisor.Node, t store.OSTemplate, progress func(done, total int64)) error {
	f, err := os.Open(t.File)
	if err != nil {
		return err
	}
	defer f.Close()
	var report func(int64)
	if progress != nil {
		report = func(n int64) { progress(n, t.SizeBytes) }
	}
	return node.UploadTemplate(ctx, t.Volume, f, t.SizeBytes, t.SHA256, report)
}

// templateRetry is how long a failed upload waits before the worker tries again.
const templateRetry = time.Minute

// inFlight remembers the uploads this panel runs, so a pass does not start one
// twice and does not take its own upload for a dead process's.
type inFlight struct {
	mu sync.Mutex
	m  map[string]bool
}

func (f *inFlight) start(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]bool{}
	}
	if f.m[key] {
		return false
	}
	f.m[key] = true
	return true
}

func (f *inFlight) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.m)
}

func (f *inFlight) done(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, key)
}

// syncTemplates gives every node that answers the active imported templates it
// lacks, one upload at a time: a node added after an import, an upload that
// failed, or one a dead process left half done ("uploading" with nobody at it),
// which UploadTemplate replaces.
func (s *Workers) syncTemplates(ctx context.Context) {
	templates, err := s.db.AllOSTemplates(ctx)
	if err != nil {
		s.log.Error("listing templates", "err", err)
		return
	}
	vols, err := s.db.TemplateVolumes(ctx)
	if err != nil {
		s.log.Error("listing template volumes", "err", err)
		return
	}
	have := map[string]store.TemplateVolume{}
	for _, v := range vols {
		have[fmt.Sprintf("%s/%d", v.Template, v.NodeID)] = v
	}
	for _, t := range templates {
		if !t.Active || !t.Imported() {
			continue
		}
		for _, st := range s.fleet.Status() {
			key := fmt.Sprintf("%s/%d", t.Slug, st.ID)
			v, ok := have[key]
			if ok && v.Volume == t.Volume && (v.State == store.VolumeReady ||
				v.State == store.VolumeFailed && time.Since(v.UpdatedAt) < templateRetry) {
				continue
			}
			node, err := s.fleet.Node(st.ID)
			if err != nil || ctx.Err() != nil || !s.uploads.start(key) {
				continue
			}
			started := time.Now()
			err = PushTemplate(ctx, s.db, node, t, nil)
			s.uploads.done(key)
			if err != nil {
				s.log.Warn("template upload failed; retried in a minute", "template", t.Slug, "node", st.Name, "err", err)
				continue
			}
			s.log.Info("template uploaded", "template", t.Slug, "node", st.Name, "bytes", t.SizeBytes,
				"took", time.Since(started).Round(time.Millisecond))
		}
	}
}

// RunTemplateSync puts imported templates onto every node that lacks them,
// every ReconcileInterval until ctx ends.
func (s *Workers) RunTemplateSync(ctx context.Context) {
	s.awaitNodes(ctx, 10*time.Second)
	s.every(ctx, s.cfg.ReconcileInterval, nil, func() { s.syncTemplates(ctx) })
}
