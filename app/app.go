// Package app is the composition root: it builds the store, the fleet, the
// services, the handlers and the web server, each given what it works with
// when it is made, and starts every background loop (loops.go). `abrak serve`
// runs one; tests build one on a temporary database.
package app

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"abrak/handlers"
	"abrak/hypervisor"
	"abrak/services"
	"abrak/store"
	"abrak/views"
	"abrak/web"
)

// App is the whole panel wired together.
type App struct {
	DB       *store.DB
	Fleet    *hypervisor.Fleet
	Accounts *services.Accounts
	Audit    *services.Audit
	VMs      *services.VMs
	Workers  *services.Workers
	Wallet   *services.Wallet
	TopUps   *services.TopUps
	Mailer   *services.Mailer
	Consoles *services.Consoles
	Tokens   *services.Tokens
	SSHKeys  *services.SSHKeys
	Server   *web.Server
	sessions *store.SessionStore

	// stop ends the loops Start started; running waits for them.
	stop    context.CancelFunc
	running sync.WaitGroup
}

// Config is everything New needs.
type Config struct {
	Web    web.Config
	DBPath string
	Log    *slog.Logger
	// Limiters override the sign-in limits (tests use small windows).
	PerIP, PerAccount *services.AttemptLimiter
	VM                services.VMConfig
	Fleet             hypervisor.Options
	Console           services.ConsoleConfig
	// Gateway takes top-ups (Zarinpal when its merchant is set); nil: none.
	Gateway services.Gateway
	// Mail is the operator's mail server; without an address no mail is sent.
	Mail services.MailConfig
	// VATPercent is added to top-ups at the gateway (the flag's default is 10).
	VATPercent int
}

// New opens the database (migrating it) and builds every part, each before
// what uses it. The loops start with Start.
func New(ctx context.Context, c Config) (*App, error) {
	db, err := store.Open(ctx, c.DBPath)
	if err != nil {
		return nil, err
	}
	if c.Web.CSRFKey, err = db.Secret(ctx, "csrf", 32); err != nil {
		db.Close()
		return nil, err
	}
	baseURL := strings.TrimRight(c.Web.BaseURL, "/")
	audit := services.NewAudit(db, c.Log)
	fleet := hypervisor.NewFleet(c.Log, c.Fleet)
	if c.Mail.Provider == "" {
		c.Mail.Provider = "Abrak"
	}
	if c.Mail.BaseURL == "" {
		c.Mail.BaseURL = c.Web.BaseURL
	}
	mailer := services.NewMailer(db, c.Mail, views.Letters(c.Mail.Provider), c.Log)
	// What ends a customer's access (a session, a token, a password, a VM
	// found stopped) closes the consoles it opened, through the one registry.
	consoles := services.NewConsoles(db, fleet, c.Log, c.Console)
	accounts, err := services.NewAccounts(db, audit, mailer, consoles, services.AccountsConfig{PerIP: c.PerIP, PerAccount: c.PerAccount})
	if err != nil {
		consoles.CloseAll()
		fleet.Close()
		db.Close()
		return nil, err
	}
	tokens := services.NewTokens(db, audit, consoles)
	sshKeys := services.NewSSHKeys(db, audit)
	wallet := services.NewWallet(db, audit)
	topUps := services.NewTopUps(db, audit, mailer, c.Gateway, baseURL, c.VATPercent, c.Log)
	if o, ok := c.Gateway.(interface{ PayOrigin() string }); ok {
		c.Web.FormTargets = append(c.Web.FormTargets, o.PayOrigin())
	}
	vms, workers := services.NewVMs(db, fleet, audit, sshKeys, mailer, consoles.OnVMStatus, c.Log, c.VM)
	ss := db.Sessions(10 * time.Minute)
	h := handlers.New(handlers.Deps{
		Log: c.Log, Sessions: web.NewSessionManager(ss, store.SessionCodec{}, c.Web),
		Accounts: accounts, Audit: audit, VMs: vms, Workers: workers, Tokens: tokens, SSHKeys: sshKeys, Wallets: wallet, TopUps: topUps,
		Consoles: consoles, BaseURL: baseURL, SecureCookies: c.Web.SecureCookies,
		Ready: []handlers.ReadyCheck{{Name: "database", Check: db.Ping}, {Name: "hypervisors", Check: fleetReady(fleet)}},
	})
	return &App{DB: db, Fleet: fleet, Accounts: accounts, Audit: audit, VMs: vms, Workers: workers, Tokens: tokens, SSHKeys: sshKeys,
		Wallet: wallet, TopUps: topUps, Mailer: mailer, Consoles: consoles, Server: web.New(c.Web, c.Log, h), sessions: ss}, nil
}

// Close stops the loops, then the operations in flight, and releases the
// fleet and the database.
func (a *App) Close() {
	if a.stop != nil {
		a.stop()
	}
	a.running.Wait()
	a.Consoles.CloseAll()
	a.VMs.Close()
	a.Fleet.Close()
	a.sessions.Close()
	a.DB.Close()
}
