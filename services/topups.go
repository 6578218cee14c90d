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

// Each start asks the gateway for a payment, so an account may start
// TopUpLimit in TopUpWindow: a loop, a double click or a leaked token cannot
// flood the gateway (which refuses a merchant that floods it) on its behalf.
const (
	TopUpLimit  = 5
	TopUpWindow = 10 * time.Minute
)

// topUpReuse is how long the same amount asked again is given the pending
// payment's page instead of a new one: well inside the gateway's session and
// topUpExpiry, so the page it hands out is still open.
const topUpReuse = 10 * time.Minute

// TopUps are payments into wallets through a gateway.
type TopUps struct {
	// Brands names the provider in the gateway's description of a payment.
	Brands *Brands
	db     *store.DB
	audit  *Audit
	gw     Gateway // nil: online payment is not configured
	// callback is the absolute URL the gateway sends the customer back to.
	callback string
	log      *slog.Logger
	// mail tells the customer a payment was received; nil: no letters.
	mail *Mailer
	// VATPercent is added to every top-up at the gateway (the operator's
	// setting, 10 % by default: Iran's rate); the wallet gets the amount asked for.
	VATPercent int
	// starting lets one start at a time through per account, so the same
	// request sent twice at once finds the first one's page instead of asking
	// the gateway twice.
	starting keyLock
}

// VAT is what is added to a top-up of rials, rounded to whole toman.
func (t *TopUps) VAT(rials int64) int64 {
	return (rials*int64(t.VATPercent)/100 + 5) / 10 * 10
}

// NewTopUps builds the service; gw nil turns online payment off (forms and the
// API say so), mail nil sends no letters. baseURL is the panel's public URL;
// vatPercent is added to every top-up at the gateway.
func NewTopUps(db *store.DB, audit *Audit, mail *Mailer, gw Gateway, baseURL string, vatPercent int, log *slog.Logger) *TopUps {
	return &TopUps{db: db, audit: audit, mail: mail, gw: gw, callback: baseURL + TopUpCallbackPath, VATPercent: vatPercent, log: log}
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
	// Message and Args say why a failed one failed: a message key and its
	// placeholder pairs, translated where they are shown.
	Message   string
	Args      []string
	RefID     string
	CardPAN   string
	CreatedAt time.Time
	// Reused: Start gave back the pending payment of the same amount instead
	// of asking the gateway for another.
	Reused bool
}

func topUpOf(t store.TopUp) TopUp {
	out := TopUp{ID: t.ID, AmountRials: t.AmountRials, VATRials: t.VATRials, Status: t.Status, RefID: t.RefID, CardPAN: t.CardPAN, CreatedAt: t.CreatedAt}
	if t.Status == store.TopUpFailed {
		out.Message, out.Args = reasonMessage(t.Reason, t.Message)
	}
	return out
}

// Start asks the gateway for a payment of rials and returns where the customer
// pays it; the same amount asked again while that payment is pending gets the
// same page (Reused). A token needs wallet:write. A gateway that refuses or
// does not answer leaves a failed top-up and a 503 in the customer's words (its
// own words and errors go to the log); nothing is charged or credited.
func (t *TopUps) Start(ctx context.Context, p Principal, rials int64) (TopUp, string, error) {
	if err := p.Require(ScopeWalletWrite); err != nil {
		return TopUp{}, "", err
	}
	if t.gw == nil {
		return TopUp{}, "", Unavailable("wallet.topup_unconfigured", nil)
	}
	if rials < MinTopUpRials || rials > MaxTopUpRials || rials%10 != 0 {
		return TopUp{}, "", Invalid(map[string]string{"amount": "wallet.topup_amount_range"})
	}
	unlock, err := t.starting.lock(ctx, p.UserID)
	if err != nil {
		return TopUp{}, "", Internal(err)
	}
	defer unlock()
	now := time.Now()
	row, reused, err := t.db.OpenTopUp(ctx, p.UserID, t.gw.Name(), rials, t.VAT(rials), now.Add(-topUpReuse), now.Add(-TopUpWindow), TopUpLimit)
	var full *store.TopUpLimit
	if errors.As(err, &full) {
		e := RateLimited(full.Oldest.Add(TopUpWindow).Sub(now))
		e.Key = "wallet.topup_too_many"
		e.Args = append(e.Args, "n", strconv.Itoa(TopUpLimit), "minutes", strconv.Itoa(int(TopUpWindow/time.Minute)))
		return TopUp{}, "", e
	}
	if err != nil {
		return TopUp{}, "", Internal(err)
	}
	if reused {
		out := topUpOf(row)
		out.Reused = true
		return out, row.PayURL, nil
	}
	authority, payURL, err := t.gw.Request(ctx, PaymentRequest{AmountRials: row.AmountRials + row.VATRials, CallbackURL: t.callback,
		Description: t.Brands.NameOr(ctx, "en", "Abrak") + " wallet top-up #" + strconv.FormatInt(row.ID, 10), Email: p.Email, OrderID: strconv.FormatInt(row.ID, 10)})
	if err != nil {
		reason, words := failureOf(err)
		_, _ = t.db.FailTopUp(ctx, row.ID, reason, words)
		t.log.Warn("payment request failed", "topup", row.ID, "gateway", t.gw.Name(), "reason", reason, "err", err)
		return TopUp{}, "", gatewayFailure(err)
	}
	if err := t.db.SetTopUpAuthority(ctx, row.ID, authority, payURL); err != nil {
		return TopUp{}, "", Internal(err)
	}
	t.audit.Record(ctx, p, "wallet.topup_started", SeverityInfo, "topup", strconv.FormatInt(row.ID, 10), strconv.FormatInt(rials, 10))
	row.Authority = authority
	return topUpOf(row), payURL, nil
}

// Callback settles a payment the customer came back from: it must be theirs
// (another customer's, or an authority nobody was given, credits nothing and is
// 404). Status is only what the customer's browser brings back (a page that
// timed out after the bank took the money says NOK; anyone can type OK), so
// whatever it says the gateway is asked to verify the payment for the amount
// on record: paid (code 100, or 101 when verified before) credits it once,
// even if it was failed before; a verdict of not paid fails it. A paid one is
// not asked about again.
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
	if row.Status == store.TopUpPaid || t.gw == nil {
		return topUpOf(row), nil
	}
	v, err := t.gw.Verify(ctx, authority, row.AmountRials+row.VATRials)
	if err != nil {
		// Nothing is known yet: the top-up stays as it was and the customer may
		// come back (reload) to settle it.
		t.log.Warn("payment verification failed", "topup", row.ID, "status", status, "err", err)
		return TopUp{}, Unavailable("wallet.verify_unreachable", err)
	}
	if !v.Paid {
		failed, err := t.db.FailTopUp(ctx, row.ID, v.Reason, v.Message)
		if err != nil {
			return TopUp{}, Internal(err)
		}
		if failed {
			action, severity := "wallet.topup_failed", SeverityWarning
			if status != "OK" {
				action, severity = "wallet.topup_cancelled", SeverityInfo
			}
			t.audit.Record(ctx, p, action, severity, "topup", strconv.FormatInt(row.ID, 10), strconv.Itoa(v.Code))
		}
		return t.reread(ctx, p, row.ID)
	}
	credited, err := t.db.PayTopUp(ctx, row.ID, v.RefID, v.CardPAN)
	if err != nil {
		return TopUp{}, Internal(err)
	}
	if credited {
		t.audit.Record(ctx, p, "wallet.topup", SeverityInfo, "topup", strconv.FormatInt(row.ID, 10), v.RefID)
		hookEmitter{db: t.db, log: t.log}.emit(ctx, row.UserID, 0, EventWalletToppedUp,
			map[string]any{"topup_id": row.ID, "amount": row.AmountRials, "reference": v.RefID})
		t.mail.Notify(ctx, row.UserID, mail.Letter{Kind: "topup", Link: t.mail.URL("/wallet"),
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
