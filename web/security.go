package web

import (
	"net"
	"strings"

	"github.com/labstack/echo/v4"
)

// contentSecurityPolicy allows only the panel's own scripts, styles and fonts:
// there is no inline script anywhere, so this holds on every page. img-src
// allows data: for the two-factor QR code. formTargets are other origins a form
// may end up at: the payment gateway the top-up form redirects to (browsers
// hold redirects after a form to form-action too).
func contentSecurityPolicy(formTargets []string) string {
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action " +
		strings.Join(append([]string{"'self'"}, formTargets...), " ") + "; object-src 'none'"
}

func securityHeaders(secure bool, formTargets []string) echo.MiddlewareFunc {
	csp := contentSecurityPolicy(formTargets)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("X-Frame-Options", "DENY")
			if secure {
				h.Set("Strict-Transport-Security", "max-age=31536000")
			}
			return next(c)
		}
	}
}

// clientIP is whom a request comes from: the connection's address, or, when it
// is one of the trusted reverse proxies, the client it names in X-Forwarded-For
// (the right-most address not itself a trusted proxy). Nothing else is trusted:
// not loopback, not private ranges, unless listed.
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
