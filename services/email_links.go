package services

import (
	"context"
	"errors"
	"strconv"
	"time"

	"abrak/mail"
	"abrak/store"
)

// How long a link sent by mail works.
const (
	VerifyLinkTTL = 24 * time.Hour
	ResetLinkTTL  = 30 * time.Minute
)

// MailEnabled reports whether letters can be sent; without it there is no
// password reset by mail and no address to verify.
func (a *Accounts) MailEnabled() bool { return a.mail.Enabled() }

// newLink makes a single-use link for purpose and returns its URL.
func (a *Accounts) newLink(ctx context.Context, u store.User, purpose, path string, ttl time.Duration) (string, error) {
	secret, err := newSecret()
	if err != nil {
		return "", err
	}
	now := time.Now()
	if err := a.db.CreateEmailLink(ctx, u.ID, purpose, u.Email, hashSecret(secret), now.Add(ttl), now); err != nil {
		return "", err
	}
	return a.mail.URL(path + "?token=" + secret), nil
}

// ResendVerification mails the principal another link that confirms the
// account's address ("send the link again"); the newest link is the only one
// that works. Nothing is sent for an address already verified. Letters are
// bounded per account and per client address.
func (a *Accounts) ResendVerification(ctx context.Context, p Principal) error {
	if err := p.Require(ScopeAccount); err != nil {
		return err
	}
	if !a.MailEnabled() {
		return Unavailable("mail.unavailable", nil)
	}
	u, err := a.user(ctx, p.Person())
	if err != nil {
		return err
	}
	if u.EmailVerified {
		return nil
	}
	if err := a.resends.spend(p.IP, u.Email); err != nil {
		return err
	}
	return a.sendVerification(ctx, u)
}

// sendVerification mails u a link that confirms its address, unbounded: its
// callers (sign-up, ResendVerification) bound it.
func (a *Accounts) sendVerification(ctx context.Context, u store.User) error {
	if !a.MailEnabled() {
		return Unavailable("mail.unavailable", nil)
	}
	link, err := a.newLink(ctx, u, store.LinkVerify, "/verify-email", VerifyLinkTTL)
	if err != nil {
		return Internal(err)
	}
	if err := a.mail.Queue(ctx, u.ID, mail.Letter{Kind: "verify", Locale: u.Locale, To: u.Email, Name: u.Name, Link: link}); err != nil {
		return Internal(err)
	}
	return nil
}

// VerifyEmail uses a verification link. A link used, expired, replaced by a
// newer one, or for an address the account no longer has verifies nothing.
func (a *Accounts) VerifyEmail(ctx context.Context, secret string) (Account, error) {
	l, err := a.db.EmailLinkByHash(ctx, store.LinkVerify, hashSecret(secret))
	if errors.Is(err, store.ErrNotFound) || err == nil && (l.Used || !l.ExpiresAt.After(time.Now())) {
		return Account{}, InvalidWith("mail.link_invalid", nil)
	}
	if err != nil {
		return Account{}, Internal(err)
	}
	if err := a.db.VerifyEmailByLink(ctx, l, time.Now()); errors.Is(err, store.ErrNotFound) {
		return Account{}, InvalidWith("mail.link_invalid", nil)
	} else if err != nil {
		return Account{}, Internal(err)
	}
	a.audit.Record(ctx, Principal{UserID: l.UserID}, "account.email_verified", SeverityInfo, "user", "", "")
	return a.User(ctx, l.UserID)
}

// RequestPasswordReset mails a reset link to the account with that address, if
// there is one. The answer is the same either way, so the form tells nobody
// who has an account; requests are bounded per address and per account.
func (a *Accounts) RequestPasswordReset(ctx context.Context, email, ip string) error {
	if !a.MailEnabled() {
		return Unavailable("mail.unavailable", nil)
	}
	email = normalizeEmail(email)
	if !validEmail(email) {
		return Invalid(map[string]string{"email": "form.invalid_email"})
	}
	if err := a.resets.spend(ip, email); err != nil {
		return err
	}
	u, err := a.db.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return Internal(err)
	}
	link, err := a.newLink(ctx, u, store.LinkReset, "/reset-password", ResetLinkTTL)
	if err != nil {
		return Internal(err)
	}
	if err := a.mail.Queue(ctx, u.ID, mail.Letter{Kind: "reset", Locale: u.Locale, To: u.Email, Name: u.Name, Link: link}); err != nil {
		return Internal(err)
	}
	a.audit.Record(ctx, Principal{UserID: u.ID, IP: ip}, "account.password_reset_requested", SeveritySecurity, "user", "", "")
	return nil
}

// CheckResetLink reports whether a reset link still works (the page asks
// before showing its form).
func (a *Accounts) CheckResetLink(ctx context.Context, secret string) error {
	_, err := a.resetLink(ctx, secret)
	return err
}

func (a *Accounts) resetLink(ctx context.Context, secret string) (store.EmailLink, error) {
	l, err := a.db.EmailLinkByHash(ctx, store.LinkReset, hashSecret(secret))
	if errors.Is(err, store.ErrNotFound) || err == nil && (l.Used || !l.ExpiresAt.After(time.Now())) {
		return l, InvalidWith("mail.link_invalid", nil)
	}
	if err != nil {
		return l, Internal(err)
	}
	return l, nil
}

// ResetPassword sets a new password through a reset link: once, within 30
// minutes; every session of the account ends with it, its API tokens are
// revoked, and every console it has open closes. Reaching the mail proves the
// address, so it is verified too.
func (a *Accounts) ResetPassword(ctx context.Context, secret, password, confirm, ip string) error {
	l, err := a.resetLink(ctx, secret)
	if err != nil {
		return err
	}
	u, err := a.db.UserByID(ctx, l.UserID)
	if err != nil {
		return Internal(err)
	}
	if k := passwordProblem(password, u.Email); k != "" {
		return Invalid(map[string]string{"password": k})
	} else if confirm != password {
		return Invalid(map[string]string{"confirm": "form.passwords_mismatch"})
	}
	hash, err := HashPassword(password)
	if err != nil {
		return Internal(err)
	}
	revoked, err := a.db.ResetPasswordByLink(ctx, l, hash, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return InvalidWith("mail.link_invalid", nil)
	} else if err != nil {
		return Internal(err)
	}
	// Whoever held the old password may hold a session, a token or a console
	// opened with either: all of them end.
	a.endConsoles(ConsolesOf{PersonID: u.ID}, ClosePasswordChanged)
	p := Principal{UserID: u.ID, IP: ip}
	a.audit.Record(ctx, p, "account.password_reset", SeveritySecurity, "user", "", "")
	for _, t := range revoked {
		a.audit.Record(ctx, p, "token.revoked_by_reset", SeveritySecurity, "token", strconv.FormatInt(t.ID, 10), t.Name)
	}
	return nil
}
