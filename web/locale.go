package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/handlers"
	"abrak/services"
	"abrak/views/i18n"
)

const langCookie = "abrak_lang"

// locale picks the page language: ?lang first (and remembered), then the
// signed-in user's saved choice, then the cookie, then Accept-Language, then Persian.
func locale(accounts *services.Accounts, userLocale func(echo.Context) string, secure bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if l, ok := i18n.Parse(c.QueryParam("lang")); ok {
				handlers.SetLocale(c, l)
				c.SetCookie(&http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
				if p, ok := handlers.PrincipalOf(c); ok && p.TokenID == 0 && userLocale(c) != string(l) {
					_ = accounts.SetLocale(c.Request().Context(), p.UserID, string(l))
				}
				return next(c)
			}
			if l, ok := i18n.Parse(userLocale(c)); ok {
				handlers.SetLocale(c, l)
				return next(c)
			}
			if ck, err := c.Cookie(langCookie); err == nil {
				if l, ok := i18n.Parse(ck.Value); ok {
					handlers.SetLocale(c, l)
					return next(c)
				}
			}
			handlers.SetLocale(c, i18n.Match(c.Request().Header.Get("Accept-Language")))
			return next(c)
		}
	}
}
