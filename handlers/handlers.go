// Package handlers adapts HTTP to the services: each handler parses input,
// calls one service method with the acting principal, and answers with a full
// page, an htmx partial or JSON. Rules live in services, never here.
package handlers

import (
	"log/slog"

	"github.com/alexedwards/scs/v2"

	"abrak/services"
	"abrak/views"
)

// Deps are the handlers' collaborators, passed explicitly.
type Deps struct {
	Log      *slog.Logger
	Sessions *scs.SessionManager
	Accounts *services.Accounts
	Audit    *services.Audit
	VMs      *services.VMs
	Workers  *services.Workers // what /readyz tells of the nodes
	Wallets  *services.Wallet
	TopUps   *services.TopUps
	Tokens   *services.Tokens
	Teams    *services.Teams
	SSHKeys  *services.SSHKeys
	Webhooks *services.Webhooks
	Staff    *services.Staff
	Ready    []ReadyCheck // what /readyz asks (the database, the hypervisor fleet)
	// Replicas reports the database's replicas for /readyz; nil without replicas.
	Replicas func() []services.ReplicaHealth
	Consoles *services.Consoles
	// BaseURL is the panel's public address (ABRAK_BASE_URL), without a trailing slash:
	// links handed out of the panel, and the origin browsers' websockets must come from.
	BaseURL string
	// SecureCookies marks the cookies handlers set Secure.
	SecureCookies bool
	// Site is what the operator tells customers on every page: support
	// channels and how to pay by hand (OnlinePayment is set from TopUps).
	Site views.Site
	// Brands is the provider's brand on every page; nil: the software's name.
	Brands *services.Brands
}

// Handlers holds every HTTP handler of the panel.
type Handlers struct {
	Deps
	answers *answerCache
}

// answerCacheBytes and answerCacheEntries bound the encodings kept of
// customers' list pages (a page of 50 VMs is about 25 KB as JSON; a poller
// keeps one to three).
const (
	answerCacheBytes   = 32 << 20
	answerCacheEntries = 10_000
)

func New(d Deps) *Handlers {
	d.Site.OnlinePayment = d.TopUps != nil && d.TopUps.Enabled()
	return &Handlers{Deps: d, answers: newAnswerCache(answerCacheBytes, answerCacheEntries)}
}

// KeptAnswers is how many answers are kept in memory for pollers, and their
// size in bytes (keys, bodies and headers), for the metrics.
func (h *Handlers) KeptAnswers() (entries, bytes int) { return h.answers.held() }
