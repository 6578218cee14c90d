package views

import (
	"net/url"
	"strings"

	"abrak/views/i18n"
)

// Site is what the operator tells customers, the same on every page: where
// support is and, when online payment is off, how to pay.
type Site struct {
	Support Support
	Payment Payment
	// OnlinePayment: a payment gateway takes top-ups.
	OnlinePayment bool
	// Brand is the provider's face, set per request (the settings page may
	// change it at any time).
	Brand Brand
}

// Brand is the provider's name, images and colour as the pages show them.
type Brand struct {
	NameFA, NameEN string
	// Named: a brand of the provider's own, not the software's name; only
	// then is the "powered by" line shown, and only when PoweredBy.
	Named, PoweredBy bool
	// The images' and the accent's content tags: "" when there is none,
	// else part of their URLs, so a change is fetched at once.
	LogoTag, FaviconTag, ThemeTag string
}

// Name is the brand's name in loc, or "" when none is set.
func (b Brand) Name(loc i18n.Locale) string {
	if loc == i18n.EN && b.NameEN != "" || b.NameFA == "" {
		return b.NameEN
	}
	return b.NameFA
}

// Support is the operator's support channels; an empty one is not offered.
type Support struct {
	Email, Phone, URL string
	Telegram          string // a username, without the @
}

// Payment is how to pay the provider by hand: a card, a Sheba number, and a
// note in each language.
type Payment struct {
	Card, Sheba    string
	NoteFA, NoteEN string
}

// Channel is one way to reach support, as a link.
type Channel struct {
	Kind  string // email, phone, url, telegram
	Key   string // the message key of its name
	Href  string
	Label string // what the link reads, always left-to-right
}

// Channels lists the configured ways to reach support, in a fixed order.
func (s Support) Channels() []Channel {
	var out []Channel
	if s.Email != "" {
		out = append(out, Channel{"email", "support.email", "mailto:" + s.Email, s.Email})
	}
	if s.Phone != "" {
		out = append(out, Channel{"phone", "support.phone", "tel:" + strings.NewReplacer(" ", "", "-", "").Replace(s.Phone), s.Phone})
	}
	if s.URL != "" {
		label := s.URL
		if u, err := url.Parse(s.URL); err == nil {
			label = strings.TrimSuffix(u.Host+u.Path, "/")
		}
		out = append(out, Channel{"url", "support.url", s.URL, label})
	}
	if s.Telegram != "" {
		out = append(out, Channel{"telegram", "support.telegram", "https://t.me/" + s.Telegram, "@" + s.Telegram})
	}
	return out
}

// Any reports a payment by hand the operator has described.
func (p Payment) Any() bool { return p.Card != "" || p.Sheba != "" || p.NoteFA != "" || p.NoteEN != "" }

// Note is the operator's note in loc, or the other language's when only that is set.
func (p Payment) Note(loc i18n.Locale) string {
	if loc == i18n.EN && p.NoteEN != "" || p.NoteFA == "" {
		return p.NoteEN
	}
	return p.NoteFA
}

// CardGroups is a card number in fours, as it is printed on the card.
func (p Payment) CardGroups() string {
	var b strings.Builder
	for i, r := range p.Card {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
