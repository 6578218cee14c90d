package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"abrak/handlers"
	"abrak/services"
	"abrak/views/i18n"
)

// apiGroup creates /api/v1: bearer tokens only, per-token rate limits, and
// none of the browser's middleware. No session is loaded here, so a cookie
// alone never authenticates an API call and cross-site requests have nothing
// to ride on; that is also why the group needs no CSRF check.
func apiGroup(e *echo.Echo, h *handlers.Handlers, tokens *services.Tokens, rl *RateLimiter) *echo.Group {
	if tokens == nil {
		tokens = h.Tokens
	}
	if rl == nil {
		rl = NewRateLimiter()
	}
	return e.Group("/api/v1", apiAuth(tokens, rl), rl.perToken)
}

// bearer extracts the token of an "Authorization: Bearer …" header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get(echo.HeaderAuthorization)), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// apiAuth sets the request's language from Accept-Language (API messages are
// Persian unless the client asks for English) and its principal from the
// bearer token. A valid token is judged by its own budget alone (perToken),
// whatever else comes from its address: behind a NAT or a proxy many customers
// share one. Requests without a valid token spend their address's budget (a
// token that is not even well formed costs no database read).
func apiAuth(tokens *services.Tokens, rl *RateLimiter) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			handlers.SetLocale(c, i18n.Match(c.Request().Header.Get("Accept-Language")))
			ip := c.RealIP()
			secret, ok := bearer(c.Request())
			if !ok {
				if err := rl.take(ipRateKey(ip), rl.PerIP).answer(c); err != nil {
					return err
				}
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="abrak"`)
				return services.Unauthorized("error.token_missing")
			}
			p, err := tokens.Authenticate(c.Request().Context(), secret, ip)
			if err != nil {
				if services.AsError(err).Status == http.StatusUnauthorized {
					return invalidToken(c, rl, ip, err)
				}
				return err
			}
			handlers.SetPrincipal(c, p)
			return next(c)
		}
	}
}

// invalidToken spends the address's budget on a request whose token is no good:
// 401 while the budget lasts, 429 after.
func invalidToken(c echo.Context, rl *RateLimiter, ip string, err error) error {
	if rerr := rl.take(ipRateKey(ip), rl.PerIP).answer(c); rerr != nil {
		return rerr
	}
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="abrak", error="invalid_token"`)
	return err
}
