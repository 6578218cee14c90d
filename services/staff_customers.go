package services

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"abrak/store"
)

// Customer is an account as the operator's pages show it: never its
// password, two-factor secret or a token's secret.
type Customer struct {
	ID            int64
	Email, Name   string
	Team          bool
	BalanceRials  int64
	BurnRials     int64
	VMs           int
	StaffRole     string
	TwoFactor     bool
	EmailVerified bool
	CreatedAt     time.Time
	ClosedAt      time.Time
	Suspended     bool
	SuspendReason string
}

func customerOf(c store.CustomerRow) Customer {
	return Customer{ID: c.ID, Email: c.Email, Name: c.Name, Team: c.Kind == "team", BalanceRials: c.BalanceRials, BurnRials: c.BurnRials,
		VMs: c.VMs, StaffRole: c.StaffRole, TwoFactor: c.TwoFactor, EmailVerified: c.EmailVerified, CreatedAt: c.CreatedAt, ClosedAt: c.ClosedAt,
		Suspended: c.Suspended, SuspendReason: c.SuspendReason}
}

// CustomerFilter is the operator's search of customers (store.CustomerFilter).
type CustomerFilter struct {
	Q             string
	Sort          string
	Desc          bool
	Limit, Offset int
}

// CustomerSortable reports a column the customer list sorts by.
func CustomerSortable(col string) bool { _, ok := store.CustomerSorts[col]; return ok }

// Customers lists one page of accounts: by address, name, a VM's uuid or
// address.
func (s *Staff) Customers(ctx context.Context, p Principal, f CustomerFilter) ([]Customer, int, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return nil, 0, err
	}
	rows, total, err := s.db.Customers(ctx, store.CustomerFilter{Q: f.Q, Sort: f.Sort, Desc: f.Desc, Limit: f.Limit, Offset: f.Offset})
	if err != nil {
		return nil, 0, Internal(err)
	}
	return convert(rows, customerOf), total, nil
}

// CustomerVM is one of a customer's VMs as the operator sees it.
type CustomerVM struct {
	UUID, Name, Status, Plan, Region, IP, Node string
	CreatedAt                                  time.Time
}

// CustomerFile is a customer's page: the account, its VMs, the last of its
// ledger and activity, how many sessions are open, its tokens (metadata).
type CustomerFile struct {
	Customer
	VMs      []CustomerVM
	Ledger   []LedgerEntry
	Activity []Event
	Sessions int
	Tokens   []Token
}

// CustomerFileRows is how many ledger rows and events a customer's page shows.
const CustomerFileRows = 20

// sessionIdle matches the sessions' own idle limit (web.NewSessionManager).
const sessionIdle = 7 * 24 * time.Hour

// CustomerFile reads a customer's page.
func (s *Staff) CustomerFile(ctx context.Context, p Principal, id int64) (CustomerFile, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return CustomerFile{}, err
	}
	c, err := s.db.Customer(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return CustomerFile{}, NotFound()
	}
	if err != nil {
		return CustomerFile{}, Internal(err)
	}
	f := CustomerFile{Customer: customerOf(c)}
	vms, err := s.db.CustomerVMs(ctx, id)
	if err != nil {
		return f, Internal(err)
	}
	for _, v := range vms {
		f.VMs = append(f.VMs, CustomerVM(v))
	}
	ledger, err := s.db.Ledger(ctx, id, CustomerFileRows, 0)
	if err != nil {
		return f, Internal(err)
	}
	f.Ledger = convert(ledger, ledgerOf)
	events, _, err := s.db.AuditEvents(ctx, store.AuditFilter{UserID: id, Limit: CustomerFileRows})
	if err != nil {
		return f, Internal(err)
	}
	f.Activity = eventsOf(events)
	now := time.Now()
	if f.Sessions, err = s.db.CountLiveSessions(ctx, id, sessionIdle, now); err != nil {
		return f, Internal(err)
	}
	toks, err := s.db.APITokens(ctx, id)
	if err != nil {
		return f, Internal(err)
	}
	for _, k := range toks {
		f.Tokens = append(f.Tokens, Token{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, ExpiresAt: k.ExpiresAt, LastUsedAt: k.LastUsedAt,
			LastUsedIP: k.LastUsedIP, RevokedAt: k.RevokedAt, CreatedAt: k.CreatedAt, Expired: !k.ExpiresAt.IsZero() && now.After(k.ExpiresAt)})
	}
	return f, nil
}

// CreditInput is a credit (Rials > 0) or a debit (Rials < 0) of a customer's
// wallet by the operator's staff: Reason is required and shown to the
// customer in their ledger; Key is the form's own, so a double submit moves
// money once.
type CreditInput struct {
	Rials  int64
	Reason string
	Key    string
}

// Ledger kinds of the operator's own credits and debits.
const (
	LedgerStaffCredit = "admin_credit"
	LedgerStaffDebit  = "admin_debit"
	maxReason         = 300
)

// Credit moves money into or out of a customer's wallet (support may, within
// the limits an admin sets: staff_limits.go): in the
// ledger with its reason, and in the audit with the staff member's identity,
// exactly once for one Key. It answers the balance after.
func (s *Staff) Credit(ctx context.Context, p Principal, customerID int64, in CreditInput) (int64, error) {
	if err := p.RequireStaff(StaffAct); err != nil {
		return 0, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	in.Key = strings.TrimSpace(in.Key)
	fields := map[string]string{}
	if in.Rials == 0 {
		fields["amount"] = "admin.credit.amount_required"
	}
	if in.Reason == "" {
		fields["reason"] = "admin.credit.reason_required"
	} else if utf8.RuneCountInString(in.Reason) > maxReason {
		fields["reason"] = "admin.credit.reason_long"
	}
	if in.Key == "" || len(in.Key) > 255 {
		fields["key"] = "admin.credit.key_required"
	}
	if len(fields) > 0 {
		return 0, Invalid(fields)
	}
	if _, err := s.db.Customer(ctx, customerID); errors.Is(err, store.ErrNotFound) {
		return 0, NotFound()
	} else if err != nil {
		return 0, Internal(err)
	}
	limit, err := s.creditCap(ctx, p, in.Rials)
	if err != nil {
		return 0, err
	}
	kind, action := LedgerStaffCredit, "admin.credit"
	if in.Rials < 0 {
		kind, action = LedgerStaffDebit, "admin.debit"
	}
	after, replay, err := s.db.StaffCredit(ctx, in.Key, customerID, p.Person(), in.Rials, kind, in.Reason, limit)
	if errors.Is(err, store.ErrInsufficientFunds) {
		return 0, Invalid(map[string]string{"amount": "admin.credit.insufficient"})
	}
	if errors.Is(err, store.ErrOverDailyLimit) {
		return 0, supportLimitError("admin.limits.over_day", strconv.FormatInt(limit.Rials/10, 10))
	}
	if err != nil {
		return 0, Internal(err)
	}
	if !replay {
		s.record(ctx, p, action, SeverityWarning, "user", strconv.FormatInt(customerID, 10), strconv.FormatInt(in.Rials, 10)+" "+in.Reason)
	}
	return after, nil
}
