package services

import (
	"abrak/mail"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"abrak/store"
)

// Top-up bounds, in rials: 10,000 to 100,000,000 toman.
const (
	MinTopUpRials = 100_000
	MaxTopUpRials = 1_000_000_000
)

// topUpExpiry is how long a payment may stay unfinished before it is marked
// expired (it is still credited if its verification later says it was paid).
const topUpExpiry = 30 * time.Minute

// TopUps are payments into wallets through a gateway.
type TopUps struct {
	db    *store.DB
	audit *Audit
	gw    Gateway // nil: online payment is not configured
	// callback is the absolute URL the gateway sends the customer back to.
	callback string
	log      *slog.Logger
	// Mail tells the customer a payment was received; nil: no letters.
	Mail *Mailer
	// VATPercent is added to every top-up at the gateway (the operator's
	// setting, 10 % by default: Iran's rate); the wallet gets the amount asked for.
	VATPercent int
}

// VAT is what is added to a top-up of rials, rounded to whole toman.
func (t *TopUps) VAT(rials int64) int64 {
	return (rials*int64(t.VATPercent)/100 + 5) / 10 * 10
}

// NewTopUps builds the service; gw nil turns online payment off (forms and the
// API say so). baseURL is the panel's public URL.
func NewTopUps(db *store.DB, audit *Audit, gw Gateway, baseURL string, log *slog.Logger) *TopUps {
	return &TopUps{db: db, audit: audit, gw: gw, callback: baseURL + TopUpCallbackPath, log: log}
}

// TopUpCallbackPath is where a gateway sends the customer back.
const TopUpCallbackPath = "/wallet/topup/callback"

// Enabled reports whether a gateway is configured.
func (t *TopUps) Enabled() bool { return t.gw != nil }

// TopUp is a payment as the doors show it.
type TopUp struct {
	ID          int64
	AmountRials int64 // credited to the wallet
	VATRials    int64 // added at the gateway
	Status      string
	Message     string
	RefID       string
	CardPAN     string
	CreatedAt   time.Time
}

func topUpOf(t store.TopUp) TopUp {
	return TopUp{ID: t.ID, AmountRials: t.AmountRials, VATRials: t.VATRials, Status: t.Status, Message: t.Message, RefID: t.RefID, CardPAN: t.CardPAN, CreatedAt: t.CreatedAt}
}

// Start asks the gateway for a payment of rials and returns where the customer
// pays it. A gateway that refuses or does not answer leaves a failed top-up and
// a 503 with its words; nothing is charged or credited.
func (t *TopUps) Start(ctx context.Context, p Principal, rials int64) (TopUp, string, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return TopUp{}, "", err
	}
	if t.gw == nil {
		return TopUp{}, "", Unavailable("wallet.topup_unconfigured", nil)
	}
	if rials < MinTopUpRials || rials > MaxTopUpRials || rials%10 != 0 {
		return TopUp{}, "", Invalid(map[string]string{"amount": "wallet.topup_amount_range"})
	}
	row, err := t.db.CreateTopUp(ctx, p.UserID, t.gw.Name(), rials, t.VAT(rials))
	if err != nil {
		return TopUp{}, "", Internal(err)
	}
	authority, payURL, err := t.gw.Request(ctx, PaymentRequest{AmountRials: row.AmountRials + row.VATRials, CallbackURL: t.callback,
		Description: "Abrak wallet top-up #" + strconv.FormatInt(row.ID, 10), Email: p.Email, OrderID: strconv.FormatInt(row.ID, 10)})
	if err != nil {
		_, _ = t.db.FailTopUp(ctx, row.ID, err.Error())
		t.log.Warn("payment request refused", "topup", row.ID, "gateway", t.gw.Name(), "err", err)
		var ge *GatewayError
		if errors.As(err, &ge) {
			return TopUp{}, "", UnavailableWith("wallet.gateway_refused", err, "message", ge.Message)
		}
		return TopUp{}, "", Unavailable("wallet.gateway_unreachable", err)
	}
	if err := t.db.SetTopUpAuthority(ctx, row.ID, authority); err != nil {
		return TopUp{}, "", Internal(err)
	}
	t.audit.Record(ctx, p, "wallet.topup_started", SeverityInfo, "topup", strconv.FormatInt(row.ID, 10), strconv.FormatInt(rials, 10))
	row.Authority = authority
	return topUpOf(row), payURL, nil
}

// Callback settles a payment the customer came back from: it must be theirs
// (another customer's, or an authority nobody was given, credits nothing and is
// 404). The gateway is asked to verify it for the amount on record: paid (code
// 100, or 101 when verified before) credits it once; a cancelled or refused
// one fails with the gateway's words. A replay after that changes nothing.
func (t *TopUps) Callback(ctx context.Context, p Principal, authority, status string) (TopUp, error) {
	row, err := t.db.TopUpByAuthority(ctx, authority)
	if errors.Is(err, store.ErrNotFound) || err == nil && row.UserID != p.UserID {
		if err == nil {
			t.log.Warn("payment callback for another customer's top-up", "topup", row.ID, "user", p.UserID)
		}
		return TopUp{}, NotFound()
	}
	if err != nil {
		return TopUp{}, Internal(err)
	}
	if row.Status == store.TopUpPaid || row.Status == store.TopUpFailed || t.gw == nil {
		return topUpOf(row), nil
	}
	if status != "OK" {
		if _, err := t.db.FailTopUp(ctx, row.ID, "cancelled"); err != nil {
			return TopUp{}, Internal(err)
		}
		t.audit.Record(ctx, p, "wallet.topup_cancelled", SeverityInfo, "topup", strconv.FormatInt(row.ID, 10), "")
		return t.reread(ctx, p, row.ID)
	}
	v, err := t.gw.Verify(ctx, authority, row.AmountRials+row.VATRials)
	if err != nil {
		// Nothing is known yet: the top-up stays as it was and the customer may
		// come back (reload) to settle it.
		t.log.Warn("payment verification failed", "topup", row.ID, "err", err)
		return TopUp{}, Unavailable("wallet.gateway_unreachable", err)
	}
	if !v.Paid {
		if _, err := t.db.FailTopUp(ctx, row.ID, v.Message); err != nil {
			return TopUp{}, Internal(err)
		}
		t.audit.Record(ctx, p, "wallet.topup_failed", SeverityWarning, "topup", strconv.FormatInt(row.ID, 10), strconv.Itoa(v.Code))
		return t.reread(ctx, p, row.ID)
	}
	credited, err := t.db.PayTopUp(ctx, row.ID, v.RefID, v.CardPAN)
	if err != nil {
		return TopUp{}, Internal(err)
	}
	if credited {
		t.audit.Record(ctx, p, "wallet.topup", SeverityInfo, "topup", strconv.FormatInt(row.ID, 10), v.RefID)
		t.Mail.Notify(ctx, row.UserID, mail.Letter{Kind: "topup", Link: t.Mail.URL("/wallet"),
			Amounts: map[string]int64{"amount": row.AmountRials}, Facts: []mail.Fact{{Label: "mail.fact.ref", Value: v.RefID}}})
	}
	return t.reread(ctx, p, row.ID)
}

func (t *TopUps) reread(ctx context.Context, p Principal, id int64) (TopUp, error) {
	row, err := t.db.TopUpOf(ctx, p.UserID, id)
	return topUpOf(row), internal(err)
}

// Get is one of the principal's top-ups.
func (t *TopUps) Get(ctx context.Context, p Principal, id int64) (TopUp, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return TopUp{}, err
	}
	row, err := t.db.TopUpOf(ctx, p.UserID, id)
	if errors.Is(err, store.ErrNotFound) {
		return TopUp{}, NotFound()
	}
	return topUpOf(row), internal(err)
}

// Recent lists the principal's newest top-ups.
func (t *TopUps) Recent(ctx context.Context, p Principal, limit int) ([]TopUp, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return nil, err
	}
	rows, err := t.db.TopUps(ctx, p.UserID, limit)
	return convert(rows, topUpOf), internal(err)
}

// Run marks unfinished payments expired until ctx ends.
func (t *TopUps) Run(ctx context.Context) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		if n, err := t.db.ExpireTopUps(ctx, time.Now().Add(-topUpExpiry)); err != nil && ctx.Err() == nil {
			t.log.Error("expiring top-ups", "err", err)
		} else if n > 0 {
			t.log.Info("unfinished top-ups expired", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
