package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"abrak/testkit"
	"abrak/views/i18n"
)

// The templates page's upload in Chromium, in Persian and English, at phone
// and desktop width: a text file is refused beside the file field after its
// progress bar ran to the end; then a small qcow2 image is uploaded and the
// template is listed with its state per node.
func TestTheTemplatesPageUploadsAnImageInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	image := smallQcow2(t)
	notImage := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notImage, []byte(strings.Repeat("not an image\n", 77)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			slug := "alpine-" + l
			p := catalogAdmin(t, a, lang)
			p.Click(`[data-testid=admin-nav] a[href="/admin/templates"]`, `[data-testid=template-upload]`)
			p.WantLangDir(l, lang.Dir())

			p.AtPhoneSize()
			// What the bar showed, kept past the form's swap.
			p.MustEval(`() => document.addEventListener("htmx:xhr:progress", (e) => {
				const bar = e.target.querySelector?.("[data-upload-progress] progress");
				if (bar) window.shownProgress = Math.max(window.shownProgress || 0, bar.value);
			})`)
			p.Fill(map[string]string{"#f-slug": slug, "#f-name": "Alpine " + l})
			p.MustElement("#f-image").MustSetFiles(notImage)
			p.Click(`[data-testid=template-upload-submit]`, `[data-field-error=image]`)
			p.WantText(`[data-field-error=image]`, T("admin.templates.not_image"))
			if got := p.MustEval(`() => window.shownProgress || 0`).Int(); got != 100 {
				t.Errorf("the progress bar reached %d%%, want 100", got)
			}
			p.SaveFullScreenshot("admin-templates-not-image-" + l + "-phone")
			if n := a.Count(t, `SELECT count(*) FROM os_templates WHERE slug = ?`, slug); n != 0 {
				t.Fatalf("the refused file was stored")
			}

			p.AtDesktopSize()
			p.MustElement("#f-image").MustSetFiles(image)
			p.Click(`[data-testid=template-upload-submit]`, `[data-testid=template-`+slug+`]`)
			p.WantText(`#flash`, T("admin.templates.uploaded"))
			wantIn(t, p, `[data-testid=template-`+slug+`]`, "Alpine "+l)
			screenshots(p, "admin-templates-uploaded-"+l)
		})
	}
}
