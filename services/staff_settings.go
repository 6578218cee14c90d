package services

import (
	"context"
	"time"
)

// PartsStatus is what the operator's settings page tells of the panel's
// parts: whether each is configured and the last error it met, never a
// password, key or merchant id.
type PartsStatus struct {
	MailOn           bool
	MailFrom         string
	MailServer       string // host:port
	MailFailed       int    // letters given up on
	MailLastError    string
	MailLastErrorAt  time.Time
	GatewayOn        bool
	Gateway          string // the gateway's name
	PaymentLastError string
	PaymentLastAt    time.Time
	VATPercent       int
	Backups          BackupConfig
}

// WithParts gives the operator's side what it reports on the settings page.
func (s *Staff) WithParts(mail *Mailer, topups *TopUps, backups BackupConfig) *Staff {
	s.mail, s.topups, s.backups = mail, topups, backups.withDefaults()
	return s
}

// Parts is the panel's parts as the settings page shows them; every staff
// member may read it.
func (s *Staff) Parts(ctx context.Context, p Principal) (PartsStatus, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return PartsStatus{}, err
	}
	out := PartsStatus{Backups: s.backups}
	if s.mail.Enabled() {
		out.MailOn, out.MailFrom, out.MailServer = true, s.mail.cfg.From, s.mail.cfg.Server.Addr
	}
	if s.topups != nil {
		out.VATPercent = s.topups.VATPercent
		if s.topups.Enabled() {
			out.GatewayOn, out.Gateway = true, s.topups.gw.Name()
		}
	}
	mf, err := s.db.LastMailFailure(ctx)
	if err != nil {
		return out, Internal(err)
	}
	pf, err := s.db.LastFailedPayment(ctx)
	if err != nil {
		return out, Internal(err)
	}
	counts, err := s.db.MailFailedCount(ctx)
	if err != nil {
		return out, Internal(err)
	}
	out.MailLastError, out.MailLastErrorAt = mf.Error, mf.At
	out.PaymentLastError, out.PaymentLastAt = pf.Error, pf.At
	out.MailFailed = counts
	return out, nil
}
