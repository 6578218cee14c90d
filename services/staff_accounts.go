package services

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"abrak/store"
	"abrak/vmstatus"
)

// reasonOf checks a reason the operator's staff must give.
func reasonOf(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", Invalid(map[string]string{"reason": "admin.reason_required"})
	case utf8.RuneCountInString(reason) > maxReason:
		return "", Invalid(map[string]string{"reason": "admin.credit.reason_long"})
	}
	return reason, nil
}

// customerFor reads the account a staff action is about; a staff member's
// own account is the admins' to act on (StaffManage), not support's.
func (s *Staff) customerFor(ctx context.Context, p Principal, id int64) (store.User, error) {
	u, err := s.db.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return u, NotFound()
	}
	if err != nil {
		return u, Internal(err)
	}
	if u.StaffRole != "" {
		if err := p.RequireStaff(StaffManage); err != nil {
			return u, err
		}
	}
	return u, nil
}

// Suspend suspends a customer's account for reason: it signs in read-only
// from now on, its tokens are refused with account_suspended, and its VMs
// that run are powered off (through the customers' own power service, so
// each is an action the customer sees).
func (s *Staff) Suspend(ctx context.Context, p Principal, id int64, reason string) error {
	if err := p.RequireStaff(StaffAct); err != nil {
		return err
	}
	reason, err := reasonOf(reason)
	if err != nil {
		return err
	}
	u, err := s.customerFor(ctx, p, id)
	if err != nil {
		return err
	}
	if u.Suspended {
		return nil
	}
	// Suspended first, so that nothing the customer starts meanwhile stays up.
	if err := s.db.SuspendAccount(ctx, id, reason, time.Now()); err != nil {
		return Internal(err)
	}
	s.record(ctx, p, "admin.suspend", SeveritySecurity, "user", strconv.FormatInt(id, 10), reason)
	return s.powerOff(ctx, p, u)
}

// powerOff kills every VM of the account that runs or is paused.
func (s *Staff) powerOff(ctx context.Context, p Principal, u store.User) error {
	if s.vms == nil {
		return nil
	}
	vms, err := s.db.CustomerVMs(ctx, u.ID)
	if err != nil {
		return Internal(err)
	}
	as := Principal{UserID: u.ID, Email: u.Email, IP: p.IP, operator: true}
	var first error
	for _, v := range vms {
		if st := vmstatus.Status(v.Status); st != vmstatus.Running && st != vmstatus.Paused {
			continue
		}
		if _, err := s.vms.Power(ctx, as, v.UUID, string(vmstatus.Kill)); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Unsuspend lifts a suspension; the VMs stay off until the customer starts them.
func (s *Staff) Unsuspend(ctx context.Context, p Principal, id int64) error {
	if err := p.RequireStaff(StaffAct); err != nil {
		return err
	}
	u, err := s.customerFor(ctx, p, id)
	if err != nil {
		return err
	}
	if !u.Suspended {
		return nil
	}
	if err := s.db.SuspendAccount(ctx, id, "", time.Now()); err != nil {
		return Internal(err)
	}
	s.record(ctx, p, "admin.unsuspend", SeveritySecurity, "user", strconv.FormatInt(id, 10), "")
	return nil
}

// ResetTwoFactor turns a customer's two-factor sign-in off (a lost phone and
// lost codes), with the reason recorded; the customer's own log says so too.
func (s *Staff) ResetTwoFactor(ctx context.Context, p Principal, id int64, reason string) error {
	if err := p.RequireStaff(StaffAct); err != nil {
		return err
	}
	reason, err := reasonOf(reason)
	if err != nil {
		return err
	}
	u, err := s.customerFor(ctx, p, id)
	if err != nil {
		return err
	}
	if !u.TOTPEnabled && u.TOTPSecret == "" {
		return Conflict("admin.two_factor_off")
	}
	if err := s.db.DisableTOTP(ctx, id); err != nil {
		return Internal(err)
	}
	s.record(ctx, p, "admin.totp_reset", SeveritySecurity, "user", strconv.FormatInt(id, 10), reason)
	s.audit.Record(ctx, Principal{UserID: id, IP: p.IP, operator: true}, "admin.totp_reset", SeveritySecurity, "user", strconv.FormatInt(id, 10), "")
	return nil
}

// ResendVerification sends the customer the link that confirms their address again.
func (s *Staff) ResendVerification(ctx context.Context, p Principal, id int64) error {
	if err := p.RequireStaff(StaffAct); err != nil {
		return err
	}
	u, err := s.customerFor(ctx, p, id)
	if err != nil {
		return err
	}
	if u.EmailVerified {
		return Conflict("admin.already_verified")
	}
	if s.accounts == nil {
		return Unavailable("mail.unavailable", nil)
	}
	if err := s.accounts.sendVerification(ctx, u); err != nil {
		return err
	}
	s.record(ctx, p, "admin.verification_sent", SeverityInfo, "user", strconv.FormatInt(id, 10), u.Email)
	return nil
}
