package services

import (
	"context"

	"abrak/store"
)

// Wallet shows customers their balance and bills, and lets operators credit it.
type Wallet struct {
	db    *store.DB
	audit *Audit
}

func NewWallet(db *store.DB, audit *Audit) *Wallet { return &Wallet{db: db, audit: audit} }

// Ledger is one page of the principal's charges, refunds and top-ups, newest first.
func (w *Wallet) Ledger(ctx context.Context, p Principal, limit, offset int) ([]LedgerEntry, int, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return nil, 0, err
	}
	entries, total, err := w.db.LedgerPage(ctx, p.UserID, limit, offset)
	if err != nil {
		return nil, 0, Internal(err)
	}
	return convert(entries, ledgerOf), total, nil
}

// TopUp credits a customer's wallet (the operator's `abrak admin top-up`, or a payment).
func (w *Wallet) TopUp(ctx context.Context, userID, rials int64, ref string) (int64, error) {
	if rials <= 0 {
		return 0, Invalid(map[string]string{"amount": "wallet.amount_invalid"})
	}
	after, err := w.db.Credit(ctx, userID, rials, "topup", ref)
	if err != nil {
		return 0, Internal(err)
	}
	w.audit.Record(ctx, Principal{UserID: userID}, "wallet.topup", SeverityInfo, "wallet", "", ref)
	hookEmitter{db: w.db}.emit(ctx, userID, 0, EventWalletToppedUp, map[string]any{"amount": rials, "balance_rials": after, "reference": ref})
	return after, nil
}

// VMNames names the principal's VMs (deleted ones too) among uuids, for
// ledger rows that refer to them.
func (w *Wallet) VMNames(ctx context.Context, p Principal, uuids []string) (map[string]string, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return nil, err
	}
	names, err := w.db.VMNames(ctx, p.UserID, uuids)
	return names, internal(err)
}
