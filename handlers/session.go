package handlers

import (
	"time"

	"github.com/labstack/echo/v4"
)

// SessionUserKey and SessionAuthAtKey are the session's signed-in user and
// when (unix nanoseconds) that sign-in happened; SessionIDKey is the record
// of this browser (services.Accounts.StartSession). The web layer reads them.
const (
	SessionUserKey   = "user_id"
	SessionAuthAtKey = "auth_at"
	SessionIDKey     = "sid"
	// SessionTeamKey is the team the browser works in (the header's
	// switcher); absent, the person's own account.
	SessionTeamKey = "team_id"
)

// beginSession records a completed sign-in in the (renewed) session, and the
// browser among the account's sessions.
func (h *Handlers) beginSession(c echo.Context, userID int64) error {
	ctx := c.Request().Context()
	sid, err := h.Accounts.StartSession(ctx, userID, c.RealIP(), c.Request().UserAgent())
	if err != nil {
		return err
	}
	h.putSession(c, userID, sid)
	return nil
}

// putSession writes a sign-in and the browser's record into the session.
func (h *Handlers) putSession(c echo.Context, userID int64, sid string) {
	ctx := c.Request().Context()
	h.Sessions.Put(ctx, SessionUserKey, userID)
	h.Sessions.Put(ctx, SessionAuthAtKey, time.Now().UnixNano())
	h.Sessions.Put(ctx, SessionIDKey, sid)
}

// Session keys.
const (
	sessUserID        = SessionUserKey
	sessPendingUserID = "pending_user_id"
	sessFlash         = "flash"
	// sessReturnTo is where a visitor sent to sign in goes after it (a payment
	// callback that arrived after the session ended).
	sessReturnTo = "return_to"
)
