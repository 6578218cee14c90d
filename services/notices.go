package services

import (
	"context"
	"strconv"
	"time"

	"abrak/mail"
	"abrak/store"
)

// Notify queues a letter to an account in its language; failures are logged,
// never returned: a notice is never a reason for an operation to fail.
func (m *Mailer) Notify(ctx context.Context, userID int64, l mail.Letter) {
	if !m.Enabled() {
		return
	}
	u, err := m.db.UserByID(ctx, userID)
	if err != nil {
		m.log.Warn("no account for a notice", "user", userID, "kind", l.Kind, "err", err)
		return
	}
	l.To, l.Locale, l.Name = u.Email, u.Locale, u.Name
	if err := m.Queue(ctx, userID, l); err != nil {
		m.log.Error("queueing a notice", "user", userID, "kind", l.Kind, "err", err)
	}
}

// vmReady tells the customer their new VM is up, with its addresses and how to connect.
func (s *vmCore) vmReady(ctx context.Context, vm store.VM) {
	l := mail.Letter{Kind: "vm_ready", Args: []string{"vm", letterName(vm)}, Link: s.mail.URL("/vms/" + vm.UUID)}
	if vm.PublicIP != "" {
		l.Facts = append(l.Facts, mail.Fact{Label: "mail.fact.ipv4", Value: vm.PublicIP},
			mail.Fact{Label: "mail.fact.ssh", Value: "ssh root@" + vm.PublicIP})
	}
	if vm.PublicIPv6 != "" {
		l.Facts = append(l.Facts, mail.Fact{Label: "mail.fact.ipv6", Value: vm.PublicIPv6})
	}
	s.mail.Notify(ctx, vm.UserID, l)
}

// unpaidOff tells the customer a VM was powered off because the wallet ran out.
func (s *vmCore) unpaidOff(ctx context.Context, d store.DueHour) {
	s.vmNotice(ctx, d.VMID, "unpaid_off")
}

// vmNotice tells a VM's owner of what happened to it, with a link to the wallet.
func (s *vmCore) vmNotice(ctx context.Context, vmID int64, kind string) {
	vm, err := s.db.VMByID(ctx, vmID)
	if err != nil {
		return
	}
	s.mail.Notify(ctx, vm.UserID, mail.Letter{Kind: kind, Args: []string{"vm", letterName(vm)}, Link: s.mail.URL("/wallet"),
		Counts: map[string]int64{"days": int64(s.cfg.UnpaidGrace / (24 * time.Hour))}})
}

// letterName is how a letter names a VM: its display name, else its hostname.
func letterName(vm store.VM) string {
	if vm.DisplayName != "" {
		return vm.DisplayName
	}
	return vm.Hostname
}

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
		s.mail.Notify(ctx, b.UserID, mail.Letter{Kind: kind, Link: s.mail.URL("/wallet"),
			Amounts: map[string]int64{"balance": b.BalanceRials, "burn": b.BurnRials}, Counts: map[string]int64{"hours": hours}})
	}
}
