package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// brand is the provider's brand for this request; the software's name
// when none is set or it cannot be read (a page is never refused for it).
func (h *Handlers) brand(c echo.Context) services.Brand {
	if h.Brands == nil {
		return services.Brand{NameFA: services.SoftwareNameFA, NameEN: services.SoftwareNameEN}
	}
	b, err := h.Brands.Get(c.Request().Context())
	if err != nil && h.Log != nil {
		h.Log.Warn("brand unreadable; the settings' brand is shown", "err", err)
	}
	return b
}

// siteOf is the Site with the brand, its support address and page laid over
// the settings'.
func (h *Handlers) siteOf(c echo.Context) views.Site {
	site := h.Site
	b := h.brand(c)
	site.Brand = views.Brand{NameFA: b.NameFA, NameEN: b.NameEN, Named: b.Named(), PoweredBy: b.PoweredBy,
		LogoTag: b.LogoTag(), FaviconTag: b.FaviconTag(), ThemeTag: themeTag(b.Accent)}
	if h.Brands != nil {
		site.Support.Email, site.Support.URL = b.SupportEmail, b.SupportURL
	}
	return site
}

func themeTag(accent string) string {
	if accent == "" {
		return ""
	}
	return accent[1:]
}

// BrandLogo serves the provider's logo (404 without one), cached by its ETag.
func (h *Handlers) BrandLogo(c echo.Context) error {
	b := h.brand(c)
	return brandFile(c, b.Logo, b.LogoType, b.LogoTag())
}

// BrandFavicon serves the browser tab's icon (404 without one).
func (h *Handlers) BrandFavicon(c echo.Context) error {
	b := h.brand(c)
	return brandFile(c, b.Favicon, b.FaviconType, b.FaviconTag())
}

// BrandTheme is the stylesheet that gives the primary buttons and links the
// accent colour, through one CSS variable (a stylesheet, not an inline
// style: the pages' CSP allows none).
func (h *Handlers) BrandTheme(c echo.Context) error {
	b := h.brand(c)
	if b.Accent == "" {
		return services.NotFound()
	}
	css := ":root{--brand-accent:" + b.Accent + ";--brand-accent-hover:color-mix(in srgb," + b.Accent + " 82%,black)}\n" +
		".btn-primary{background-color:var(--brand-accent)}\n" +
		".btn-primary:hover{background-color:var(--brand-accent-hover)}\n" +
		".text-brand-700,.text-brand-800,.nav-link-active{color:var(--brand-accent)}\n"
	return brandFile(c, []byte(css), "text/css; charset=utf-8", themeTag(b.Accent))
}

func brandFile(c echo.Context, body []byte, contentType, tag string) error {
	if len(body) == 0 {
		return services.NotFound()
	}
	etag := `"` + tag + `"`
	hd := c.Response().Header()
	hd.Set("ETag", etag)
	// The pages link each version by its tag: a changed image is a new URL,
	// so the browser may keep one for a day and ask again after.
	hd.Set("Cache-Control", "public, max-age=86400")
	hd.Set("X-Content-Type-Options", "nosniff")
	// An SVG opened on its own runs no script and loads nothing.
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	return blob(c, http.StatusOK, contentType, body)
}

// publicURL is the base of the links customers are given (the API docs, the
// OpenAPI document's server, a token's example, a console ticket's page): the
// brand's base URL when set, ABRAK_BASE_URL otherwise.
func (h *Handlers) publicURL(c echo.Context) string {
	return h.Brands.BaseURLOr(c.Request().Context(), h.BaseURL)
}
