package handlers

import (
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"abrak/views"
)

// shell builds the Shell every page needs.
func (h *Handlers) shell(c echo.Context, title, active string) views.Shell {
	s := views.Shell{
		Locale:    LocaleOf(c),
		Title:     title,
		CSRF:      csrfOf(c),
		User:      userBarOf(c),
		Active:    active,
		Path:      LocalURL(c.Request().URL.RequestURI()),
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
	}
	if h.Sessions != nil {
		s.Flash = h.Sessions.PopString(c.Request().Context(), sessFlash)
	}
	return s
}

// flash leaves a message key for the next page.
func (h *Handlers) flash(c echo.Context, key string) {
	h.Sessions.Put(c.Request().Context(), sessFlash, key)
}

// isHTMX reports an htmx request that wants a fragment (boosted requests want pages).
func isHTMX(c echo.Context) bool {
	r := c.Request()
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") != "true"
}

// wantsJSON reports a request for the JSON door.
func wantsJSON(c echo.Context) bool {
	r := c.Request()
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "application/json") && !strings.Contains(r.Header.Get("Accept"), "text/html")
}

// render writes a templ component with a status.
func render(c echo.Context, status int, comp templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return comp.Render(c.Request().Context(), c.Response().Writer)
}

// page renders the full page, or only part for an htmx request.
func page(c echo.Context, status int, full, part templ.Component) error {
	if part != nil && isHTMX(c) {
		return render(c, status, part)
	}
	return render(c, status, full)
}

// redirect answers a form post: htmx follows HX-Redirect, browsers a 303.
func redirect(c echo.Context, to string) error {
	if c.Request().Header.Get("HX-Request") == "true" {
		c.Response().Header().Set("HX-Redirect", to)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, to)
}
