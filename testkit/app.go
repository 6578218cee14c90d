package testkit

// The panel itself: app.New on a fresh SQLite file behind a real listener,
// its options, and the database read back.

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/services"
	"abrak/store"
	"abrak/views/i18n"
	"abrak/web"
)

// Password passes every password rule.
const Password = "correct-horse-battery"

// App is a running panel on its own database.
type App struct {
	*app.App
	URL    string
	DBPath string
	// transport is how clients reach it (the test certificate's, over TLS).
	transport http.RoundTripper
}

// realBaseURL, as Web.BaseURL, asks NewApp for the address it really
// listens on (WithRealBaseURL).
const realBaseURL = "test:real"

// WithRealBaseURL makes the app's public URL its listener's, for links that a
// browser follows back to it from elsewhere (a payment gateway's callback).
func WithRealBaseURL(c *app.Config) { c.Web.BaseURL = realBaseURL }

// httpsBaseURL, as Web.BaseURL, asks NewApp to serve over TLS at the
// address it really listens on (WithHTTPS).
const httpsBaseURL = "test:https"

// WithHTTPS serves the app over TLS with Secure cookies, as behind HTTPS in
// production: browsers send a Secure cookie only over TLS.
func WithHTTPS(c *app.Config) {
	c.Web.BaseURL = httpsBaseURL
	c.Web.SecureCookies = true
}

// WithLimits replaces the sign-in limiters (nil keeps the default).
func WithLimits(perIP, perAccount *services.AttemptLimiter) func(*app.Config) {
	return func(c *app.Config) { c.PerIP, c.PerAccount = perIP, perAccount }
}

// NewApp starts the panel on a fresh SQLite file in t.TempDir(); everything
// is closed when the test ends.
func NewApp(t testing.TB, opts ...func(*app.Config)) *App {
	t.Helper()
	cfg := app.Config{
		Web:    web.Config{Addr: "127.0.0.1:0", BaseURL: "http://localhost"},
		DBPath: filepath.Join(t.TempDir(), "abrak.db"),
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		// Generous by default: all test requests come from 127.0.0.1.
		PerIP:      services.NewAttemptLimiter(1000, time.Minute, nil),
		PerAccount: services.NewAttemptLimiter(1000, time.Minute, nil),
	}
	for _, o := range opts {
		o(&cfg)
	}
	// A mail server with the real clock gets its delivery worker; a test with a
	// clock of its own delivers by hand (DeliverDue).
	startMailer := cfg.Mail.Server.Addr != "" && cfg.Mail.Now == nil
	// The listener comes first, so that an app that must know its own address
	// (WithRealBaseURL: a gateway sends the browser back to it) can be told.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tls := cfg.Web.BaseURL == httpsBaseURL
	switch cfg.Web.BaseURL {
	case realBaseURL:
		cfg.Web.BaseURL = "http://" + l.Addr().String()
	case httpsBaseURL:
		cfg.Web.BaseURL = "https://" + l.Addr().String()
	}
	panel, err := app.New(context.Background(), cfg)
	if err != nil {
		l.Close()
		t.Fatalf("app.New: %v", err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: panel.Server.Echo}}
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	stopMailer := func() {}
	if startMailer {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { panel.Mailer.Run(ctx); close(done) }()
		stopMailer = func() { cancel(); <-done }
	}
	t.Cleanup(func() {
		stopMailer()
		srv.Close()
		panel.Close()
		if m := i18n.Missing(); len(m) > 0 {
			t.Errorf("pages asked for translations no catalog has: %v", m)
		}
	})
	return &App{App: panel, URL: srv.URL, DBPath: cfg.DBPath, transport: srv.Client().Transport}
}

// CreateUser makes an account through the service, as sign-up would.
func (a *App) CreateUser(t testing.TB, email, password string) store.User {
	t.Helper()
	_, err := a.Accounts.SignUp(context.Background(), services.SignUpInput{
		Email: email, Name: "Test " + strings.Split(email, "@")[0], Password: password, Confirm: password, IP: "127.0.0.1",
	})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return a.User(t, email)
}

// User reloads a user by email; it fails the test when there is none.
func (a *App) User(t testing.TB, email string) store.User {
	t.Helper()
	u, err := a.DB.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u
}

// Count runs a SELECT count(*) … query.
func (a *App) Count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := a.DB.R.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
