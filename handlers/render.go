package handlers

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"abrak/services"
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
		Site:      h.siteOf(c),
	}
	if h.Sessions != nil && sessionLoaded(c) {
		s.Flash = h.Sessions.PopString(c.Request().Context(), sessFlash)
	}
	h.teamsInto(c, s.User)
	if p, ok := PrincipalOf(c); ok {
		s.ServersReadOnly = p.Require(services.ScopeVMWrite) != nil
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

// render writes a templ component with a status. The page is drawn into a
// buffer first and sent in one write with its length: streamed, a 30 KB page
// leaves net/http's 4 KB buffer in eight chunked writes (a system call each),
// and a page that fails halfway would be sent half.
func render(c echo.Context, status int, comp templ.Component) error {
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			pageBuffers.Put(buf)
		}
	}()
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	return blob(c, status, echo.MIMETextHTMLCharsetUTF8, buf.Bytes())
}

// blob writes a whole answer with its length, so it goes out in one piece
// rather than chunked.
func blob(c echo.Context, status int, contentType string, b []byte) error {
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	return c.Blob(status, contentType, b)
}

var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

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
