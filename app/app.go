// Package app is the composition root: it builds the store, the fleet, the
// services, the handlers and the web server, each given what it works with
// when it is made, and starts every background loop (loops.go). `abrak serve`
// runs one; tests build one on a temporary database.
package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"abrak/handlers"
	"abrak/hypervisor"
	"abrak/replica"
	"abrak/services"
	"abrak/store"
	"abrak/views"
	"abrak/views/i18n"
	"abrak/web"
)

// App is the whole panel wired together.
type App struct {
	DB       *store.DB
	Fleet    *hypervisor.Fleet
	Accounts *services.Accounts
	Audit    *services.Audit
	Staff    *services.Staff
	VMs      *services.VMs
	Workers  *services.Workers
	Wallet   *services.Wallet
	TopUps   *services.TopUps
	Mailer   *services.Mailer
	Brands   *services.Brands
	Consoles *services.Consoles
	Tokens   *services.Tokens
	Teams    *services.Teams
	SSHKeys  *services.SSHKeys
	Webhooks *services.Webhooks
	Server   *web.Server
	sessions *store.SessionStore
	// Replicas replicates the database off the machine; nil without
	// replicas. ReplicaWatch tells the operator when they fall behind (a loop).
	Replicas     *replica.Replicator
	ReplicaWatch *services.ReplicaWatch

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
	// Replica replicates the database continuously (none without URLs); the
	// operator at OperatorEmail hears when a replica falls behind.
	Replica       replica.Config
	OperatorEmail string
	// ReplicaWatchEvery is how often the replicas are looked at for the
	// operator (15 s when 0; tests shorten it).
	ReplicaWatchEvery time.Duration
	// Site is what the operator tells customers: support channels, how to pay by hand.
	Site views.Site
	// Webhooks tunes the webhooks (loopback allowed for tests, the worker's clock).
	Webhooks services.WebhookConfig
	// TemplateDir keeps the panel's copies of imported and uploaded images;
	// empty: templates/ beside the database, as `abrak admin import-template`.
	TemplateDir string
	// Brand is the provider's brand as the ABRAK_BRAND_* settings give it
	// (support and base URL from Site and Web when empty); the settings page's
	// values win over it.
	Brand services.Brand
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
	var replicas *replica.Replicator
	if len(c.Replica.URLs) > 0 {
		if replicas, err = replica.Start(ctx, c.DBPath, c.Replica, c.Log); err != nil {
			db.Close()
			return nil, err
		}
		c.Web.Collectors = append(c.Web.Collectors, replicas.Collector())
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
	if c.Brand.SupportEmail == "" {
		c.Brand.SupportEmail = c.Site.Support.Email
	}
	if c.Brand.SupportURL == "" {
		c.Brand.SupportURL = c.Site.Support.URL
	}
	if c.Brand.BaseURL == "" {
		c.Brand.BaseURL = baseURL
	}
	brands := services.NewBrands(db, audit, c.Brand)
	mailer := services.NewMailer(db, c.Mail, views.LettersFrom(brandLetters(brands, c.Mail.Provider, c.Site.Support)), c.Log)
	mailer.Brands = brands
	// What ends a customer's access (a session, a token, a password, a VM
	// found stopped) closes the consoles it opened, through the one registry.
	consoles := services.NewConsoles(db, fleet, c.Log, c.Console)
	accounts, err := services.NewAccounts(db, audit, mailer, consoles, services.AccountsConfig{PerIP: c.PerIP, PerAccount: c.PerAccount})
	if err != nil {
		consoles.CloseAll()
		fleet.Close()
		db.Close()
		if replicas != nil {
			replicas.Close()
		}
		return nil, err
	}
	accounts.Brands = brands
	tokens := services.NewTokens(db, audit, consoles)
	teams := services.NewTeams(db, audit, mailer, consoles)
	sshKeys := services.NewSSHKeys(db, audit)
	wallet := services.NewWallet(db, audit)
	topUps := services.NewTopUps(db, audit, mailer, c.Gateway, baseURL, c.VATPercent, c.Log)
	topUps.Brands = brands
	if o, ok := c.Gateway.(interface{ PayOrigin() string }); ok {
		c.Web.FormTargets = append(c.Web.FormTargets, o.PayOrigin())
	}
	vms, workers := services.NewVMs(db, fleet, audit, sshKeys, mailer, consoles, c.Log, c.VM)
	webhooks := services.NewWebhooks(db, audit, mailer, c.Log, c.Webhooks)
	staff := services.NewStaff(db, audit, workers, c.VM.AddressQuarantineOrDefault()).WithAccounts(accounts, vms).WithParts(mailer, topUps, c.VM.Backups)
	staff.WithTemplateDir(templateDir(c))
	ss := db.Sessions(10 * time.Minute)
	h := handlers.New(handlers.Deps{
		Log: c.Log, Sessions: web.NewSessionManager(ss, store.SessionCodec{}, c.Web),
		Accounts: accounts, Audit: audit, VMs: vms, Workers: workers, Tokens: tokens, SSHKeys: sshKeys, Wallets: wallet, TopUps: topUps,
		Consoles: consoles, Teams: teams, Webhooks: webhooks, Staff: staff, BaseURL: baseURL, SecureCookies: c.Web.SecureCookies, Site: c.Site, Brands: brands,
		Ready:    []handlers.ReadyCheck{{Name: "database", Check: db.Ping}, {Name: "hypervisors", Check: fleetReady(fleet)}},
		Replicas: replicaHealth(replicas),
	})
	a := &App{Staff: staff, DB: db, Fleet: fleet, Accounts: accounts, Audit: audit, VMs: vms, Workers: workers, Tokens: tokens, Teams: teams, SSHKeys: sshKeys, Webhooks: webhooks,
		Wallet: wallet, TopUps: topUps, Mailer: mailer, Brands: brands, Consoles: consoles, Server: web.New(c.Web, c.Log, h), sessions: ss, Replicas: replicas}
	if replicas != nil {
		a.ReplicaWatch = services.NewReplicaWatch(replicas.Check, mailer, c.OperatorEmail, c.ReplicaWatchEvery, c.Log)
	}
	return a, nil
}

// brandLetters signs letters with the brand's name in the letter's
// language (ABRAK_PROVIDER_NAME while the provider has no brand of its own)
// and lists the brand's support address and page.
func brandLetters(brands *services.Brands, provider string, support views.Support) func(i18n.Locale) (string, views.Support) {
	return func(loc i18n.Locale) (string, views.Support) {
		b, _ := brands.Get(context.Background())
		name, s := provider, support
		if b.Named() {
			name = b.Name(string(loc))
		}
		s.Email, s.URL = b.SupportEmail, b.SupportURL
		return name, s
	}
}

// replicaHealth is each replica's state for /readyz; nil without replicas.
func replicaHealth(r *replica.Replicator) func() []services.ReplicaHealth {
	if r == nil {
		return nil
	}
	return func() []services.ReplicaHealth {
		var out []services.ReplicaHealth
		for _, st := range r.Status() {
			out = append(out, services.ReplicaHealth{URL: st.URL, SyncedThrough: st.SyncedThrough, LagSeconds: st.Lag.Seconds(), Error: st.Error})
		}
		return out
	}
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
	// After the database: closing Litestream's handle first would drop this
	// process's locks under the panel's writer.
	if a.Replicas != nil {
		a.Replicas.Close()
	}
}

// templateDir is where the panel keeps images: the setting, or templates/
// beside the database (where `abrak admin import-template` puts them too).
func templateDir(c Config) string {
	if c.TemplateDir != "" {
		return c.TemplateDir
	}
	return filepath.Join(filepath.Dir(c.DBPath), "templates")
}
