package views

import (
	"context"
	"strings"
	"testing"

	"abrak/views/i18n"
)

// The console page (a page of its own, outside the layout) names the
// provider in its title and toolbar, with its logo, not the software.
func TestConsolePageCarriesTheBrand(t *testing.T) {
	for loc, name := range map[i18n.Locale]string{i18n.FA: "ابر نمونه", i18n.EN: "Sample Cloud"} {
		s := Shell{Locale: loc, Title: "console.title", Site: Site{Brand: Brand{NameFA: "ابر نمونه", NameEN: "Sample Cloud", Named: true, PoweredBy: true, FaviconTag: "f1", LogoTag: "l1"}}}
		var b strings.Builder
		if err := ConsolePage(s, ConsoleView{VMUUID: "u", VMName: "web-1"}).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		html := b.String()
		if !strings.Contains(html, "· "+name+"</title>") || !strings.Contains(html, `data-testid="brand-name">`+name) ||
			!strings.Contains(html, `src="/brand/logo?v=l1"`) {
			t.Errorf("%s: the console page does not carry %q", loc, name)
		}
		if strings.Contains(html, "Abrak") || strings.Contains(html, "ابرک") {
			t.Errorf("%s: the console page names the software", loc)
		}
		if !strings.Contains(html, `rel="icon" href="/brand/favicon?v=f1"`) {
			t.Errorf("%s: the console page lacks the favicon", loc)
		}
	}
}

// The powered-by line shows under a provider's brand unless turned off,
// and never under the software's own name.
func TestPoweredByLine(t *testing.T) {
	for _, tc := range []struct {
		brand Brand
		want  bool
	}{
		{Brand{NameEN: "Sample Cloud", Named: true, PoweredBy: true}, true},
		{Brand{NameEN: "Sample Cloud", Named: true, PoweredBy: false}, false},
		{Brand{PoweredBy: true}, false},
	} {
		var b strings.Builder
		_ = PoweredBy(Shell{Locale: i18n.EN, Site: Site{Brand: tc.brand}}).Render(context.Background(), &b)
		if got := strings.Contains(b.String(), "Powered by Abrak"); got != tc.want {
			t.Errorf("%+v: powered-by shown %v, want %v", tc.brand, got, tc.want)
		}
	}
}
