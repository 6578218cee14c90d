package web_test

import (
	"context"
	"strconv"
	"testing"

	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// The Pools page's form in Chromium, in Persian and English, at phone and
// desktop width: an admin sends a network overlapping a pool at phone width
// and reads why beside the field; then adds a good pool at desktop width and
// finds it listed.
func TestThePoolsPageAddsAPoolInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	if _, err := a.DB.AddPool(context.Background(), store.Pool{Region: "thr-1", Network: "192.0.2.0/27"}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			l := string(lang)
			p := catalogAdmin(t, a, lang)
			p.Click(`[data-testid=admin-nav] a[href="/admin/pools"]`, `[data-testid=pool-new]`)
			p.WantLangDir(l, lang.Dir())

			p.AtPhoneSize()
			p.Fill(map[string]string{"#f-network": "192.0.2.16/28"})
			p.Click(`[data-testid=pool-create]`, `[data-field-error=network]`)
			p.WantText(`[data-field-error=network]`, T("admin.pools.network_overlaps"))
			p.SaveFullScreenshot("admin-pools-overlap-" + l + "-phone")

			p.AtDesktopSize()
			network := map[i18n.Locale]string{i18n.FA: "198.51.100.0/24", i18n.EN: "198.51.101.0/24"}[lang]
			p.Retype(map[string]string{"#f-network": network, "#f-gateway": "", "#f-resolvers": "9.9.9.9"})
			// The new pool is one row more than the list had.
			rows := len(p.MustElements(`[data-testid=admin-pools] tbody tr`)) + 1
			p.Click(`[data-testid=pool-create]`, `[data-testid=admin-pools] tbody tr:nth-child(`+strconv.Itoa(rows)+`)`)
			p.WantText(`#flash`, T("admin.pools.created"))
			wantIn(t, p, `[data-testid=admin-pools]`, network)
			screenshots(p, "admin-pools-added-"+l)
			if n := a.Count(t, `SELECT count(*) FROM address_pools WHERE network = ?`, network); n != 1 {
				t.Fatalf("%d pools of %s stored, want 1", n, network)
			}
		})
	}
}
