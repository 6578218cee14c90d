package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"abrak/handlers"
)

// csrfCookieName is the cookie holding the browser's CSRF nonce. With Secure
// cookies it carries the __Host- prefix, so neither a subdomain nor plain HTTP
// can plant one.
func csrfCookieName(secure bool) string {
	if secure {
		return "__Host-abrak_csrf"
	}
	return "abrak_csrf"
}

// csrf checks every state-changing browser request for a token bound to the
// browser and to its session: the token is a random nonce (kept in a cookie)
// with an HMAC, under a server key, of that nonce and the session's token. So a
// token nobody was served cannot be made up, a token stops working when the
// session it was served under ends or is renewed (sign-in, sign-out, a password
// change), and an Authorization header earns no exemption: no bearer token is
// honoured on these routes, which only cookies authenticate.
func csrf(secure bool, key []byte, sm *scs.SessionManager) echo.MiddlewareFunc {
	name := csrfCookieName(secure)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			nonce := ""
			if ck, err := r.Cookie(name); err == nil && len(ck.Value) == 43 {
				nonce = ck.Value
			} else {
				b := make([]byte, 32)
				rand.Read(b)
				nonce = base64.RawURLEncoding.EncodeToString(b)
				c.SetCookie(&http.Cookie{Name: name, Value: nonce, Path: "/", HttpOnly: true, Secure: secure,
					SameSite: http.SameSiteLaxMode, MaxAge: 30 * 24 * 3600})
			}
			// Computed when a page renders, after the handler may have renewed the session.
			handlers.SetCSRF(c, func() string { return csrfToken(key, nonce, sm.Token(r.Context())) })
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				return next(c)
			}
			sent := r.Header.Get("X-CSRF-Token")
			// An image upload's token comes in the header (app.js sends it): reading
			// the form here would take the whole image in before anyone is checked.
			if sent == "" && !isImageUpload(c) {
				sent = c.FormValue("_csrf")
			}
			want := csrfToken(key, nonce, sm.Token(r.Context()))
			if subtle.ConstantTimeCompare([]byte(sent), []byte(want)) != 1 {
				return echo.NewHTTPError(http.StatusForbidden, "csrf token missing or wrong")
			}
			return next(c)
		}
	}
}

func csrfToken(key []byte, nonce, session string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("abrak csrf\x00" + nonce + "\x00" + session))
	return nonce + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
