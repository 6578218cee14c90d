package handlers

import (
	"context"
	"time"
)

// SessionUserKey and SessionAuthAtKey are the session's signed-in user and
// when (unix nanoseconds) that sign-in happened; the web layer reads them.
const (
	SessionUserKey   = "user_id"
	SessionAuthAtKey = "auth_at"
)

// beginSession records a completed sign-in in the (renewed) session.
func (h *Handlers) beginSession(ctx context.Context, userID int64) {
	h.Sessions.Put(ctx, SessionUserKey, userID)
	h.Sessions.Put(ctx, SessionAuthAtKey, time.Now().UnixNano())
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
