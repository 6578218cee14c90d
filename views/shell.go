// Package views holds the templ layouts, pages and partials. Every page takes
// a Shell (who is looking, in which language) and one plain view-model struct.
package views

import (
	"net/url"
	"sort"

	"abrak/static"
	"abrak/views/i18n"
)

// Shell is what every page needs besides its own data.
type Shell struct {
	Locale    i18n.Locale
	Title     string // a message key
	CSRF      string
	User      *UserBar // nil before sign-in
	Active    string   // the nav item to highlight
	Path      string   // request path and query, for the language switch
	RequestID string
	Flash     string // a message key shown once
	// Resend is the unconfirmed-address banner's "send the link again" when
	// it was refused: its message is shown in the banner, beside the button.
	Resend Form
	// ServersReadOnly: the person's role in the team does not operate
	// servers (billing, viewer): their buttons are not offered.
	ServersReadOnly bool
	// Site is what the operator tells every customer (support, how to pay).
	Site Site
}

// UserBar is the signed-in customer as the header shows them.
type UserBar struct {
	Name         string
	Email        string
	BalanceRials int64
	IsAdmin      bool
	// Staff: the person has a role on the operator's side (the header's
	// link to it).
	Staff bool
	// Suspended: the operator suspended the account, for SuspendReason.
	Suspended     bool
	SuspendReason string
	// BurnRials is what the customer's VMs cost each hour; HoursLeft is how many
	// whole hours the balance pays at that rate, when Burning.
	BurnRials int64
	HoursLeft int64
	Burning   bool
	// Unverified: the address is not confirmed yet and mail can confirm it.
	Unverified bool
	// Team is the team the session works in; Teams every team of the
	// person, for the header's switcher (shown when there is more than one).
	Team  TeamChoice
	Teams []TeamChoice
}

// TeamChoice is one team of the person: its name, their role in it, and
// whether it is their own account.
type TeamChoice struct {
	ID       int64
	Name     string
	Role     string
	Personal bool
}

// LowBalanceHours is when the header warns that money runs out: the first of
// the warning ladder (72, 24 and 1 hours left).
const LowBalanceHours = 72

// Runway says how long the balance lasts, in the page's words ("" when nothing is charged).
func (s Shell) Runway() string {
	if s.User == nil || !s.User.Burning {
		return ""
	}
	h := s.User.HoursLeft
	switch {
	case h < 1:
		return s.T("wallet.runway_none_left")
	case h == 1:
		return s.T("wallet.runway_hour")
	case h < 48:
		return s.T("wallet.runway_hours", "n", i18n.Number(s.Locale, h))
	}
	return s.T("wallet.runway_days", "n", i18n.Number(s.Locale, h/24))
}

// RunningOut reports a balance that lasts less than LowBalanceHours.
func (s Shell) RunningOut() bool {
	return s.User != nil && s.User.Burning && s.User.HoursLeft < LowBalanceHours
}

// T translates key in the page's locale; a {brand} placeholder is the
// provider's name.
func (s Shell) T(key string, args ...string) string {
	if len(args) == 0 {
		return i18n.T(s.Locale, key, "brand", s.BrandName())
	}
	return i18n.T(s.Locale, key, append(args[:len(args):len(args)], "brand", s.BrandName())...)
}

// BrandName is the provider's name in the page's language: the software's
// own when the provider has set none.
func (s Shell) BrandName() string {
	if n := s.Site.Brand.Name(s.Locale); n != "" {
		return n
	}
	return i18n.T(s.Locale, "app.name")
}

// Num formats an integer with the locale's digits and grouping.
func (s Shell) Num(n int64) string { return i18n.Number(s.Locale, n) }

// Money formats integer rials as the locale shows money.
func (s Shell) Money(rials int64) string { return i18n.Money(s.Locale, rials) }

// Other is the locale the language switch offers.
func (s Shell) Other() i18n.Locale {
	if s.Locale == i18n.FA {
		return i18n.EN
	}
	return i18n.FA
}

// Here is the current page without a ?lang of its own: where the language
// switch comes back to.
func (s Shell) Here() string {
	u, err := url.Parse(s.Path)
	if err != nil || s.Path == "" {
		return "/"
	}
	q := u.Query()
	q.Del("lang")
	u.RawQuery = q.Encode()
	return u.String()
}

// Asset is a static file's cache-busted URL.
func Asset(name string) string { return static.Path(name) }

// Form carries a form's submitted values and the message keys of its errors,
// so a refused form comes back with what the customer typed and each message
// beside its field.
type Form struct {
	Values  map[string]string
	Errors  map[string]string
	Message string // a key for a message above the form
	Args    []string
}

// V is a submitted value (never a password: handlers do not copy those back).
func (f Form) V(name string) string { return f.Values[name] }

// ErrorNames lists the fields in error, in a stable order.
func (f Form) ErrorNames() []string {
	names := make([]string, 0, len(f.Errors))
	for n := range f.Errors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Refused reports a form sent back with field errors or a message.
func (f Form) Refused() bool { return len(f.Errors) > 0 || f.Message != "" }

// E is the error key of a field, or "".
func (f Form) E(name string) string { return f.Errors[name] }
