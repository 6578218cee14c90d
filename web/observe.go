package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the request counters and latency histograms by route (the route
// pattern, not the raw path, so cardinality stays bounded).
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "abrak_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "abrak_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// observe gives every request an id, logs it once and counts it. It wraps the
// error handler call so the status logged is the one sent.
func observe(log *slog.Logger, m *metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			// Our own id, always: a client's X-Request-Id would put its words in
			// our logs and pages. Theirs is logged beside ours, when it is sane.
			id := newRequestID()
			c.Response().Header().Set(echo.HeaderXRequestID, id)
			theirs := c.Request().Header.Get(echo.HeaderXRequestID)
			if len(theirs) > 64 || strings.IndexFunc(theirs, func(r rune) bool { return r < '!' || r > '~' }) >= 0 {
				theirs = "(unprintable or too long)"
			}
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			status := c.Response().Status
			dur := time.Since(start)
			m.requests.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Inc()
			m.latency.WithLabelValues(route, c.Request().Method).Observe(dur.Seconds())
			if route != "/healthz" && route != "/metrics" && route != "/static*" {
				path := c.Request().URL.Path
				if strings.Contains(route, ":ticket") {
					path = route // the path holds a console ticket, which is a credential
				}
				attrs := []slog.Attr{slog.String("id", id), slog.String("method", c.Request().Method), slog.String("path", path),
					slog.String("route", route), slog.Int("status", status), slog.Duration("dur", dur), slog.String("ip", c.RealIP())}
				if theirs != "" {
					attrs = append(attrs, slog.String("client_request_id", theirs))
				}
				log.LogAttrs(context.WithoutCancel(c.Request().Context()), slog.LevelInfo, "request", attrs...)
			}
			return nil
		}
	}
}
