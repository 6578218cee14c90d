package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// The Settings page in Chromium, in Persian and English, at phone and
// desktop width: an admin opens it from the operator's navigation, a colour
// too light for white text is refused beside its field (nothing saved), and
// the brand's names with an uploaded logo are then saved and shown in the
// header of the customer's pages.
func TestTheBrandIsSetOnTheSettingsPageInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	logo := filepath.Join(t.TempDir(), "logo.svg")
	if err := os.WriteFile(logo, []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#0369a1"/></svg>`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			email := "brand-" + l + "@example.com"
			staffMember(t, a, email, store.StaffAdmin)
			p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			p.SignIn(l, email)
			enableTOTP(t, a, email)
			p.Open("/admin")
			p.Click(`[data-testid=admin-nav] a[href="/admin/settings"]`, `[data-testid=brand-form]`)
			p.WantLangDir(l, lang.Dir())
			p.WantText(`[data-testid=part-mail] [data-testid=part-off]`, T("admin.settings.not_configured"))
			p.SaveAtBothWidths("admin-settings-" + l + "-")

			p.AtPhoneSize()
			p.Retype(map[string]string{"#f-name_fa": "ابر نمونه " + l, "#f-name_en": "Sample Cloud " + l, "#f-accent": "#eeeeee"})
			p.Click(`[data-testid=brand-submit]`, `[data-field-error=accent]`)
			p.WantText(`[data-field-error=accent]`, T("brand.error_accent_contrast"))
			if b, _ := a.Brands.Get(context.Background()); strings.Contains(b.NameEN, "Sample Cloud "+l) {
				t.Fatal("a refused form saved the brand's name")
			}
			p.SaveFullScreenshot("admin-settings-refused-" + l + "-phone")

			p.Retype(map[string]string{"#f-accent": "#0369a1"})
			p.MustElement(`#f-logo`).MustSetFiles(logo)
			p.Click(`[data-testid=brand-submit]`, `#flash .flash-success`)
			p.WantText(`#flash`, T("admin.settings.saved"))
			p.Open("/vms")
			want := map[i18n.Locale]string{i18n.FA: "ابر نمونه " + l, i18n.EN: "Sample Cloud " + l}[lang]
			p.WantText(`header [data-testid=brand-name]`, want)
			if n := len(p.MustElements(`header img[data-testid=brand-logo]`)); n == 0 {
				t.Error("the header shows no logo after it was uploaded")
			}
			p.SaveAtBothWidths("admin-settings-brand-shown-" + l + "-")
		})
	}
}
