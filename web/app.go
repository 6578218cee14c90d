package web

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"abrak/handlers"
	"abrak/hypervisor"
	"abrak/services"
	"abrak/store"
	"abrak/views"
)

// App is the whole panel wired together: database, fleet, services, handlers
// and server. `abrak serve` runs one; tests build one on a temporary database.
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
	Server   *Server
	sessions *store.SessionStore
}

// AppConfig is everything NewApp needs.
type AppConfig struct {
	Web    Config
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

// NewApp opens the database (migrating it) and wires every part. Workers start with Start.
func NewApp(ctx context.Context, c AppConfig) (*App, error) {
	db, err := store.Open(ctx, c.DBPath)
	if err != nil {
		return nil, err
	}
	if c.Web.CSRFKey, err = db.Secret(ctx, "csrf", 32); err != nil {
		db.Close()
		return nil, err
	}
	audit := services.NewAudit(db, c.Log)
	fleet := hypervisor.NewFleet(c.Log, c.Fleet)
	if c.Mail.Provider == "" {
		c.Mail.Provider = "Abrak"
	}
	if c.Mail.BaseURL == "" {
		c.Mail.BaseURL = c.Web.BaseURL
	}
	mailer := services.NewMailer(db, c.Mail, views.Letters(c.Mail.Provider), c.Log)
	consoles := services.NewConsoles(db, fleet, c.Log, c.Console)
	// What ends a customer's access (a session, a token, a password) closes
	// the consoles it opened, through the one registry.
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
	topUps := services.NewTopUps(db, audit, mailer, c.Gateway, strings.TrimRight(c.Web.BaseURL, "/"), c.VATPercent, c.Log)
	if o, ok := c.Gateway.(interface{ PayOrigin() string }); ok {
		c.Web.FormTargets = append(c.Web.FormTargets, o.PayOrigin())
	}
	vms, workers := services.NewVMs(db, fleet, audit, sshKeys, mailer, consoles.OnVMStatus, c.Log, c.VM)
	ss := db.Sessions(10 * time.Minute)
	h := handlers.New(handlers.Deps{
		Log: c.Log, Sessions: NewSessionManager(ss, c.Web),
		Accounts: accounts, Audit: audit, VMs: vms, Workers: workers, Tokens: tokens, SSHKeys: sshKeys, Wallets: wallet, TopUps: topUps,
		Consoles: consoles, BaseURL: strings.TrimRight(c.Web.BaseURL, "/"), SecureCookies: c.Web.SecureCookies,
		Ready: []handlers.ReadyCheck{{Name: "database", Check: db.Ping}, {Name: "hypervisors", Check: fleetReady(fleet)}},
	})
	return &App{DB: db, Fleet: fleet, Accounts: accounts, Audit: audit, VMs: vms, Workers: workers, Tokens: tokens, SSHKeys: sshKeys, Wallet: wallet, TopUps: topUps, Mailer: mailer, Consoles: consoles,
		Server: New(c.Web, c.Log, h), sessions: ss}, nil
}

// Start runs the background workers (provisioner, reconciler, events, the expiry
// of unfinished payments) until ctx ends.
func (a *App) Start(ctx context.Context) error {
	go a.TopUps.Run(ctx)
	go a.Mailer.Run(ctx)
	return a.Workers.Run(ctx)
}

// Close stops the workers and releases the fleet and the database.
func (a *App) Close() {
	a.Consoles.CloseAll()
	a.VMs.Close()
	a.Fleet.Close()
	a.sessions.Close()
	a.DB.Close()
}
