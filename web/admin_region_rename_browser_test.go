package web_test

import (
	"context"
	"testing"

	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// Renaming a region in Chromium, in Persian and English, at phone and
// desktop width: the form holds the chosen region's current names; an empty
// English name is refused beside its field at phone width; both names saved at
// desktop width show in the region's row.
func TestTheRegionsPageRenamesARegionInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	// A second region, first in the list: the form starts on it, and thr-1 must be chosen.
	if err := a.DB.UpsertRegion(context.Background(), store.Region{Slug: "isf-1", NameFA: "اصفهان", NameEN: "Isfahan"}); err != nil {
		t.Fatal(err)
	}
	names := map[i18n.Locale][2]string{i18n.FA: {"تهران ۱", "Tehran 1"}, i18n.EN: {"تهران غرب", "Tehran West fa"}}
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			p := catalogAdmin(t, a, lang)
			p.Click(`[data-testid=admin-nav] a[href="/admin/regions"]`, `[data-testid=region-rename]`)
			p.WantLangDir(l, lang.Dir())

			wantValue(t, p, "#f-rename-name_en", "Isfahan")
			p.MustElement("#f-rename-slug").MustEval(`() => { this.value = "thr-1"; this.dispatchEvent(new Event("change", {bubbles: true})) }`)
			// Choosing a region puts its names in the fields, to be edited.
			wantValue(t, p, "#f-rename-name_fa", names[lang][0])
			wantValue(t, p, "#f-rename-name_en", names[lang][1])

			p.AtPhoneSize()
			p.Retype(map[string]string{"#f-rename-name_fa": "تهران غرب"})
			p.MustElement("#f-rename-name_en").MustEval(`() => { this.value = "" }`)
			p.Click(`[data-testid=region-rename-submit]`, `[data-testid=region-rename] [data-field-error=name_en]`)
			p.WantText(`[data-testid=region-rename] [data-field-error=name_en]`, T("form.required"))
			p.SaveFullScreenshot("admin-regions-rename-empty-" + l + "-phone")

			p.AtDesktopSize()
			p.Retype(map[string]string{"#f-rename-name_en": "Tehran West " + l})
			p.Click(`[data-testid=region-rename-submit]`, `#flash .flash-success`)
			p.WantText(`#flash`, T("admin.regions.renamed"))
			want := map[i18n.Locale]string{i18n.FA: "تهران غرب", i18n.EN: "Tehran West en"}[lang]
			wantIn(t, p, `[data-testid=region-thr-1]`, want)
			// The form stays on the region just renamed, with its new names.
			wantValue(t, p, "#f-rename-slug", "thr-1")
			wantValue(t, p, "#f-rename-name_en", "Tehran West "+l)
			screenshots(p, "admin-regions-renamed-"+l)
		})
	}
}

// wantValue fails the test unless the field holds want.
func wantValue(t *testing.T, p *testkit.Tab, sel, want string) {
	t.Helper()
	if got := p.MustElement(sel).MustProperty("value").String(); got != want {
		t.Errorf("%s holds %q, want %q", sel, got, want)
	}
}
