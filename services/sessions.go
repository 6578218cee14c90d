package services

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"abrak/store"
)

// SessionIdle is how long a browser session lives without a request (scs's idle timeout).
const SessionIdle = 24 * time.Hour

// Session is one browser the customer is signed in on.
type Session struct {
	ID                  int64
	IP, UserAgent       string
	CreatedAt, LastSeen time.Time
	Current             bool
}

// sessionTouches remembers when each session's last request was written, so
// a session's requests write it at most once a minute.
type sessionTouches struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// StartSession records a browser that has just signed in and returns the id
// its session keeps.
func (a *Accounts) StartSession(ctx context.Context, userID int64, ip, userAgent string) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", Internal(err)
	}
	id := hex.EncodeToString(b)
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	if err := a.db.CreateUserSession(ctx, userID, id, ip, userAgent, time.Now()); err != nil {
		return "", Internal(err)
	}
	return id, nil
}

// ContinueSession records the browser again after its session was renewed
// (a password change, "sign out every other browser"), and hands the consoles
// it has open to the new record, so they end when this browser's session does.
func (a *Accounts) ContinueSession(ctx context.Context, p Principal, ip, userAgent string) (string, error) {
	sid, err := a.StartSession(ctx, p.Person(), ip, userAgent)
	if err != nil {
		return "", err
	}
	if a.consoles != nil {
		a.consoles.MoveSession(p.SessionID, sid)
	}
	return sid, nil
}

// SignOut ends the principal's browser session and closes the consoles it
// opened; the caller forgets the session itself.
func (a *Accounts) SignOut(ctx context.Context, p Principal) error {
	if p.SessionID != "" {
		if err := a.db.EndUserSessionByPublicID(ctx, p.Person(), p.SessionID, time.Now()); err != nil {
			return Internal(err)
		}
	}
	a.endConsoles(ConsolesOf{PersonID: p.Person(), Browsers: true, Session: p.SessionID}, CloseSignedOut)
	a.audit.Record(ctx, p, "auth.signout", SeverityInfo, "user", "", "")
	return nil
}

func (a *Accounts) endConsoles(of ConsolesOf, reason string) {
	if a.consoles != nil {
		a.consoles.End(of, reason)
	}
}

// touchSession records a browser's request on its session at most once a
// minute (seen is the last time on record), so a plain GET writes nothing.
func (a *Accounts) touchSession(ctx context.Context, sid, ip string, seen time.Time) {
	now := time.Now()
	a.touches.mu.Lock()
	last, ok := a.touches.last[sid]
	if !ok {
		last = seen
	}
	due := now.Sub(last) >= time.Minute
	if due {
		a.touches.last[sid] = now
	}
	a.touches.mu.Unlock()
	if due {
		_ = a.db.TouchUserSession(ctx, sid, ip, now)
	}
}

// Sessions lists the browsers the principal is signed in on, the current one marked.
func (a *Accounts) Sessions(ctx context.Context, p Principal, current string) ([]Session, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return nil, err
	}
	rows, err := a.db.ActiveUserSessions(ctx, p.Person(), SessionIdle, time.Now())
	if err != nil {
		return nil, Internal(err)
	}
	out := make([]Session, 0, len(rows))
	for _, s := range rows {
		out = append(out, Session{ID: s.ID, IP: s.IP, UserAgent: s.UserAgent, CreatedAt: s.CreatedAt, LastSeen: s.LastSeen, Current: s.PublicID == current})
	}
	return out, nil
}

// EndSession signs one of the principal's other browsers out.
func (a *Accounts) EndSession(ctx context.Context, p Principal, id int64) error {
	if err := p.Require(ScopeAccount); err != nil {
		return err
	}
	sid, err := a.db.EndUserSession(ctx, p.Person(), id, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return NotFound()
	} else if err != nil {
		return Internal(err)
	}
	a.endConsoles(ConsolesOf{PersonID: p.Person(), Browsers: true, Session: sid}, CloseSessionEnded)
	a.audit.Record(ctx, p, "account.session_ended", SeveritySecurity, "user", "", "")
	return nil
}

// EndAllSessions signs every browser of the principal out, sessions from
// before these records were kept included; the caller begins its own again
// (ContinueSession), and its consoles stay open. API tokens are not sessions:
// they and their consoles stay.
func (a *Accounts) EndAllSessions(ctx context.Context, p Principal) error {
	if err := p.Require(ScopeAccount); err != nil {
		return err
	}
	if _, err := a.db.EndOtherUserSessions(ctx, p.Person(), "", time.Now()); err != nil {
		return Internal(err)
	}
	if err := a.db.EndSessionsBefore(ctx, p.Person(), time.Now()); err != nil {
		return Internal(err)
	}
	a.endConsoles(ConsolesOf{PersonID: p.Person(), Browsers: true, Except: p.SessionID}, CloseSessionEnded)
	a.audit.Record(ctx, p, "account.sessions_ended", SeveritySecurity, "user", "", "")
	return nil
}
