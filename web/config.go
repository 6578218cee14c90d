// Package web is the echo server: the route table, the middleware every
// request passes through, static files and the wiring of the error handler.
package web

import "time"

// Config is what the server needs from the command line and environment.
type Config struct {
	Addr          string
	BaseURL       string
	SecureCookies bool
	// MetricsAddr, when set, serves /metrics on a listener of its own (for
	// example 127.0.0.1:9090) and no longer on the public one.
	MetricsAddr string
	SessionTTL  time.Duration
	// APIRateLimit sets the API's request budgets; nil means NewRateLimiter's defaults.
	APIRateLimit *RateLimiter
}
