package services

import (
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"

	"abrak/store"
)

// MaxTemplateUpload is the largest image the browser (or the admin API) may
// upload: cloud images are a few hundred MiB, a full installer ISO a few GiB.
// A bigger image goes through `abrak admin import-template` on the machine.
const MaxTemplateUpload = 8 << 30

// rawSector: a raw disk is whole 512-byte sectors; a file that is not is no disk.
const rawSector = 512

// TemplateUpload is an image an admin uploaded from the browser or the admin
// API, already streamed to File (a temporary file in the template directory,
// which the caller removes whatever happens).
type TemplateUpload struct {
	Slug, Name string
	Kind       string
	MinDiskGB  string
	Features   []string
	File       string
	// TooBig: the upload ran past MaxTemplateUpload and File holds only its start.
	TooBig bool
}

// WithTemplateDir names where the panel keeps its copies of imported images
// (the same directory `abrak admin import-template` uses); an upload's
// temporary file is made there, so keeping it is a rename on one disk.
func (s *Staff) WithTemplateDir(dir string) *Staff {
	s.templateDir = dir
	return s
}

// TemplateDir is where uploads are received; "" when the panel keeps none.
func (s *Staff) TemplateDir() string { return s.templateDir }

// UploadTemplate offers an uploaded image as a new template or ISO, through
// ImportTemplate as `abrak admin import-template` does; the template worker
// then puts it on every node. Only an admin may; a taken slug is refused
// (the browser adds, it does not replace an image VMs are built from). Audited.
func (s *Staff) UploadTemplate(ctx context.Context, p Principal, in TemplateUpload) (StaffTemplate, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return StaffTemplate{}, err
	}
	if s.templateDir == "" {
		return StaffTemplate{}, Unavailable("admin.templates.upload_off", nil)
	}
	in.Slug, in.Name = strings.TrimSpace(in.Slug), strings.TrimSpace(in.Name)
	fields := map[string]string{}
	if !slugRe.MatchString(in.Slug) {
		fields["slug"] = "admin.catalog.slug_invalid"
	} else if _, err := s.db.OSTemplate(ctx, in.Slug); err == nil {
		fields["slug"] = "admin.catalog.slug_taken"
	} else if !errors.Is(err, store.ErrNotFound) {
		return StaffTemplate{}, Internal(err)
	}
	if k := nameProblem(in.Name, 60, "admin.catalog.name_long"); k != "" {
		fields["name"] = k
	}
	if in.Kind == "" {
		in.Kind = store.KindDisk
	}
	if in.Kind != store.KindDisk && in.Kind != store.KindISO {
		fields["kind"] = "admin.templates.kind_invalid"
	}
	minDisk := 1
	if in.Kind == store.KindDisk {
		n, err := strconv.Atoi(strings.TrimSpace(in.MinDiskGB))
		if err != nil || n < 1 || n > 10_000 {
			fields["min_disk_gb"] = "admin.templates.min_disk_invalid"
		}
		minDisk = n
		for _, f := range in.Features {
			if !slices.Contains(Features, f) {
				fields["features"] = "admin.templates.features_invalid"
			}
		}
	} else {
		in.Features = nil
	}
	if k := uploadProblem(in); k != "" {
		fields["image"] = k
	}
	if len(fields) > 0 {
		return StaffTemplate{}, Invalid(fields)
	}
	t, _, err := ImportTemplate(ctx, s.db, s.templateDir, ImportInput{Slug: in.Slug, Name: in.Name, File: in.File, MinDiskGB: minDisk,
		Features: in.Features, Kind: in.Kind, Move: true}, nil)
	if err != nil {
		return StaffTemplate{}, Internal(err)
	}
	s.record(ctx, p, "admin.template_upload", SeverityWarning, "template", t.Slug, t.Kind+", sha256 "+t.SHA256[:12])
	all, err := s.Templates(ctx, p)
	if err != nil {
		return StaffTemplate{}, err
	}
	for _, st := range all {
		if st.Slug == t.Slug {
			return st, nil
		}
	}
	return StaffTemplate{}, NotFound()
}

// uploadProblem is why the uploaded file is not the image it claims to be, by
// ImportTemplate's own checks, and for a raw disk (which has no header) whole
// sectors: a text file or a photo is refused before anything is stored.
func uploadProblem(in TemplateUpload) string {
	if in.TooBig {
		return "admin.templates.image_too_big"
	}
	f, err := os.Open(in.File)
	if err != nil {
		return "admin.templates.image_required"
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return "admin.templates.image_required"
	}
	if in.Kind == store.KindISO {
		if isISO(f) != nil {
			return "admin.templates.not_iso"
		}
		return ""
	}
	format, _ := imageFormat(f, "")
	if format == "raw" && (st.Size()%rawSector != 0 || isISO(f) == nil) {
		return "admin.templates.not_image"
	}
	return ""
}
