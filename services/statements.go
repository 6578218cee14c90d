package services

import (
	"context"
	"time"

	"abrak/calendar"
	"abrak/store"
)

// ParseMonth reads a statement's month, "YYYY-MM" (calendar.Parse).
func ParseMonth(s string) (calendar.Month, error) {
	m, err := calendar.Parse(s)
	if err != nil {
		return m, Invalid(map[string]string{"month": "statement.month_invalid"})
	}
	return m, nil
}

// Statement is a month of a wallet: the balance it opened and closed with,
// and between them every top-up, the charges of each VM summed over its
// hours, refunds and the operator's corrections. Amounts are rials; charges
// are positive amounts taken from the wallet.
type Statement struct {
	Month                     calendar.Month
	Opening, Closing          int64
	TopUps, Refunds, Other    []StatementLine
	Charges                   []VMCharge
	TotalTopUps, TotalCharges int64
	TotalRefunds, TotalOther  int64
	// VATRials is the VAT paid at the gateway on the month's top-ups (on top of them).
	VATRials int64
}

// StatementLine is one ledger row of a statement.
type StatementLine struct {
	At    time.Time
	Rials int64
	Kind  string
	Ref   string
}

// VMCharge is what one VM cost in the month: its ordered first hour and each
// hour after, from the first to the last hour charged.
type VMCharge struct {
	UUID, Name  string
	Hours       int
	First, Last time.Time
	Rials       int64
	// BackupRials is what its backups cost beside the hours of its plan (in Rials).
	BackupRials int64
}

// Statement builds the principal's statement for month.
func (w *Wallet) Statement(ctx context.Context, p Principal, m calendar.Month) (Statement, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return Statement{}, err
	}
	opening, entries, err := w.db.LedgerBetween(ctx, p.UserID, m.From, m.To)
	if err != nil {
		return Statement{}, Internal(err)
	}
	st := Statement{Month: m, Opening: opening, Closing: opening}
	byVM := map[string]int{}
	var uuids []string
	chargeOf := func(ref string, at time.Time) *VMCharge {
		i, ok := byVM[ref]
		if !ok {
			i = len(st.Charges)
			byVM[ref] = i
			st.Charges = append(st.Charges, VMCharge{UUID: ref, First: at, Last: at})
			uuids = append(uuids, ref)
		}
		return &st.Charges[i]
	}
	for _, e := range entries {
		st.Closing += e.AmountRials
		line := StatementLine{At: e.CreatedAt, Rials: e.AmountRials, Kind: e.Kind, Ref: e.Ref}
		switch e.Kind {
		case "topup":
			st.TopUps = append(st.TopUps, line)
			st.TotalTopUps += e.AmountRials
		case "refund":
			st.Refunds = append(st.Refunds, line)
			st.TotalRefunds += e.AmountRials
		case "hourly", "vm_order":
			c := chargeOf(e.Ref, e.CreatedAt)
			c.Hours++
			c.Last = e.CreatedAt
			c.Rials -= e.AmountRials
			st.TotalCharges -= e.AmountRials
		case store.LedgerBackups:
			// Beside the hour it belongs to: the hour's row comes first.
			chargeOf(e.Ref, e.CreatedAt).BackupRials -= e.AmountRials
			st.TotalCharges -= e.AmountRials
		default:
			st.Other = append(st.Other, line)
			st.TotalOther += e.AmountRials
		}
	}
	names, err := w.db.VMNames(ctx, p.UserID, uuids)
	if err != nil {
		return Statement{}, Internal(err)
	}
	for i := range st.Charges {
		st.Charges[i].Name = names[st.Charges[i].UUID]
	}
	if st.VATRials, err = w.db.VATPaid(ctx, p.UserID, m.From, m.To); err != nil {
		return Statement{}, Internal(err)
	}
	return st, nil
}
