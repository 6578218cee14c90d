package services

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"abrak/store"
)

// SupportLimits are what a support person may move in customers' wallets,
// in toman: in one credit or debit, and in all of them in one day (Tehran's
// calendar day). 0 forbids support to move money. Admins are not limited.
type SupportLimits struct {
	PerActToman int64
	PerDayToman int64
}

// DefaultSupportLimits apply until an admin sets them (docs/decisions.md).
var DefaultSupportLimits = SupportLimits{PerActToman: 500_000, PerDayToman: 2_000_000}

// maxLimitToman bounds what the form takes: a typo of many zeros is refused.
const maxLimitToman = 1_000_000_000_000

// SupportLimits reads support's limits; every staff member may.
func (s *Staff) SupportLimits(ctx context.Context, p Principal) (SupportLimits, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return SupportLimits{}, err
	}
	return s.supportLimits(ctx)
}

func (s *Staff) supportLimits(ctx context.Context) (SupportLimits, error) {
	act, day, ok, err := s.db.SupportLimits(ctx)
	if err != nil {
		return SupportLimits{}, Internal(err)
	}
	if !ok {
		return DefaultSupportLimits, nil
	}
	return SupportLimits{PerActToman: act, PerDayToman: day}, nil
}

// SetSupportLimits changes support's limits; only an admin may, audited.
func (s *Staff) SetSupportLimits(ctx context.Context, p Principal, in SupportLimits) (SupportLimits, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return SupportLimits{}, err
	}
	fields := map[string]string{}
	if in.PerActToman < 0 || in.PerActToman > maxLimitToman {
		fields["per_act_toman"] = "admin.limits.invalid"
	}
	if in.PerDayToman < 0 || in.PerDayToman > maxLimitToman {
		fields["per_day_toman"] = "admin.limits.invalid"
	}
	if len(fields) > 0 {
		return SupportLimits{}, Invalid(fields)
	}
	if err := s.db.SetSupportLimits(ctx, in.PerActToman, in.PerDayToman, p.Person(), time.Now()); err != nil {
		return SupportLimits{}, Internal(err)
	}
	s.record(ctx, p, "admin.support_limits", SeverityWarning, "settings", "support_limits",
		strconv.FormatInt(in.PerActToman, 10)+" "+strconv.FormatInt(in.PerDayToman, 10))
	return in, nil
}

// CreditAllowance is what a staff member may still move in customers'
// wallets: Limited is false for an admin.
type CreditAllowance struct {
	Limited        bool
	PerActToman    int64
	LeftTodayToman int64
}

// CreditAllowance tells support, beside the credit form, what its limits
// leave it today.
func (s *Staff) CreditAllowance(ctx context.Context, p Principal) (CreditAllowance, error) {
	if err := p.RequireStaff(StaffAct); err != nil {
		return CreditAllowance{}, err
	}
	if p.machine || p.StaffRole != store.StaffSupport {
		return CreditAllowance{}, nil
	}
	l, err := s.supportLimits(ctx)
	if err != nil {
		return CreditAllowance{}, err
	}
	moved, err := s.db.StaffMovedSince(ctx, p.Person(), tehranDayStart(time.Now()))
	if err != nil {
		return CreditAllowance{}, Internal(err)
	}
	return CreditAllowance{Limited: true, PerActToman: l.PerActToman, LeftTodayToman: max(0, l.PerDayToman-moved/10)}, nil
}

func tehranDayStart(t time.Time) time.Time {
	y, m, d := t.In(tehran).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, tehran)
}

// creditCap checks a support person's credit or debit of rials against the
// limits: over the per-act limit it refuses at once; the day's total is
// checked where the money moves (the cap returned; nil for an admin).
func (s *Staff) creditCap(ctx context.Context, p Principal, rials int64) (*store.DailyCap, error) {
	if p.machine || p.StaffRole != store.StaffSupport {
		return nil, nil
	}
	l, err := s.supportLimits(ctx)
	if err != nil {
		return nil, err
	}
	if l.PerActToman == 0 || l.PerDayToman == 0 {
		return nil, supportLimitError("admin.limits.no_money", "")
	}
	if abs(rials) > l.PerActToman*10 {
		return nil, supportLimitError("admin.limits.over_act", strconv.FormatInt(l.PerActToman, 10))
	}
	return &store.DailyCap{Since: tehranDayStart(time.Now()), Rials: l.PerDayToman * 10}, nil
}

// supportLimitError names the amount field and the limit (toman) passed.
func supportLimitError(key, limit string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "support_limit", Key: key, Args: []string{"limit", limit},
		Fields: map[string]string{"amount": "admin.limits.amount_over"}}
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
