package web_test

import (
	"net/http"
	"strings"
	"testing"

	"abrak/testkit"
)

// An admin renames a region on /admin/regions and through PATCH
// /api/v1/admin/regions/{slug}: an empty name is refused beside its field
// with the names unchanged; support is refused 403; the rename is audited.
func TestAnAdminRenamesARegion(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	pp := newStaffPeople(t, a)
	names := func() (string, string) {
		r, err := a.DB.Region(t.Context(), "thr-1")
		if err != nil {
			t.Fatal(err)
		}
		return r.NameFA, r.NameEN
	}

	testkit.MustStatus(t, "support renames", pp.support.Post("/admin/regions/names", testkit.Form("slug", "thr-1", "name_fa", "غرب", "name_en", "West")),
		http.StatusForbidden)
	r := pp.admin.Post("/admin/regions/names?lang=en", testkit.Form("slug", "thr-1", "name_fa", " ", "name_en", "Tehran West"))
	testkit.MustStatus(t, "an empty Persian name", r, http.StatusUnprocessableEntity)
	section := r.Body[strings.Index(r.Body, `data-testid="region-rename"`):]
	section = section[:strings.Index(section, "</section>")]
	if !strings.Contains(section, `data-field-error="name_fa"`) || !strings.Contains(section, `value="Tehran West"`) {
		t.Errorf("the rename form holds no error beside name_fa, or lost what was typed:\n%s", section)
	}
	if fa, en := names(); fa != "تهران ۱" || en != "Tehran 1" {
		t.Errorf("a refused rename stored %q / %q", fa, en)
	}
	testkit.WantRedirect(t, "the admin renames thr-1", pp.admin.Post("/admin/regions/names",
		testkit.Form("slug", "thr-1", "name_fa", "تهران غرب", "name_en", "Tehran West")), "/admin/regions?rename=thr-1")
	if fa, en := names(); fa != "تهران غرب" || en != "Tehran West" {
		t.Errorf("renamed to %q / %q", fa, en)
	}
	if page := pp.admin.Get("/admin/regions?lang=en"); !strings.Contains(page.Body, "Tehran West") {
		t.Error("the page does not show the new name")
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.region_rename'`); n != 1 {
		t.Errorf("%d audit rows for the rename, want 1", n)
	}

	token, _ := a.MintToken(t, "ops@example.com", "admin")
	res := a.APICall(t, http.MethodPatch, "/api/v1/admin/regions/thr-1", token, `{"name_en": ""}`)
	testkit.MustStatus(t, "API: an empty English name", res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, `"name_en"`) {
		t.Errorf("the refusal does not name name_en: %s", res.Body)
	}
	res = a.APICall(t, http.MethodPatch, "/api/v1/admin/regions/thr-1", token, `{"name_fa": "تهران ۲", "name_en": "Tehran 2"}`)
	testkit.MustStatus(t, "API: a rename", res, http.StatusOK)
	if !strings.Contains(res.Body, `"name_en":"Tehran 2"`) || !strings.Contains(res.Body, `"active":true`) {
		t.Errorf("API rename answered %s", res.Body)
	}
	res = a.APICall(t, http.MethodPatch, "/api/v1/admin/regions/thr-1", token, `{"active": false}`)
	testkit.MustStatus(t, "API: disable still works", res, http.StatusOK)
	if fa, en := names(); fa != "تهران ۲" || en != "Tehran 2" {
		t.Errorf("disabling changed the names to %q / %q", fa, en)
	}
	res = a.APICall(t, http.MethodPatch, "/api/v1/admin/regions/nowhere", token, `{"name_fa": "x", "name_en": "y"}`)
	testkit.MustStatus(t, "API: an unknown region", res, http.StatusNotFound)
}
