package web_test

import (
	"testing"

	"abrak/testkit"
	"abrak/views/i18n"
)

// Renaming a region in Chromium, in Persian and English, at phone and
// desktop width: an empty English name is refused beside its field at phone
// width; both names saved at desktop width show in the region's row.
func TestTheRegionsPageRenamesARegionInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			p := catalogAdmin(t, a, lang)
			p.Click(`[data-testid=admin-nav] a[href="/admin/regions"]`, `[data-testid=region-rename]`)
			p.WantLangDir(l, lang.Dir())

			p.AtPhoneSize()
			p.Fill(map[string]string{"#f-rename-name_fa": "تهران غرب"})
			p.Click(`[data-testid=region-rename-submit]`, `[data-testid=region-rename] [data-field-error=name_en]`)
			p.WantText(`[data-testid=region-rename] [data-field-error=name_en]`, T("form.required"))
			p.SaveFullScreenshot("admin-regions-rename-empty-" + l + "-phone")

			p.AtDesktopSize()
			p.Retype(map[string]string{"#f-rename-name_en": "Tehran West " + l})
			p.Click(`[data-testid=region-rename-submit]`, `#flash .flash-success`)
			p.WantText(`#flash`, T("admin.regions.renamed"))
			want := map[i18n.Locale]string{i18n.FA: "تهران غرب", i18n.EN: "Tehran West en"}[lang]
			wantIn(t, p, `[data-testid=region-thr-1]`, want)
			screenshots(p, "admin-regions-renamed-"+l)
		})
	}
}
