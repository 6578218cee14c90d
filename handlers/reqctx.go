package handlers

import (
	"strings"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
	"abrak/views/i18n"
)

// Typed accessors for what the middleware puts on a request; keys are unexported
// so nothing else can write them.
type ctxKey int

const (
	keyPrincipal ctxKey = iota
	keyLocale
	keyUserBar
	keyCSRF
	keySession
)

func (k ctxKey) String() string {
	return [...]string{"abrak.principal", "abrak.locale", "abrak.userbar", "abrak.csrf", "abrak.session"}[k]
}

// SetPrincipal records who is acting.
func SetPrincipal(c echo.Context, p services.Principal) { c.Set(keyPrincipal.String(), p) }

// PrincipalOf returns who is acting and whether anyone is signed in.
func PrincipalOf(c echo.Context) (services.Principal, bool) {
	p, ok := c.Get(keyPrincipal.String()).(services.Principal)
	return p, ok && p.UserID != 0
}

// SetLocale records the request's language.
func SetLocale(c echo.Context, l i18n.Locale) { c.Set(keyLocale.String(), l) }

// localeSet reports whether middleware has decided the request's language.
func localeSet(c echo.Context) bool {
	_, ok := c.Get(keyLocale.String()).(i18n.Locale)
	return ok
}

// LocaleOf returns the request's language (Persian when unset).
func LocaleOf(c echo.Context) i18n.Locale {
	if l, ok := c.Get(keyLocale.String()).(i18n.Locale); ok {
		return l
	}
	return i18n.FA
}

// SetUserBar records the header data of the signed-in customer.
func SetUserBar(c echo.Context, u *views.UserBar) { c.Set(keyUserBar.String(), u) }

func userBarOf(c echo.Context) *views.UserBar {
	u, _ := c.Get(keyUserBar.String()).(*views.UserBar)
	return u
}

// SetCSRF records how to make the request's CSRF token for forms; it is made
// when a page renders, since a handler may renew the session it is bound to.
func SetCSRF(c echo.Context, token func() string) { c.Set(keyCSRF.String(), token) }

func csrfOf(c echo.Context) string {
	if t, ok := c.Get(keyCSRF.String()).(func() string); ok {
		return t()
	}
	return ""
}

// SetSessionLoaded records that the request's session is loaded: only then may
// anything read or write it. Answers given before the session middleware (a
// body or an address refused, a panic outside it, a static file) have none.
func SetSessionLoaded(c echo.Context) { c.Set(keySession.String(), true) }

func sessionLoaded(c echo.Context) bool {
	loaded, _ := c.Get(keySession.String()).(bool)
	return loaded
}

// apiDoor reports a request that came through the JSON API.
func apiDoor(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }

// actor is the request's principal; the middleware of either door has set it.
func actor(c echo.Context) (services.Principal, error) {
	p, ok := PrincipalOf(c)
	if !ok {
		return p, services.Unauthorized("error.unauthorized")
	}
	return p, nil
}
