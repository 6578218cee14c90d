package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/handlers"
	"abrak/views/i18n"
)

// locale picks the page language: ?lang first (remembered in the cookie, not on
// the account: a GET writes nothing; the switch's POST /lang saves it), then the
// signed-in user's saved choice, then the cookie, then Accept-Language, then Persian.
func locale(userLocale func(echo.Context) string, secure bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if l, ok := i18n.Parse(c.QueryParam("lang")); ok {
				handlers.SetLocale(c, l)
				c.SetCookie(&http.Cookie{Name: handlers.LangCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
				return next(c)
			}
			if l, ok := i18n.Parse(userLocale(c)); ok {
				handlers.SetLocale(c, l)
				return next(c)
			}
			handlers.SetLocale(c, handlers.AskedLocale(c))
			return next(c)
		}
	}
}
