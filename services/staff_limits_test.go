package services

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"

	"abrak/store"
)

type limitsEnv struct {
	t        *testing.T
	ctx      context.Context
	db       *store.DB
	staff    *Staff
	customer int64
	keys     int
}

func newLimitsEnv(t *testing.T) *limitsEnv {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "abrak.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &limitsEnv{t: t, ctx: ctx, db: db, staff: NewStaff(db, NewAudit(db, slog.New(slog.DiscardHandler)), nil, 0)}
	e.customer = e.user("customer@example.com").UserID
	if _, err := db.Credit(ctx, e.customer, 100_000_000, "topup", "test"); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *limitsEnv) user(email string) Principal {
	e.t.Helper()
	u, err := e.db.CreateUser(e.ctx, store.User{Email: email, Name: email, PasswordHash: "x"})
	if err != nil {
		e.t.Fatal(err)
	}
	return Principal{UserID: u.ID, Email: email, TwoFactor: true}
}

func (e *limitsEnv) support(email string) Principal {
	p := e.user(email)
	p.StaffRole = store.StaffSupport
	return p
}

// credit moves toman (negative: a debit) as p, each with a fresh form key.
func (e *limitsEnv) credit(p Principal, toman int64) error {
	e.keys++
	_, err := e.staff.Credit(e.ctx, p, e.customer, CreditInput{Rials: toman * 10, Reason: "goodwill", Key: "k" + strconv.Itoa(e.keys)})
	return err
}

func (e *limitsEnv) balance() int64 {
	e.t.Helper()
	c, err := e.db.Customer(e.ctx, e.customer)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.BalanceRials
}

// wantRefused checks a support limit's refusal: 422 naming the amount field
// and the limit, and no money moved.
func (e *limitsEnv) wantRefused(err error, before int64, key, limit string) {
	e.t.Helper()
	se := AsError(err)
	if err == nil || se.Status != http.StatusUnprocessableEntity || se.Code != "support_limit" || se.Key != key || se.Fields["amount"] == "" {
		e.t.Fatalf("got %v, want 422 support_limit %s naming amount", err, key)
	}
	if limit != "" && (len(se.Args) != 2 || se.Args[1] != limit) {
		e.t.Errorf("the refusal names %v, want the limit %s", se.Args, limit)
	}
	if after := e.balance(); after != before {
		e.t.Errorf("the balance moved from %d to %d on a refused credit", before, after)
	}
}

func (e *limitsEnv) ledgerRows() int {
	e.t.Helper()
	rows, err := e.db.Ledger(e.ctx, e.customer, 100, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(rows)
}

func TestSupportCreditsWithinTheDefaultLimits(t *testing.T) {
	e := newLimitsEnv(t)
	sara := e.support("sara@example.com")
	before := e.balance()
	if err := e.credit(sara, 500_000); err != nil {
		t.Fatalf("support's credit at the per-act limit: %v", err)
	}
	if err := e.credit(sara, -200_000); err != nil {
		t.Fatalf("support's debit within the limits: %v", err)
	}
	if got := e.balance() - before; got != 3_000_000 {
		t.Errorf("the wallet moved %d rials, want 3,000,000", got)
	}
}

func TestSupportCreditOverThePerActLimitMovesNothing(t *testing.T) {
	e := newLimitsEnv(t)
	sara := e.support("sara@example.com")
	rows, before := e.ledgerRows(), e.balance()
	e.wantRefused(e.credit(sara, 500_001), before, "admin.limits.over_act", "500000")
	e.wantRefused(e.credit(sara, -600_000), before, "admin.limits.over_act", "500000")
	if e.ledgerRows() != rows {
		t.Error("a refused credit left a ledger row")
	}
	events, _, err := e.db.AuditEvents(e.ctx, store.AuditFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if ev.Action == "admin.credit" || ev.Action == "admin.debit" {
			t.Errorf("a refused credit was audited as %s", ev.Action)
		}
	}
}

func TestSupportsDailyTotalCountsEveryActOfThatPerson(t *testing.T) {
	e := newLimitsEnv(t)
	admin := e.user("admin@example.com")
	admin.StaffRole = store.StaffAdmin
	if _, err := e.staff.SetSupportLimits(e.ctx, admin, SupportLimits{PerActToman: 400_000, PerDayToman: 1_000_000}); err != nil {
		t.Fatal(err)
	}
	sara, reza := e.support("sara@example.com"), e.support("reza@example.com")
	for _, toman := range []int64{400_000, -300_000, 300_000} {
		if err := e.credit(sara, toman); err != nil {
			t.Fatalf("credit %d within the day: %v", toman, err)
		}
	}
	if a, err := e.staff.CreditAllowance(e.ctx, sara); err != nil || a != (CreditAllowance{Limited: true, PerActToman: 400_000, LeftTodayToman: 0}) {
		t.Errorf("sara's allowance after a full day: %+v (%v)", a, err)
	}
	if a, err := e.staff.CreditAllowance(e.ctx, admin); err != nil || a.Limited {
		t.Errorf("an admin's allowance: %+v (%v), want not limited", a, err)
	}
	// A debit counts as much as a credit: 1,000,000 moved, the day is full.
	before := e.balance()
	e.wantRefused(e.credit(sara, 1), before, "admin.limits.over_day", "1000000")
	// Another support person has a day of their own.
	if err := e.credit(reza, 400_000); err != nil {
		t.Fatalf("another support person's first credit of the day: %v", err)
	}
}

func TestAnAdminIsNotLimited(t *testing.T) {
	e := newLimitsEnv(t)
	admin := e.user("admin@example.com")
	admin.StaffRole = store.StaffAdmin
	if _, err := e.staff.SetSupportLimits(e.ctx, admin, SupportLimits{PerActToman: 0, PerDayToman: 0}); err != nil {
		t.Fatal(err)
	}
	if err := e.credit(admin, 5_000_000); err != nil {
		t.Errorf("an admin's credit over support's limits: %v", err)
	}
	if err := e.credit(OperatorOnMachine(), 5_000_000); err != nil {
		t.Errorf("the operator's credit on the machine: %v", err)
	}
}

func TestZeroForbidsSupportToMoveMoney(t *testing.T) {
	e := newLimitsEnv(t)
	admin := e.user("admin@example.com")
	admin.StaffRole = store.StaffAdmin
	sara := e.support("sara@example.com")
	if _, err := e.staff.SetSupportLimits(e.ctx, sara, SupportLimits{PerActToman: 9e9, PerDayToman: 9e9}); AsError(err).Status != http.StatusForbidden {
		t.Fatalf("support set its own limits: %v", err)
	}
	if _, err := e.staff.SetSupportLimits(e.ctx, admin, SupportLimits{PerActToman: 0, PerDayToman: 2_000_000}); err != nil {
		t.Fatal(err)
	}
	e.wantRefused(e.credit(sara, 1), e.balance(), "admin.limits.no_money", "")
	if _, err := e.staff.SetSupportLimits(e.ctx, admin, SupportLimits{PerActToman: -1, PerDayToman: 1}); AsError(err).Fields["per_act_toman"] == "" {
		t.Errorf("a negative limit: %v, want per_act named", err)
	}
	got, err := e.staff.SupportLimits(e.ctx, sara)
	if err != nil || got != (SupportLimits{PerActToman: 0, PerDayToman: 2_000_000}) {
		t.Errorf("support reads the limits as %+v (%v)", got, err)
	}
}
