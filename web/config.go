// Package web is the echo server: the route table, the middleware every
// request passes through, static files and the wiring of the error handler.
package web

import (
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"net"
	"strings"
	"time"
)

// Config is what the server needs from the command line and environment.
type Config struct {
	Addr          string
	BaseURL       string
	SecureCookies bool
	// FormTargets are origins besides the panel's that a form may lead to: the
	// payment gateway's page the top-up form redirects to (app.New adds it).
	FormTargets []string
	// MetricsAddr, when set, serves /metrics on a listener of its own (the
	// command's default is 127.0.0.1:9090). MetricsPublic also serves it on the
	// public listener, for an operator who wants that.
	MetricsAddr   string
	MetricsPublic bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the
	// client; with none, the client is the connection's own address.
	TrustedProxies []*net.IPNet
	// CSRFKey signs CSRF tokens; app.New reads it from the database.
	CSRFKey    []byte
	SessionTTL time.Duration
	// APIRateLimit sets the API's request budgets; nil means NewRateLimiter's defaults.
	APIRateLimit *RateLimiter
	// Collectors are more metrics for /metrics (the database's replicas).
	Collectors []prometheus.Collector
}

// ParseCIDRs reads a comma-separated list of CIDRs (ABRAK_TRUSTED_PROXIES); a bare
// address is taken as a single host.
func ParseCIDRs(list string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			if ip := net.ParseIP(item); ip != nil && ip.To4() != nil {
				item += "/32"
			} else {
				item += "/128"
			}
		}
		_, n, err := net.ParseCIDR(item)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", item, err)
		}
		out = append(out, n)
	}
	return out, nil
}
