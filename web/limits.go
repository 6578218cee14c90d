package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"abrak/services"
)

// How big a request may be, on every route. No page or API call needs more:
// the longest real address is a list's search (200 bytes, under 1 KiB encoded)
// with its filters and paging. Beyond these, what a request carries would only
// end up in log lines, in a page's links and in the keys of kept answers.
const (
	bodyLimit      = "1M"    // 413 before the body is read
	maxURLBytes    = 4 << 10 // the request's path and query together; 414
	maxQueryParams = 32      // 400
)

// boundedURL refuses an absurd address before anything reads it: too long,
// or with too many query parameters. The refused query is dropped from the
// request, so the error page (its language switch points back here) and the
// log line do not carry it.
func boundedURL(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		uri := r.RequestURI
		if uri == "" {
			uri = r.URL.RequestURI()
		}
		var refused *services.Error
		switch {
		case len(uri) > maxURLBytes:
			refused = &services.Error{Status: http.StatusRequestURITooLong, Code: "uri_too_long", Key: "error.uri_too_long"}
		case r.URL.RawQuery != "" && strings.Count(r.URL.RawQuery, "&") >= maxQueryParams:
			refused = &services.Error{Status: http.StatusBadRequest, Code: "bad_request", Key: "error.too_many_params",
				Args: []string{"max", strconv.Itoa(maxQueryParams)}}
		default:
			return next(c)
		}
		r.URL.RawQuery, r.URL.ForceQuery = "", false
		if len(r.URL.Path) > 64 {
			r.URL.Path, r.URL.RawPath = strings.ToValidUTF8(r.URL.Path[:64], "")+"…", ""
		}
		return refused
	}
}

// isImageUpload is an admin's upload of a template image: its handler streams
// the multipart body to disk under its own limit (services.MaxTemplateUpload).
func isImageUpload(c echo.Context) bool {
	r := c.Request()
	return r.Method == http.MethodPost && (r.URL.Path == "/admin/templates" || r.URL.Path == "/api/v1/admin/templates") &&
		strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm)
}
