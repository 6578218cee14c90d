package services

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"abrak/store"
)

// UpdateProfile changes the account's name and language.
func (a *Accounts) UpdateProfile(ctx context.Context, p Principal, name, locale string) error {
	if err := p.Require(ScopeAccount); err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	fields := map[string]string{}
	if k := nameProblem(name, 100, "form.too_long"); k != "" {
		fields["name"] = k
	}
	if locale != "fa" && locale != "en" {
		fields["locale"] = "account.locale_invalid"
	}
	if len(fields) > 0 {
		return Invalid(fields)
	}
	if err := a.db.SetName(ctx, p.Person(), name); err != nil {
		return Internal(err)
	}
	if err := a.db.SetLocale(ctx, p.Person(), locale); err != nil {
		return Internal(err)
	}
	a.audit.Record(ctx, p, "account.profile_changed", SeverityInfo, "user", "", "")
	return nil
}

// CloseAccount closes the principal's account once the password and the
// retyped address confirm it. An account with VMs or money is refused, with
// what remains: deleting VMs and spending (or asking for) the balance come first.
func (a *Accounts) CloseAccount(ctx context.Context, p Principal, password, email string) error {
	if err := p.Require(ScopeAccount); err != nil {
		return err
	}
	u, err := a.db.UserByID(ctx, p.Person())
	if err != nil {
		return Internal(err)
	}
	ok, err := a.checkOwnPassword(p, u, password)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	if !ok {
		fields["password"] = "account.current_password_wrong"
	}
	if normalizeEmail(email) != u.Email {
		fields["confirm_email"] = "account.close_email_mismatch"
	}
	if len(fields) > 0 {
		return Invalid(fields)
	}
	var inUse *store.ErrAccountInUse
	switch err := a.db.CloseUser(ctx, u.ID, time.Now()); {
	case errors.As(err, &inUse) && inUse.LiveVMs > 0:
		return InvalidWith("account.close_has_vms", nil, "n", strconv.Itoa(inUse.LiveVMs))
	case errors.As(err, &inUse):
		return InvalidWith("account.close_has_balance", nil)
	case errors.Is(err, store.ErrLastOwner):
		return InvalidWith("account.close_owns_team", nil)
	case err != nil:
		return Internal(err)
	}
	a.endConsoles(ConsolesOf{PersonID: u.ID}, CloseSignedOut)
	a.audit.Record(ctx, p, "account.closed", SeveritySecurity, "user", "", "")
	return nil
}

// checkOwnPassword checks a signed-in customer's password before a change that
// needs it, within the same limits as signing in (the attempt is reserved first).
func (a *Accounts) checkOwnPassword(p Principal, u store.User, password string) (bool, error) {
	done, err := a.attempt(p.IP, u.Email)
	if err != nil {
		return false, err
	}
	ok, _ := CheckPassword(u.PasswordHash, password)
	done(!ok)
	return ok, nil
}
