package services

import (
	"context"
	"strconv"

	"abrak/mail"
)

// WarningRungs are the hours left at which a customer is warned, once each per
// episode of running low; an episode ends when the balance lasts longer than
// the first rung again.
var WarningRungs = []int{72, 24, 1}

// WarnLowBalances walks the ladder for every account with VMs being charged:
// a warning when the hours left fall under a rung not yet warned of in this
// episode (the lowest rung reached, when several are passed at once).
func (s *vmCore) WarnLowBalances(ctx context.Context) {
	burning, err := s.db.Burning(ctx)
	if err != nil {
		s.log.Error("listing accounts for low-balance warnings", "err", err)
		return
	}
	for _, b := range burning {
		hours, _ := hoursLeft(b.BalanceRials, b.BurnRials)
		rung := 0
		for _, r := range WarningRungs {
			if hours < int64(r) {
				rung = r
			}
		}
		if rung == 0 {
			if b.Warned != 0 {
				_, _ = s.db.SetLowBalanceWarned(ctx, b.UserID, 0)
			}
			continue
		}
		if b.Warned != 0 && b.Warned <= rung {
			continue
		}
		changed, err := s.db.SetLowBalanceWarned(ctx, b.UserID, rung)
		if err != nil || !changed {
			continue
		}
		kind := "low_balance"
		if rung == 1 {
			kind = "low_balance_hour"
		}
		s.audit.Record(ctx, Principal{UserID: b.UserID}, "wallet.low_balance", SeverityWarning, "user", "", strconv.Itoa(rung))
		s.hooks.emit(ctx, b.UserID, 0, EventWalletLow, map[string]any{"balance_rials": b.BalanceRials,
			"burn_rate_rials_per_hour": b.BurnRials, "hours_left": hours, "warning_hours": rung})
		s.mail.Notify(ctx, b.UserID, mail.Letter{Kind: kind, Link: s.mail.URL("/wallet"),
			Amounts: map[string]int64{"balance": b.BalanceRials, "burn": b.BurnRials}, Counts: map[string]int64{"hours": hours}})
	}
}
