package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"abrak/testkit"
)

// smallQcow2 is a real qcow2 image of 1 GiB (a few hundred KiB on disk),
// made by qemu-img as an operator's image would be.
func smallQcow2(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "small.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", path, "1G").CombinedOutput(); err != nil {
		t.Fatalf("qemu-img create: %v\n%s", err, out)
	}
	return path
}

// uploadBody is the upload form as a browser sends it, the image last.
func uploadBody(t *testing.T, fields map[string]string, features []string, image string) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for _, f := range features {
		w.WriteField("features", f)
	}
	if image != "" {
		part, err := w.CreateFormFile("image", filepath.Base(image))
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(image)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(part, f)
		f.Close()
	}
	w.Close()
	return w.FormDataContentType(), &b
}

// leftovers are the upload's temporary files still in the template directory.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	found, _ := filepath.Glob(filepath.Join(dir, ".upload-*"))
	return found
}

// An admin uploads an image on /admin/templates: a real qcow2 image is kept
// and listed with its state on every node; a text file, a bad slug and a slug
// already used are each the form again with the message beside the field,
// nothing stored and the temporary file gone. Support is refused 403; the
// JSON twin answers 201 with the template and 422 naming the field.
func TestAnAdminUploadsATemplateFromTheBrowser(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	dir := filepath.Join(filepath.Dir(a.DBPath), "templates")
	image := smallQcow2(t)
	notImage := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notImage, []byte(strings.Repeat("not an image\n", 77)), 0o644); err != nil {
		t.Fatal(err)
	}
	post := func(c *testkit.Client, fields map[string]string, file string) testkit.Response {
		typ, body := uploadBody(t, fields, []string{"password", "ssh_key"}, file)
		c.Header = http.Header{"X-Csrf-Token": {c.Token()}}
		defer func() { c.Header = nil }()
		return c.DoRaw(http.MethodPost, "/admin/templates?lang=en", typ, body.String())
	}
	templates := func() int { return a.Count(t, `SELECT count(*) FROM os_templates WHERE slug LIKE 'alpine%'`) }
	good := map[string]string{"slug": "alpine-3", "name": "Alpine 3", "kind": "disk", "min_disk_gb": "2"}

	testkit.MustStatus(t, "support uploads", post(pp.support, good, image), http.StatusForbidden)
	for _, c := range []struct {
		name   string
		fields map[string]string
		file   string
		field  string
		says   string
	}{
		{"a text file", good, notImage, "image", "not a disk image"},
		{"no file", good, "", "image", "Choose the image file"},
		{"a bad slug", map[string]string{"slug": "Alpine 3!", "name": "Alpine 3", "min_disk_gb": "2"}, image, "slug", ""},
		{"no name", map[string]string{"slug": "alpine-3", "name": " ", "min_disk_gb": "2"}, image, "name", ""},
	} {
		r := post(pp.admin, c.fields, c.file)
		testkit.MustStatus(t, c.name, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.Body, `data-field-error="`+c.field+`"`) || !strings.Contains(r.Body, c.says) {
			t.Errorf("%s: no message beside %s (%q)\n%s", c.name, c.field, c.says, testkit.Trim(r.Body))
		}
		if n := templates(); n != 0 {
			t.Errorf("%s: %d templates stored", c.name, n)
		}
		if left := leftovers(t, dir); len(left) != 0 {
			t.Errorf("%s: temporary files left: %v", c.name, left)
		}
	}
	// The form sent back ticks what was sent, not the defaults.
	typ, body := uploadBody(t, good, []string{"user_data"}, notImage)
	pp.admin.Header = http.Header{"X-Csrf-Token": {pp.admin.Token()}}
	r := pp.admin.DoRaw(http.MethodPost, "/admin/templates?lang=en", typ, body.String())
	pp.admin.Header = nil
	if !strings.Contains(r.Body, `value="user_data" checked`) || strings.Contains(r.Body, `value="password" checked`) {
		t.Errorf("the form sent back does not tick what was sent\n%s", testkit.Trim(r.Body))
	}
	if kept, _ := filepath.Glob(filepath.Join(dir, "*.*")); len(kept) != 0 {
		t.Errorf("refused uploads kept images: %v", kept)
	}

	r = post(pp.admin, good, image)
	testkit.WantRedirect(t, "the admin uploads a qcow2 image", r, "/admin/templates")
	if left := leftovers(t, dir); len(left) != 0 {
		t.Errorf("temporary files left after the upload: %v", left)
	}
	tm, err := a.DB.OSTemplate(t.Context(), "alpine-3")
	if err != nil {
		t.Fatal(err)
	}
	if tm.Format != "qcow2" || tm.MinDiskGB != 2 || !tm.Active || strings.Join(tm.Features, ",") != "password,ssh_key" {
		t.Errorf("stored %+v", tm)
	}
	if _, err := os.Stat(tm.File); err != nil {
		t.Errorf("the panel's copy: %v", err)
	}
	page := pp.admin.Get("/admin/templates?lang=en")
	if !strings.Contains(page.Body, `data-testid="template-alpine-3"`) || !strings.Contains(page.Body, "Alpine 3") {
		t.Errorf("the page does not list the upload\n%s", testkit.Trim(page.Body))
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.template_upload'`); n != 1 {
		t.Errorf("%d audit rows for the upload, want 1", n)
	}

	r = post(pp.admin, map[string]string{"slug": "alpine-3", "name": "Alpine again", "min_disk_gb": "1"}, image)
	testkit.MustStatus(t, "the same slug again", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, `data-field-error="slug"`) || !strings.Contains(r.Body, "already") {
		t.Errorf("no slug-taken message\n%s", testkit.Trim(r.Body))
	}
	if tm2, _ := a.DB.OSTemplate(t.Context(), "alpine-3"); tm2.Name != "Alpine 3" {
		t.Errorf("the duplicate replaced the template: %+v", tm2)
	}

	// The JSON twin, with an administrator's admin-scoped token.
	token, _ := a.MintToken(t, "ops@example.com", "admin")
	api := func(fields map[string]string, file string) (int, map[string]any) {
		typ, body := uploadBody(t, fields, []string{"ssh_key"}, file)
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/api/v1/admin/templates", body)
		req.Header.Set("Content-Type", typ)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	status, out := api(map[string]string{"slug": "alpine-api", "name": "Alpine API"}, notImage)
	if status != http.StatusUnprocessableEntity || !strings.Contains(toJSON(out), `"image"`) {
		t.Errorf("API non-image: %d %v", status, out)
	}
	status, out = api(map[string]string{"slug": "alpine-api", "name": "Alpine API", "min_disk_gb": "1"}, image)
	if status != http.StatusCreated || out["slug"] != "alpine-api" || out["imported"] != true {
		t.Errorf("API upload: %d %v", status, out)
	}
	// An ISO, as import-iso takes one: the ISO 9660 signature, or refused.
	iso := make([]byte, 0x9000)
	copy(iso[0x8001:], "CD001")
	isoFile := filepath.Join(t.TempDir(), "rescue.iso")
	if err := os.WriteFile(isoFile, iso, 0o644); err != nil {
		t.Fatal(err)
	}
	status, out = api(map[string]string{"slug": "alpine-iso", "name": "Alpine ISO", "kind": "iso"}, image)
	if status != http.StatusUnprocessableEntity || !strings.Contains(toJSON(out), `"image"`) {
		t.Errorf("API: a qcow2 image as an ISO: %d %v", status, out)
	}
	status, out = api(map[string]string{"slug": "alpine-iso", "name": "Alpine ISO", "kind": "iso"}, isoFile)
	if status != http.StatusCreated || out["kind"] != "iso" {
		t.Errorf("API: an ISO: %d %v", status, out)
	}
	if left := leftovers(t, dir); len(left) != 0 {
		t.Errorf("temporary files left after the API: %v", left)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
