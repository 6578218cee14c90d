package web_test

import (
	"context"
	"testing"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// catalogAdmin signs an admin with two-factor sign-in into a fresh browser,
// on the operator's first page, in lang.
func catalogAdmin(t *testing.T, a *testkit.App, lang i18n.Locale) *testkit.Tab {
	t.Helper()
	l := string(lang)
	email := "ops-" + l + "@example.com"
	if a.Count(t, `SELECT count(*) FROM users WHERE email = ?`, email) == 0 {
		a.CreateUser(t, email, testkit.Password)
		if _, err := a.Staff.SetRole(context.Background(), services.OperatorOnMachine(), email, store.StaffAdmin); err != nil {
			t.Fatal(err)
		}
	}
	p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
	p.Open("/signin?lang=" + l)
	p.Fill(map[string]string{"#f-email": email, "#f-password": testkit.Password})
	p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
	enableTOTP(t, a, email)
	p.Open("/admin")
	return p
}

// screenshots saves the page at phone and desktop width.
func screenshots(p *testkit.Tab, name string) {
	for _, size := range []string{"phone", "desktop"} {
		if size == "phone" {
			p.AtPhoneSize()
		} else {
			p.AtDesktopSize()
		}
		p.SaveFullScreenshot(name + "-" + size)
	}
}

// The Plans page in Chromium, in Persian and English, at phone and desktop
// width: an admin opens it from the operator's navigation, sees each plan's
// price per hour and per month, reprices one at phone width and disables it
// at desktop width.
func TestThePlansPageRepricesAndDisablesInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			p := catalogAdmin(t, a, lang)
			p.Click(`[data-testid=admin-nav] a[href="/admin/plans"]`, `[data-testid=admin-plans]`)
			p.WantLangDir(l, lang.Dir())
			row := `[data-testid=plan-pro]`
			pro, err := a.DB.Plan(context.Background(), "pro")
			if err != nil {
				t.Fatal(err)
			}
			wantIn(t, p, row+` [data-testid=plan-price]`, i18n.Money(lang, pro.PriceHourlyRials*730))
			screenshots(p, "admin-plans-"+l)

			p.AtPhoneSize()
			price := map[i18n.Locale]string{i18n.FA: "۴۱۰۰۰", i18n.EN: "42000"}[lang]
			rials := map[i18n.Locale]int64{i18n.FA: 410_000, i18n.EN: 420_000}[lang]
			p.MustElement("#f-price-pro").MustSelectAllText().MustInput(price)
			p.Click(row+` [data-testid=plan-save]`, `#flash .flash-success`)
			p.WantText(`#flash`, T("admin.plans.saved"))
			wantIn(t, p, row+` [data-testid=plan-price]`, i18n.Money(lang, rials))
			p.SaveFullScreenshot("admin-plans-saved-" + l + "-phone")

			p.AtDesktopSize()
			p.Click(row+` [data-testid=disable]`, row+` [data-testid=enable]`)
			p.WantText(`#flash`, T("admin.plans.disabled"))
			wantIn(t, p, row+` [data-testid=plan-state]`, T("admin.catalog.disabled"))
			p.SaveFullScreenshot("admin-plans-disabled-" + l + "-desktop")
			if pl, err := a.DB.Plan(context.Background(), "pro"); err != nil || pl.Active || pl.PriceHourlyRials != rials {
				t.Fatalf("pro is %+v (%v) after the page's forms", pl, err)
			}
			p.Click(row+` [data-testid=enable]`, row+` [data-testid=disable]`)
			p.WantText(`#flash`, T("admin.plans.enabled"))
		})
	}
}

// The Regions page in Chromium, in Persian and English, at phone and desktop
// width: an admin adds a region at phone width (it is then listed, offered)
// and disables it at desktop width, then offers it again.
func TestTheRegionsPageAddsAndDisablesInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			p := catalogAdmin(t, a, lang)
			p.Click(`[data-testid=admin-nav] a[href="/admin/regions"]`, `[data-testid=admin-regions]`)
			p.WantLangDir(l, lang.Dir())
			wantIn(t, p, `[data-testid=region-thr-1]`, "10.20.0.0/24")

			p.AtPhoneSize()
			slug := "mhd-" + l
			p.Fill(map[string]string{"#f-slug": slug, "#f-name_fa": "مشهد " + l, "#f-name_en": "Mashhad " + l})
			p.Click(`[data-testid=region-create]`, `[data-testid=region-`+slug+`]`)
			p.WantText(`#flash`, T("admin.regions.created"))
			row := `[data-testid=region-` + slug + `]`
			wantIn(t, p, row+` [data-testid=region-state]`, T("admin.catalog.active"))
			screenshots(p, "admin-regions-"+l)

			p.AtDesktopSize()
			p.Click(row+` [data-testid=disable]`, row+` [data-testid=enable]`)
			p.WantText(`#flash`, T("admin.regions.disabled"))
			wantIn(t, p, row+` [data-testid=region-state]`, T("admin.catalog.disabled"))
			p.SaveFullScreenshot("admin-regions-disabled-" + l + "-desktop")
			if r, err := a.DB.Region(context.Background(), slug); err != nil || !r.Disabled {
				t.Fatalf("%s is %+v (%v) after the page's button", slug, r, err)
			}
			p.Click(row+` [data-testid=enable]`, row+` [data-testid=disable]`)
			p.WantText(`#flash`, T("admin.regions.enabled"))
		})
	}
}

// The OS templates and ISOs page in Chromium, in Persian and English, at
// phone and desktop width: an admin reads an imported template's state on
// each node (ready, failed with why) and disables it, then offers it again.
func TestTheTemplatesPageShowsStatesAndDisablesInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	seedImported(t, a)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			p := catalogAdmin(t, a, lang)
			p.Click(`[data-testid=admin-nav] a[href="/admin/templates"]`, `[data-testid=admin-templates]`)
			p.WantLangDir(l, lang.Dir())
			row := `[data-testid=template-alpine]`
			wantIn(t, p, row+` [data-testid=template-node-tpl-ok]`, T("admin.templates.state_ready"))
			wantIn(t, p, row+` [data-testid=template-node-tpl-bad]`, T("admin.templates.state_failed"))
			wantIn(t, p, row+` [data-testid=template-node-tpl-bad]`, "no space left")
			screenshots(p, "admin-templates-"+l)

			p.AtPhoneSize()
			p.Click(row+` [data-testid=disable]`, row+` [data-testid=enable]`)
			p.WantText(`#flash`, T("admin.templates.disabled"))
			wantIn(t, p, row+` [data-testid=template-state]`, T("admin.catalog.disabled"))
			p.SaveFullScreenshot("admin-templates-disabled-" + l + "-phone")
			if tm, err := a.DB.OSTemplate(context.Background(), "alpine"); err != nil || tm.Active {
				t.Fatalf("alpine is %+v (%v) after the page's button", tm, err)
			}
			p.AtDesktopSize()
			p.Click(row+` [data-testid=enable]`, row+` [data-testid=disable]`)
			p.WantText(`#flash`, T("admin.templates.enabled"))
		})
	}
}

// The address pools page in Chromium, in Persian and English, at phone and
// desktop width: an admin follows the overview's "pools near full" figure
// to the page, where the nearly full pool is flagged with its usage.
func TestThePoolsPageFlagsANearlyFullPoolInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	_, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.86")
	pl := seedNearlyFullPool(t, a, uuid)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			p := catalogAdmin(t, a, lang)
			wantIn(t, p, `[data-testid=value-pools-near-full]`, i18n.Number(lang, 1))
			p.Click(`[data-testid=figure-pools-near-full]`, `[data-testid=admin-pools]`)
			p.WantLangDir(l, lang.Dir())
			row := `[data-testid=pool-` + itoa(pl.ID) + `]`
			wantIn(t, p, row+` [data-testid=pool-near-full]`, T("admin.pools.near_full"))
			wantIn(t, p, row+` [data-testid=pool-free]`, T("admin.pools.free_of", "free", i18n.Number(lang, 1), "size", i18n.Number(lang, 20)))
			wantIn(t, p, row+` [data-testid=pool-live]`, i18n.Number(lang, 16))
			wantIn(t, p, row+` [data-testid=pool-quarantined]`, i18n.Number(lang, 3))
			screenshots(p, "admin-pools-"+l)
		})
	}
}
