package web

import (
	"net/http"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"abrak/handlers"
	"abrak/services"
	"abrak/views"
)

// loadSession reads the scs session, which scs writes back on the way out,
// and says so to the handlers: an answer made without it (an error before
// this middleware ran) must not touch it.
func loadSession(sm *scs.SessionManager) echo.MiddlewareFunc {
	load := echo.WrapMiddleware(sm.LoadAndSave)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return load(func(c echo.Context) error {
			handlers.SetSessionLoaded(c)
			return next(c)
		})
	}
}

// currentUser is the signed-in customer of this request, loaded once.
type currentUser struct{ services.Account }

const keyCurrentUser = "abrak.current_user"

func userOf(c echo.Context) (services.Account, bool) {
	u, ok := c.Get(keyCurrentUser).(currentUser)
	return u.Account, ok
}

// identify asks the accounts service whom the session acts for; a session it
// does not vouch for (the account is gone, or its password changed after this
// sign-in) is forgotten rather than failing every page.
func identify(sm *scs.SessionManager, accounts *services.Accounts) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			id := sm.GetInt64(ctx, handlers.SessionUserKey)
			if id == 0 {
				return next(c)
			}
			sid := sm.GetString(ctx, handlers.SessionIDKey)
			team := sm.GetInt64(ctx, handlers.SessionTeamKey)
			p, u, ok, err := accounts.SessionPrincipal(ctx, id, team, sm.GetInt64(ctx, handlers.SessionAuthAtKey), sid, sm.Token(ctx), c.RealIP())
			if err != nil {
				return err
			}
			if !ok {
				_ = sm.Destroy(ctx)
				return next(c)
			}
			if team != 0 && u.Team.ID != team {
				sm.Remove(ctx, handlers.SessionTeamKey) // no longer a member: back in their own account
			}
			if sid == "" {
				// A session from before browsers were recorded: recorded now, once.
				if sid, err = accounts.StartSession(ctx, id, c.RealIP(), c.Request().UserAgent()); err == nil {
					sm.Put(ctx, handlers.SessionIDKey, sid)
					p.SessionID = sid
				}
			}
			c.Set(keyCurrentUser, currentUser{u})
			handlers.SetPrincipal(c, p)
			hours, burning := u.HoursLeft()
			handlers.SetUserBar(c, &views.UserBar{Name: u.Name, Email: u.Email, BalanceRials: u.BalanceRials, IsAdmin: u.IsAdmin, Staff: u.StaffRole != "", Suspended: u.Suspended, SuspendReason: u.SuspendReason,
				BurnRials: u.BurnRials, HoursLeft: hours, Burning: burning, Unverified: !u.EmailVerified && accounts.MailEnabled()})
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
