package services

import (
	"context"
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
