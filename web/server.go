package web

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"abrak/handlers"
	"abrak/static"
)

// Server is the panel's HTTP side.
type Server struct {
	Echo *echo.Echo
	// Metrics is the Prometheus handler: on its own listener (MetricsAddr), and on Echo only with MetricsPublic.
	Metrics http.Handler
	cfg     Config
	log     *slog.Logger
}

// sessionCookieName is the session's cookie. With Secure cookies (behind
// HTTPS) it carries the __Host- prefix: browsers then keep it only as this
// host's own, Secure and for Path=/, so neither a subdomain nor plain HTTP can
// plant or overwrite one. Without them (plain http on localhost) browsers would
// refuse the prefix, so it keeps the plain name.
func sessionCookieName(secure bool) string {
	if secure {
		return "__Host-abrak_session"
	}
	return "abrak_session"
}

// NewSessionManager configures scs for the panel's cookie rules, over the
// store and codec the sessions are kept with.
func NewSessionManager(store scs.Store, codec scs.Codec, cfg Config) *scs.SessionManager {
	sm := scs.New()
	sm.Store = store
	sm.Codec = codec
	sm.Lifetime = cfg.SessionTTL
	if sm.Lifetime == 0 {
		sm.Lifetime = 7 * 24 * time.Hour
	}
	sm.IdleTimeout = 24 * time.Hour
	sm.Cookie.Name = sessionCookieName(cfg.SecureCookies)
	sm.Cookie.Path = "/" // and no Domain: what the __Host- prefix asks
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = cfg.SecureCookies
	sm.Cookie.Persist = true
	return sm
}

// New builds the server: middleware, routes and the error handler.
func New(cfg Config, log *slog.Logger, h *handlers.Handlers) *Server {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = h.HandleError
	e.IPExtractor = clientIP(cfg.TrustedProxies)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := newMetrics(reg)
	reg.MustRegister(newNodeCollector(h.Workers.Nodes))
	reg.MustRegister(newPoolCollector(h.Workers.Pools))
	reg.MustRegister(newBackupCollector(h.Workers.BackupFailures))
	reg.MustRegister(cfg.Collectors...)
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "abrak_kept_answers", Help: "Answers kept in memory for pollers."},
			func() float64 { n, _ := h.KeptAnswers(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "abrak_kept_answer_bytes", Help: "What the kept answers cost: keys, bodies and headers, in bytes."},
			func() float64 { _, b := h.KeptAnswers(); return float64(b) }))

	e.Use(observe(log, m))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			log.Error("panic", "path", c.Request().URL.Path, "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(securityHeaders(cfg.SecureCookies, cfg.FormTargets))
	e.Use(boundedURL)
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: bodyLimit, Skipper: isImageUpload}))

	// The operator's probes and metrics carry no session. Every other route is
	// in its door's table: routes_browser.go, routes_api.go and routes_admin.go.
	e.GET("/healthz", h.Healthz)
	e.GET("/readyz", h.Readyz)
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	if cfg.MetricsPublic {
		e.GET("/metrics", echo.WrapHandler(metrics))
	}
	browserRoutes(e, h, cfg)
	adminRoutes(apiRoutes(e, h, cfg), h)

	return &Server{Echo: e, Metrics: metrics, cfg: cfg, log: log}
}

// staticFiles serves the embedded build; names carry a content hash in ?v=, so
// they may be cached long. Only files: a directory is a 404 like any unknown
// name, not a listing of what the build holds.
func staticFiles() echo.HandlerFunc {
	assets := static.FS()
	fs := http.StripPrefix("/static/", http.FileServerFS(assets))
	return func(c echo.Context) error {
		// The name the file server will open: the decoded path, cleaned.
		name := path.Clean("/" + strings.TrimPrefix(c.Request().URL.Path, "/static/"))[1:]
		if st, err := iofs.Stat(assets, name); name == "" || err != nil || st.IsDir() {
			return echo.ErrNotFound
		}
		if c.QueryParam("v") != "" {
			c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		fs.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// Run listens on the configured addresses and serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	public, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.Addr, err)
	}
	var metrics net.Listener
	if s.cfg.MetricsAddr != "" {
		if metrics, err = net.Listen("tcp", s.cfg.MetricsAddr); err != nil {
			public.Close()
			return fmt.Errorf("listen %s: %w", s.cfg.MetricsAddr, err)
		}
	}
	return s.Serve(ctx, public, metrics)
}

// Serve serves the panel on public and, when metrics is not nil, /metrics on
// metrics, until ctx ends; then it drains open requests for up to 15 s.
func (s *Server) Serve(ctx context.Context, public, metrics net.Listener) error {
	// No WriteTimeout: console websockets are long-lived (gorilla clears the
	// read deadline when it takes the connection over).
	type served struct {
		srv *http.Server
		ln  net.Listener
	}
	all := []served{{&http.Server{Handler: s.Echo, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}, public}}
	if metrics != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", s.Metrics)
		all = append(all, served{&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, metrics})
	}
	errc := make(chan error, len(all))
	for _, x := range all {
		go func() {
			if err := x.srv.Serve(x.ln); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("serve %s: %w", x.ln.Addr(), err)
			}
		}()
	}
	s.log.Info("listening", "addr", public.Addr().String(), "url", s.cfg.BaseURL, "metrics_addr", s.cfg.MetricsAddr)
	var failed error
	select {
	case failed = <-errc:
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, x := range all {
		if err := x.srv.Shutdown(sctx); err != nil && failed == nil {
			failed = err
		}
	}
	return failed
}
