package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"abrak/app"
	"abrak/services"
	"abrak/testkit"
)

var brandLogoSVG = []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#0369a1"/></svg>`)

// withBrand gives the panel a provider's brand as the ABRAK_BRAND_* settings would.
func withBrand(c *app.Config) {
	c.Brand = services.Brand{NameFA: "ابر نمونه", NameEN: "Sample Cloud", Logo: brandLogoSVG, LogoType: "image/svg+xml",
		Favicon: brandLogoSVG, FaviconType: "image/svg+xml", Accent: "#0369a1", PoweredBy: true}
}

// The logo, favicon and accent stylesheet are served by the panel with an
// ETag a browser can revalidate; a panel without them answers 404.
func TestBrandFilesServedWithAnETag(t *testing.T) {
	a := testkit.NewApp(t, withBrand)
	c := a.Client(t)
	home := c.Get("/")
	for path, typ := range map[string]string{"/brand/logo": "image/svg+xml", "/brand/favicon": "image/svg+xml", "/brand/theme.css": "text/css"} {
		r := c.Get(path)
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), typ) || r.Header.Get("ETag") == "" {
			t.Fatalf("GET %s: %d %q etag %q, want 200 %s with an ETag", path, r.Status, r.Header.Get("Content-Type"), r.Header.Get("ETag"), typ)
		}
		again := c.Do(http.MethodGet, path, nil, http.Header{"If-None-Match": {r.Header.Get("ETag")}})
		if again.Status != http.StatusNotModified {
			t.Errorf("GET %s again with its ETag: %d, want 304", path, again.Status)
		}
		if !strings.Contains(home.Body, path+"?v=") {
			t.Errorf("the landing page does not link %s", path)
		}
	}
	if css := c.Get("/brand/theme.css").Body; !strings.Contains(css, "--brand-accent:#0369a1") || !strings.Contains(css, ".btn-primary{background-color:var(--brand-accent)}") {
		t.Errorf("theme.css = %q, want the accent as a variable the primary button uses", css)
	}
	plain := testkit.NewApp(t).Client(t)
	if r := plain.Get("/brand/logo"); r.Status != http.StatusNotFound {
		t.Errorf("a panel without a logo: GET /brand/logo %d, want 404", r.Status)
	}
	if strings.Contains(plain.Get("/").Body, "/brand/") {
		t.Error("a panel without a brand links brand files")
	}
}

// The OpenAPI document, as served, is titled with the provider's name.
func TestOpenAPITitleIsTheBrands(t *testing.T) {
	for _, tc := range []struct {
		opts []func(*app.Config)
		want string
	}{{[]func(*app.Config){withBrand}, "Sample Cloud API"}, {nil, "Abrak API"}} {
		r := testkit.NewApp(t, tc.opts...).Client(t).Get("/api/v1/openapi.json")
		var doc struct {
			Info struct{ Title string } `json:"info"`
		}
		if err := json.Unmarshal([]byte(r.Body), &doc); err != nil || doc.Info.Title != tc.want {
			t.Errorf("info.title = %q (%v), want %q", doc.Info.Title, err, tc.want)
		}
	}
}

// A name set on the settings page wins over the setting on the next page,
// and "powered by" goes when the page turns it off.
func TestBrandSetOnThePageShowsAtOnce(t *testing.T) {
	a := testkit.NewApp(t, withBrand)
	c := a.Client(t)
	name, off := "Page Cloud", false
	if _, err := a.Brands.Set(t.Context(), services.Principal{UserID: 1, IsAdmin: true},
		services.BrandChange{NameEN: &name, PoweredBy: &off}); err != nil {
		t.Fatal(err)
	}
	body := c.Get("/signin?lang=en").Body
	if !strings.Contains(body, "Page Cloud") || strings.Contains(body, "Sample Cloud") || strings.Contains(body, "powered-by") {
		t.Errorf("sign-in after Set: want the page's name and no powered-by line")
	}
}

// A letter carries the brand's name, in its subject and its signature, in
// the customer's language; the software's name is not in it.
func TestALetterCarriesTheBrandsName(t *testing.T) {
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, withBrand, testkit.WithMail(ms))
	a.Client(t).SignUp("brand-letter@example.com", "Nika", testkit.Password)
	m := ms.Await(t, "brand-letter@example.com", "ابر نمونه")
	for _, part := range []string{m.Subject, m.Text, m.HTML} {
		if !strings.Contains(part, "ابر نمونه") || strings.Contains(part, "Abrak") || strings.Contains(part, "ابرک") {
			t.Errorf("the letter's part %q: want the brand's name and not the software's", part)
		}
	}
}

// An error page (a visitor's 404) is titled with the brand, not the software.
func TestErrorPageCarriesTheBrand(t *testing.T) {
	r := testkit.NewApp(t, withBrand).Client(t).Get("/no-such-page?lang=en")
	if r.Status != http.StatusNotFound || !strings.Contains(r.Body, "· Sample Cloud</title>") || strings.Contains(r.Body, "· Abrak") {
		t.Errorf("404 page: %d, want the brand in its title", r.Status)
	}
}
