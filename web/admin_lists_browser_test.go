package web_test

import (
	"context"
	"testing"

	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// The operator's lists in Chromium, in Persian and English, at phone and
// desktop width: on the Plans page an admin clicks the price header at
// desktop width (the cheapest plan first), clicks it again (the dearest
// first), then at phone width searches by a letter (two plans left, still in
// that order); on the Nodes page the name header sorts the found nodes either
// way, keeping the search; at phone width, where the table is cards without
// a header, the sort bar above them sorts, and a search finds one.
func TestTheListsSortAndSearchInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	ctx := context.Background()
	if err := a.DB.UpsertPlan(ctx, store.Plan{Slug: "mini", NameFA: "کوچولو", NameEN: "Mini", VCPUs: 1, MemoryMB: 512, DiskGB: 10, PriceHourlyRials: 1_000, Sort: 3, Active: true}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"node-b", "node-c", "node-a"} {
		if _, err := a.DB.UpsertNode(ctx, store.Node{Name: name, Region: "thr-1", URI: "test+unix:///default?socket=/nonexistent", Enabled: true}); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			l := string(lang)
			name := func(fa, en string) string {
				if lang == i18n.FA {
					return fa
				}
				return en
			}
			mini, starter, pro := name("کوچولو", "Mini"), name("آغازین", "Starter"), name("حرفه‌ای", "Pro")
			p := catalogAdmin(t, a, lang)
			p.Click(`[data-testid=admin-nav] a[href="/admin/plans"]`, `[data-testid=admin-plans]`)
			p.WantLangDir(l, lang.Dir())
			planNames := `[data-testid=admin-plans] tbody [data-testid=plan-name]`

			// The headers are a desktop's: at phone width the table is cards.
			p.AtDesktopSize()
			p.Click(`[data-testid=sort-price]`, `th[aria-sort=ascending] [data-testid=sort-price]`)
			p.WantTexts(planNames, mini, starter, pro)
			p.SaveFullScreenshot("admin-lists-plans-by-price-" + l + "-desktop")
			p.Click(`[data-testid=sort-price]`, `th[aria-sort=descending] [data-testid=sort-price]`)
			p.WantTexts(planNames, pro, starter, mini)

			p.AtPhoneSize()
			p.Fill(map[string]string{"#f-q": "r"})
			// The new page's box holds the search; the typed one only its property.
			p.Click(`[data-testid=list-search] [data-testid=search]`, `#f-q[value="r"]`)
			p.WantTexts(planNames, pro, starter)
			if !p.MustHas(`th[aria-sort=descending] [data-testid=sort-price]`) {
				t.Error("the search lost the order")
			}
			p.SaveAtBothWidths("admin-lists-plans-searched-" + l + "-")

			p.AtDesktopSize()
			p.Click(`[data-testid=admin-nav] a[href="/admin/nodes"]`, `[data-testid=admin-nodes]`)
			nodeNames := `[data-testid=admin-nodes] tbody tr > td:first-child > span.font-medium`
			p.Fill(map[string]string{"#f-q": "node-"})
			p.Click(`[data-testid=node-search] [data-testid=search]`, `#f-q[value="node-"]`)
			p.Click(`[data-testid=sort-name]`, `th[aria-sort=ascending] [data-testid=sort-name]`)
			p.WantTexts(nodeNames, "node-a", "node-b", "node-c")
			p.Click(`[data-testid=sort-name]`, `th[aria-sort=descending] [data-testid=sort-name]`)
			p.WantTexts(nodeNames, "node-c", "node-b", "node-a")
			p.AtPhoneSize()
			// A phone's cards show no header: the sort bar above them sorts.
			p.Click(`[data-testid=sort-bar-name]`, `th[aria-sort=ascending] [data-testid=sort-name]`)
			p.WantTexts(nodeNames, "node-a", "node-b", "node-c")
			// Each card names the column of its cells, without the header's sort arrow.
			nodeCol := map[string]string{"en": "Node", "fa": "نود"}[l]
			if got := p.SettledElement(`[data-testid=admin-nodes] tbody tr:first-child > td:first-child`).MustAttribute("data-label"); got == nil || *got != nodeCol {
				t.Errorf("the sorted column's cards are labelled %v, want %q", got, nodeCol)
			}
			p.SaveFullScreenshot("admin-lists-nodes-sorted-" + l + "-phone")
			p.Retype(map[string]string{"#f-q": "node-b"})
			p.Click(`[data-testid=node-search] [data-testid=search]`, `#f-q[value="node-b"]`)
			p.WantTexts(nodeNames, "node-b")
			p.SaveAtBothWidths("admin-lists-nodes-" + l + "-")
		})
	}
}
