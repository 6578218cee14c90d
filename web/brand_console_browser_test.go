package web_test

import (
	"context"
	"strings"
	"testing"

	"abrak/services"
	"abrak/testkit"
	"abrak/views/i18n"
)

// An operator's brand set through the service is on the console page an API
// caller hands to a browser (/console/…: the logo and the name, never the
// software's name) and on the API docs page; "powered by" on the docs page
// goes when the operator turns it off, and comes back when turned on. In fa
// and en, at phone and desktop width.
func TestTheBrandIsOnTheConsoleAndDocsPages(t *testing.T) {
	a := testkit.NewApp(t, withBrand, unansweredVNC)
	ctx := context.Background()
	ana, uuid := consoleReadyVM(t, a, "brand-console@example.com", "203.0.113.96")
	admin := services.Principal{UserID: 1, IsAdmin: true}
	poweredBy := func(on bool) {
		t.Helper()
		if _, err := a.Brands.Set(ctx, admin, services.BrandChange{PoweredBy: &on}); err != nil {
			t.Fatal(err)
		}
	}

	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			name := map[i18n.Locale]string{i18n.FA: "ابر نمونه", i18n.EN: "Sample Cloud"}[lang]
			p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			logoShown := func(where string) {
				t.Helper()
				if w := p.MustEval(`() => { const i = document.querySelector('[data-testid=brand-logo]'); return i && i.complete ? i.naturalWidth : 0 }`).Int(); w == 0 {
					t.Errorf("%s: the logo is not shown", where)
				}
			}
			for _, size := range []string{"phone", "desktop"} {
				p.Open("/?lang=" + string(lang))
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				// A fresh ticket for each visit: the page's websocket uses it.
				tk, err := a.Consoles.Issue(ctx, a.PrincipalOf(t, ana.email), uuid)
				if err != nil {
					t.Fatal(err)
				}
				where := size + " console"
				// The console page is not an htmx page: loaded, not Open's checks.
				p.MustNavigate(a.URL + "/console/" + tk.Secret + "?lang=" + string(lang)).MustWaitLoad()
				p.WantLangDir(string(lang), lang.Dir())
				p.WantText(`[data-testid=console-brand] [data-testid=brand-name]`, name)
				logoShown(where)
				text := p.MustEval(`() => document.title + "\n" + document.body.innerText`).String()
				if strings.Contains(text, "Abrak") || strings.Contains(text, "ابرک") || !strings.Contains(text, name) {
					t.Errorf("%s: want the brand's name and not the software's in:\n%s", where, text)
				}
				p.SaveScreenshot("brand-console-" + string(lang) + "-" + size)

				poweredBy(true)
				p.Open("/docs/api")
				p.WantText(`[data-testid=brand-name]`, name)
				logoShown(size + " docs")
				p.WantText(`[data-testid=powered-by]`, i18n.T(lang, "brand.powered_by"))
				poweredBy(false)
				p.Open("/docs/api")
				p.WantText(`[data-testid=brand-name]`, name)
				if n := p.MustEval(`() => document.querySelectorAll('[data-testid=powered-by]').length`).Int(); n != 0 {
					t.Errorf("%s docs: the powered-by line is still there after it was turned off", size)
				}
				text = p.MustEval(`() => document.title + "\n" + document.body.innerText`).String()
				if strings.Contains(text, "Abrak") || strings.Contains(text, "ابرک") {
					t.Errorf("%s docs without powered-by: the software's name is in the page's text", size)
				}
				p.SaveFullScreenshot("brand-docs-no-powered-by-" + string(lang) + "-" + size)
			}
		})
	}
}
