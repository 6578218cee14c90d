package web_test

import (
	"strings"
	"testing"

	"abrak/testkit"
	"abrak/views/i18n"
)

// pageTextWithoutPoweredBy is the rendered text of the page, the title
// included, without the powered-by line (the one place the software's name
// may show).
const pageTextWithoutPoweredBy = `() => {
	const body = document.body.cloneNode(true);
	body.querySelectorAll('[data-testid=powered-by]').forEach(e => e.remove());
	return document.title + "\n" + body.innerText;
}`

// With a brand set, a customer sees the provider's name and logo on the
// landing, sign-in, dashboard and API docs pages, the accent on the primary
// buttons, and the software's name nowhere but the powered-by line; in fa
// and en, at phone and desktop width.
func TestTheBrandIsOnEveryPage(t *testing.T) {
	a := testkit.NewApp(t, withBrand)
	seedCatalog(t, a)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			email := "brand-" + string(lang) + "@example.com"
			newVMCustomer(t, a, email, startBalanceRials)
			name := map[i18n.Locale]string{i18n.FA: "ابر نمونه", i18n.EN: "Sample Cloud"}[lang]
			p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			check := func(where, path string) {
				t.Helper()
				p.Open(path)
				p.WantLangDir(string(lang), lang.Dir())
				p.WantText(`[data-testid=brand-name]`, name)
				if w := p.MustEval(`() => { const i = document.querySelector('[data-testid=brand-logo]'); return i && i.complete ? i.naturalWidth : 0 }`).Int(); w == 0 {
					t.Errorf("%s: the logo is not shown", where)
				}
				text := p.MustEval(pageTextWithoutPoweredBy).String()
				if strings.Contains(text, "Abrak") || strings.Contains(text, "ابرک") {
					t.Errorf("%s: the software's name is in the page's text:\n%s", where, text)
				}
				if !strings.Contains(text, name) {
					t.Errorf("%s: the brand's name is not in the page's text", where)
				}
				p.WantText(`[data-testid=powered-by]`, i18n.T(lang, "brand.powered_by"))
				if bg := p.MustEval(`() => { const b = document.querySelector('.btn-primary'); return b ? getComputedStyle(b).backgroundColor : "" }`).String(); bg != "" && bg != "rgb(3, 105, 161)" || bg == "" && path == "/signin" {
					t.Errorf("%s: the primary button is %s, want the accent rgb(3, 105, 161)", where, bg)
				}
			}
			for _, size := range []string{"phone", "desktop"} {
				p.Open("/?lang=" + string(lang))
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				check(size+" landing", "/")
				check(size+" docs", "/docs/api")
				check(size+" sign-in", "/signin")
				p.SaveFullScreenshot("brand-signin-" + string(lang) + "-" + size)
			}
			p.Open("/signin")
			p.Fill(map[string]string{"#f-email": email, "#f-password": testkit.Password})
			p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
			for _, size := range []string{"phone", "desktop"} {
				p.Open("/vms")
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				for _, path := range []string{"/vms", "/vms/new", "/wallet", "/tokens", "/account", "/docs/api"} {
					check(size+" "+path, path)
				}
				p.SaveFullScreenshot("brand-dashboard-" + string(lang) + "-" + size)
			}
		})
	}
}
