package services

import (
	"context"
	"errors"
	"strings"
	"time"

	"abrak/store"
)

// Accounts owns sign-up, sign-in, passwords and two-factor sign-in.
type Accounts struct {
	// Brands names the provider to authenticator apps (the TOTP issuer).
	Brands  *Brands
	db      *store.DB
	audit   *Audit
	perIP   *AttemptLimiter
	perPair *AttemptLimiter
	perAcct *AttemptLimiter
	issuer  string
	mail    *Mailer // nil or without a server: no letters
	// Letters asked for by forms, each an hour: sign-ups per client address
	// (10) and per address signed up (5); "send the link again" per client
	// address (10) and per account (5); password resets per client address
	// and per account (5 each).
	signUps, resends, resets letterLimits
	touches                  sessionTouches
	// consoles closes the consoles of sessions that end; nil: none to close.
	consoles ConsoleCloser
	// dummyHash is checked for unknown emails so that a wrong email costs the
	// same time as a wrong password: timing tells nothing about who has an account.
	dummyHash string
}

// AccountsConfig sets the limits on password and code checks (sign-in, second
// factor, password change, turning two-factor off). Each attempt is reserved
// before its check, in all three.
type AccountsConfig struct {
	// PerIP bounds failures from one address, whatever the account (30 per 15 min).
	PerIP *AttemptLimiter
	// PerAccount bounds failures of one account from one address (5 per 15 min):
	// an attacker's failures lock the attacker's address out, not the owner's.
	PerAccount *AttemptLimiter
	// AccountCeiling bounds failures of one account from every address together
	// (100 per 15 min), against guessing spread over many addresses.
	AccountCeiling *AttemptLimiter
	Issuer         string // shown in authenticator apps
}

// NewAccounts builds the service. mail sends its letters (verification,
// password reset; nil: none), consoles closes the consoles opened through
// what it ends (nil: none to close).
func NewAccounts(db *store.DB, audit *Audit, mail *Mailer, consoles ConsoleCloser, cfg AccountsConfig) (*Accounts, error) {
	h, err := HashPassword("not-a-real-password-but-the-same-cost")
	if err != nil {
		return nil, err
	}
	if cfg.PerIP == nil {
		cfg.PerIP = NewAttemptLimiter(30, 15*time.Minute, nil)
	}
	if cfg.PerAccount == nil {
		cfg.PerAccount = NewAttemptLimiter(5, 15*time.Minute, nil)
	}
	if cfg.AccountCeiling == nil {
		cfg.AccountCeiling = NewAttemptLimiter(100, 15*time.Minute, nil)
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "Abrak"
	}
	return &Accounts{db: db, audit: audit, mail: mail, consoles: consoles, perIP: cfg.PerIP, perPair: cfg.PerAccount, perAcct: cfg.AccountCeiling,
		issuer: cfg.Issuer, dummyHash: h,
		signUps: newLetterLimits(10, 5), resends: newLetterLimits(10, 5), resets: newLetterLimits(5, 5),
		touches: sessionTouches{last: map[string]time.Time{}}}, nil
}

// SignUpInput is what the sign-up form and `admin create-user` send.
type SignUpInput struct {
	Email, Name, Password, Confirm string
	Locale                         string
	IsAdmin                        bool
	IP                             string
	// Operator is the operator's CLI (`admin create-user`): it has no
	// confirmation field, vouches for the address (verified, and any domain,
	// such as the demo's abrak.local) and is not limited.
	Operator bool
}

// SignUp creates an account. A customer's sign-up is limited per client
// address and per address signed up, before the password is hashed.
func (a *Accounts) SignUp(ctx context.Context, in SignUpInput) (Account, error) {
	in.Email = normalizeEmail(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	fields := map[string]string{}
	switch {
	case in.Email == "":
		fields["email"] = "form.required"
	case in.Operator && !validEmail(in.Email):
		fields["email"] = "form.invalid_email"
	case !in.Operator:
		if k := signUpEmailProblem(in.Email); k != "" {
			fields["email"] = k
		}
	}
	if k := nameProblem(in.Name, 100, "form.too_long"); k != "" {
		fields["name"] = k
	}
	if k := passwordProblem(in.Password, in.Email); k != "" {
		fields["password"] = k
	} else if !in.Operator && in.Confirm != in.Password {
		fields["confirm"] = "form.passwords_mismatch"
	}
	if len(fields) > 0 {
		return Account{}, Invalid(fields)
	}
	if !in.Operator {
		// Each sign-up costs an argon2 hash and mails a stranger's address.
		if err := a.signUps.spend(in.IP, in.Email); err != nil {
			return Account{}, err
		}
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return Account{}, Internal(err)
	}
	// An address is verified by the link mailed to it; the operator's CLI vouches
	// for the accounts it makes, and without mail there is no link to send.
	verified := in.Operator || !a.MailEnabled()
	u, err := a.db.CreateUser(ctx, store.User{Email: in.Email, Name: in.Name, PasswordHash: hash, Locale: in.Locale, IsAdmin: in.IsAdmin, EmailVerified: verified})
	if errors.Is(err, store.ErrConflict) {
		return Account{}, InvalidWith("error.validation", map[string]string{"email": "form.email_taken"})
	}
	if err != nil {
		return Account{}, Internal(err)
	}
	a.audit.Record(ctx, Principal{UserID: u.ID, IP: in.IP}, "auth.signup", SeverityInfo, "user", "", "")
	if !verified {
		if err := a.sendVerification(ctx, u); err != nil {
			// The account stands; the customer can ask for another link.
			a.audit.Record(ctx, Principal{UserID: u.ID}, "account.verification_not_sent", SeverityWarning, "user", "", "")
		}
	}
	return accountOf(u), nil
}

// SignInResult says who signed in and whether a second factor is still owed.
type SignInResult struct {
	User      store.User
	NeedsTOTP bool
}

func ipKey(ip string) string      { return "ip:" + ip }
func accountKey(e string) string  { return "acct:" + e }
func pairKey(e, ip string) string { return "acct:" + e + "|ip:" + ip }

// attempt reserves one check of email's secret from ip in every limit, before
// the check: 429 with the longest wait when any is spent. Settle it with done:
// a failure stays counted, a success is given back (and clears the pair).
func (a *Accounts) attempt(ip, email string) (done func(failed bool), err error) {
	var settles []func(bool)
	wait := time.Duration(0)
	for _, t := range []struct {
		l   *AttemptLimiter
		key string
	}{{a.perIP, ipKey(ip)}, {a.perPair, pairKey(email, ip)}, {a.perAcct, accountKey(email)}} {
		settle, w := t.l.Take(t.key)
		if settle == nil {
			wait = max(wait, w)
			continue
		}
		settles = append(settles, settle)
	}
	if wait > 0 {
		for _, s := range settles {
			s(false)
		}
		e := RateLimited(wait)
		e.Key = "auth.too_many_attempts"
		return nil, e
	}
	return func(failed bool) {
		for _, s := range settles {
			s(failed)
		}
		if !failed {
			a.perPair.Reset(pairKey(email, ip))
		}
	}, nil
}

// SignIn checks an email and password. The same message answers an unknown
// email and a wrong password, after the same amount of work.
func (a *Accounts) SignIn(ctx context.Context, email, password, ip string) (SignInResult, error) {
	email = normalizeEmail(email)
	if len(email) > 254 || len(password) > 4*MaxPasswordLen {
		// Nothing this long is an account; refused before it can become a limiter key.
		return SignInResult{}, InvalidWith("auth.invalid_credentials", nil)
	}
	if email == "" || password == "" {
		fields := map[string]string{}
		if email == "" {
			fields["email"] = "form.required"
		}
		if password == "" {
			fields["password"] = "form.required"
		}
		return SignInResult{}, Invalid(fields)
	}
	done, err := a.attempt(ip, email)
	if err != nil {
		return SignInResult{}, err
	}
	u, err := a.db.UserByEmail(ctx, email)
	hash := u.PasswordHash
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			done(false)
			return SignInResult{}, Internal(err)
		}
		hash = a.dummyHash
	}
	ok, cerr := CheckPassword(hash, password)
	if err != nil || cerr != nil || !ok {
		done(true)
		if u.ID != 0 {
			a.audit.Record(ctx, Principal{UserID: u.ID, IP: ip}, "auth.signin_failed", SeverityWarning, "user", "", "")
		}
		return SignInResult{}, InvalidWith("auth.invalid_credentials", nil)
	}
	done(false)
	if u.TOTPEnabled {
		return SignInResult{User: u, NeedsTOTP: true}, nil
	}
	a.audit.Record(ctx, Principal{UserID: u.ID, IP: ip}, "auth.signin", SeverityInfo, "user", "", "")
	return SignInResult{User: u}, nil
}

// ChangePassword replaces the password after checking the current one.
func (a *Accounts) ChangePassword(ctx context.Context, p Principal, current, next, confirm string) error {
	u, err := a.db.UserByID(ctx, p.Person())
	if err != nil {
		return Internal(err)
	}
	ok, err := a.checkOwnPassword(p, u, current)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	if !ok {
		fields["current"] = "account.current_password_wrong"
	}
	if k := passwordProblem(next, u.Email); k != "" {
		fields["password"] = k
	} else if confirm != next {
		fields["confirm"] = "form.passwords_mismatch"
	}
	if len(fields) > 0 {
		return Invalid(fields)
	}
	hash, err := HashPassword(next)
	if err != nil {
		return Internal(err)
	}
	if err := a.db.SetPasswordHash(ctx, u.ID, hash); err != nil {
		return Internal(err)
	}
	// Every other session has ended; this browser goes on (ContinueSession),
	// and so does its console: whoever sits at it has just proved the password.
	a.endConsoles(ConsolesOf{PersonID: u.ID, Browsers: true, Except: p.SessionID}, ClosePasswordChanged)
	a.audit.Record(ctx, p, "account.password_changed", SeveritySecurity, "user", "", "")
	return nil
}

// Account is a customer's own account as the doors show it: never its
// password hash or two-factor secret.
type Account struct {
	ID          int64
	Email, Name string
	Locale      string
	IsAdmin     bool
	// StaffRole is the person's role on the operator's side ("" a customer).
	StaffRole string
	// Suspended: the operator suspended the account the session works in,
	// for SuspendReason.
	Suspended     bool
	SuspendReason string
	BalanceRials  int64
	TOTPEnabled   bool
	CreatedAt     time.Time
	// BurnRials is what the wallet pays each hour for the VMs the account has now.
	BurnRials     int64
	EmailVerified bool
	// Team is the team a browser session works in (its own account unless
	// the person switched); empty outside a session.
	Team TeamRef
}

func accountOf(u store.User) Account {
	return Account{ID: u.ID, Email: u.Email, Name: u.Name, Locale: u.Locale, IsAdmin: u.IsAdmin, StaffRole: u.StaffRole, Suspended: u.Suspended, SuspendReason: u.SuspendReason,
		BalanceRials: u.BalanceRials, TOTPEnabled: u.TOTPEnabled, CreatedAt: u.CreatedAt, BurnRials: u.BurnRials, EmailVerified: u.EmailVerified}
}

// HoursLeft is how many whole hours the balance pays at the current burn rate;
// burning is false when nothing is charged (no VM, or all held for funds).
func (a Account) HoursLeft() (hours int64, burning bool) {
	return hoursLeft(a.BalanceRials, a.BurnRials)
}

func hoursLeft(balance, burn int64) (int64, bool) {
	if burn <= 0 {
		return 0, false
	}
	if balance <= 0 {
		return 0, true
	}
	return balance / burn, true
}

// SessionPrincipal is whom a browser session acts for: the account it signed in
// or, when team is one the person belongs to, that team with the person's role
// (at signedInAt, unix nanoseconds), as long as that account exists and the
// sign-in came after its last password change, which ends every other session.
// ok is false otherwise, and the caller forgets the session.
//
// sid is the browser's record (StartSession); one ended from another browser
// no longer counts. A session from before these records has none ("") and
// counts until the caller records it.
func (a *Accounts) SessionPrincipal(ctx context.Context, userID, team, signedInAt int64, sid, session, ip string) (Principal, Account, bool, error) {
	u, changes, seen, live, err := a.db.SessionUser(ctx, userID, sid)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, Account{}, false, nil
	}
	if err != nil {
		return Principal{}, Account{}, false, Internal(err)
	}
	if signedInAt < u.SessionsValidAfter {
		return Principal{}, Account{}, false, nil
	}
	if sid != "" {
		if !live {
			return Principal{}, Account{}, false, nil
		}
		a.touchSession(ctx, sid, ip, seen)
	}
	p := Principal{UserID: u.ID, Email: u.Email, IsAdmin: u.IsAdmin, IP: ip, Session: session, SessionID: sid, seen: versionOf(changes), seenOK: true,
		StaffRole: u.StaffRole, TwoFactor: u.TOTPEnabled, Suspended: u.Suspended}
	acct := accountOf(u)
	acct.Team = TeamRef{ID: u.ID, Name: u.Name, Personal: true, Role: store.RoleOwner}
	if team == 0 || team == u.ID {
		return p, acct, true, nil
	}
	// Working in a team: the team's account, the person's name and rights.
	// A team the person no longer belongs to leaves them in their own
	// account (Team.ID says which; the caller forgets the choice).
	t, role, tc, err := a.db.TeamAccount(ctx, team, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return p, acct, true, nil
	}
	if err != nil {
		return Principal{}, Account{}, false, Internal(err)
	}
	p.UserID, p.PersonID, p.Role, p.seen, p.Suspended = t.ID, u.ID, role, versionOf(tc), t.Suspended
	acct.Suspended, acct.SuspendReason = t.Suspended, t.SuspendReason
	acct.BalanceRials, acct.BurnRials = t.BalanceRials, t.BurnRials
	acct.Team = TeamRef{ID: t.ID, Name: t.Name, Role: role}
	return p, acct, true, nil
}

// TeamRef is the team a session works in, as the header shows it.
type TeamRef struct {
	ID       int64
	Name     string
	Personal bool
	Role     string
}

// User loads the principal's own account.
func (a *Accounts) User(ctx context.Context, id int64) (Account, error) {
	u, err := a.user(ctx, id)
	return accountOf(u), err
}

func (a *Accounts) user(ctx context.Context, id int64) (store.User, error) {
	u, err := a.db.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return u, NotFound()
	}
	if err != nil {
		return u, Internal(err)
	}
	return u, nil
}

// Profile is the principal's own account as the API shows it; a token needs account:read.
func (a *Accounts) Profile(ctx context.Context, p Principal) (Account, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return Account{}, err
	}
	return a.User(ctx, p.UserID)
}

// SetLocale remembers a signed-in user's language.
func (a *Accounts) SetLocale(ctx context.Context, userID int64, locale string) error {
	return a.db.SetLocale(ctx, userID, locale)
}
