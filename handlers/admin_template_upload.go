package handlers

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/services"
)

// uploadTime is how long one upload may take: an image of
// services.MaxTemplateUpload at about 2 MiB/s (the server's one-minute
// read timeout is lifted for this request alone).
const uploadTime = 75 * time.Minute

// uploadFields are an upload form's text fields, kept for redisplay.
var uploadFields = []string{"slug", "name", "kind", "min_disk_gb"}

// receiveTemplate reads the upload form's fields and streams its image part
// into a temporary file in the template directory, never whole into memory;
// the caller removes the file (tmp), whatever happens.
func (h *Handlers) receiveTemplate(c echo.Context) (in services.TemplateUpload, values map[string]string, err error) {
	r := c.Request()
	_ = http.NewResponseController(c.Response().Writer).SetReadDeadline(time.Now().Add(uploadTime))
	values = map[string]string{}
	dir := h.Staff.TemplateDir()
	if dir == "" {
		return in, values, services.Unavailable("admin.templates.upload_off", nil)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return in, values, services.Internal(err)
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return in, values, services.Internal(err)
	}
	in.File = tmp.Name()
	defer tmp.Close()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, services.MaxTemplateUpload+1<<20)
	err = h.streamParts(r, tmp, values, &in)
	if err != nil {
		return in, values, err
	}
	in.Slug, in.Name, in.Kind, in.MinDiskGB = values["slug"], values["name"], values["kind"], values["min_disk_gb"]
	// What was ticked, for the form sent back; "," marks a form sent with none ticked.
	values["features"] = "," + strings.Join(in.Features, ",")
	return in, values, tmp.Sync()
}

func (h *Handlers) streamParts(r *http.Request, tmp *os.File, values map[string]string, in *services.TemplateUpload) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return services.Invalid(map[string]string{"image": "admin.templates.image_required"})
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return services.Invalid(map[string]string{"image": "admin.templates.image_required"})
		}
		name := part.FormName()
		switch {
		case name == "image" && part.FileName() != "":
			n, err := io.Copy(tmp, io.LimitReader(part, services.MaxTemplateUpload+1))
			if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
				in.TooBig = true
				return nil
			}
			if err != nil {
				return services.Invalid(map[string]string{"image": "admin.templates.image_required"})
			}
			if n > services.MaxTemplateUpload {
				in.TooBig = true
				return nil
			}
		case name == "features":
			b, _ := io.ReadAll(io.LimitReader(part, 64))
			in.Features = append(in.Features, string(b))
		default:
			b, _ := io.ReadAll(io.LimitReader(part, 1024))
			values[name] = string(b)
		}
	}
}

// AdminUploadTemplate adds a template or ISO from the page's upload form.
func (h *Handlers) AdminUploadTemplate(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if err := p.RequireStaff(services.StaffManage); err != nil {
		return err
	}
	in, values, err := h.receiveTemplate(c)
	defer os.Remove(in.File)
	if err == nil {
		_, err = h.Staff.UploadTemplate(c.Request().Context(), p, in)
	}
	if err != nil {
		f, status, ferr := formFor(c, err, values)
		if ferr != nil {
			return ferr
		}
		return h.adminTemplatesPage(c, status, f)
	}
	h.flash(c, "admin.templates.uploaded")
	return redirect(c, "/admin/templates")
}

// APIAdminUploadTemplate is POST /api/v1/admin/templates (multipart/form-data:
// slug, name, kind, min_disk_gb, features, image).
func (h *Handlers) APIAdminUploadTemplate(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if err := p.RequireStaff(services.StaffManage); err != nil {
		return err
	}
	in, _, err := h.receiveTemplate(c)
	defer os.Remove(in.File)
	if err != nil {
		return err
	}
	t, err := h.Staff.UploadTemplate(c.Request().Context(), p, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, adminTemplateJSON(t))
}
