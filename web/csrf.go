package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"abrak/handlers"
)

const csrfCookie = "abrak_csrf"

// csrf is a double-submit token: a random cookie that every state-changing
// browser request must echo in the _csrf form field or the X-CSRF-Token header
// (htmx sends the header, from the page's meta tag). A request that carries a
// bearer token is not a browser's and is exempt; it has no cookies to abuse.
func csrf(secure bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			token := ""
			if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
				token = ck.Value
			} else {
				b := make([]byte, 32)
				rand.Read(b)
				token = base64.RawURLEncoding.EncodeToString(b)
				c.SetCookie(&http.Cookie{Name: csrfCookie, Value: token, Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode, MaxAge: 30 * 24 * 3600})
			}
			handlers.SetCSRF(c, token)
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				return next(c)
			}
			if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
				return next(c)
			}
			sent := r.Header.Get("X-CSRF-Token")
			if sent == "" {
				sent = c.FormValue("_csrf")
			}
			if sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
				return echo.NewHTTPError(http.StatusForbidden, "csrf token missing or wrong")
			}
			return next(c)
		}
	}
}
