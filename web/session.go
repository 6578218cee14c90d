package web

import (
	"net/http"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"abrak/handlers"
	"abrak/services"
	"abrak/store"
	"abrak/views"
)

// loadSession reads the scs session and, when it names a user, sets the
// principal and the header's user bar; scs writes the cookie back on the way out.
func loadSession(sm *scs.SessionManager) echo.MiddlewareFunc {
	return echo.WrapMiddleware(sm.LoadAndSave)
}

// currentUser is the signed-in customer of this request, loaded once.
type currentUser struct{ store.User }

const keyCurrentUser = "abrak.current_user"

func userOf(c echo.Context) (store.User, bool) {
	u, ok := c.Get(keyCurrentUser).(currentUser)
	return u.User, ok
}

func identify(sm *scs.SessionManager, db *store.DB) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			id := sm.GetInt64(ctx, handlers.SessionUserKey)
			if id == 0 {
				return next(c)
			}
			u, err := db.UserByID(ctx, id)
			if err != nil || sm.GetInt64(ctx, handlers.SessionAuthAtKey) < u.SessionsValidAfter {
				// The account is gone, or its password changed after this sign-in:
				// forget the session rather than fail every page.
				_ = sm.Destroy(ctx)
				return next(c)
			}
			c.Set(keyCurrentUser, currentUser{u})
			handlers.SetPrincipal(c, services.Principal{UserID: u.ID, Email: u.Email, IsAdmin: u.IsAdmin, IP: c.RealIP(), Session: sm.Token(ctx)})
			handlers.SetUserBar(c, &views.UserBar{Name: u.Name, Email: u.Email, BalanceRials: u.BalanceRials, IsAdmin: u.IsAdmin})
			return next(c)
		}
	}
}

// requireUser sends anonymous browsers to the sign-in page.
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := handlers.PrincipalOf(c); !ok {
			if c.Request().Header.Get("HX-Request") == "true" {
				c.Response().Header().Set("HX-Redirect", "/signin")
				return c.NoContent(http.StatusUnauthorized)
			}
			return c.Redirect(http.StatusSeeOther, "/signin")
		}
		return next(c)
	}
}

func userLocale(c echo.Context) string {
	if u, ok := userOf(c); ok {
		return u.Locale
	}
	return ""
}
