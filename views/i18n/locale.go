package i18n

import (
	"strings"

	"golang.org/x/text/language"
)

// Locale is a language the panel speaks, named by its BCP 47 base language.
type Locale string

const (
	FA Locale = "fa"
	EN Locale = "en"
)

// Supported lists the locales in order of preference: the first is the
// fallback when a visitor's browser asks for nothing we speak.
var Supported = []Locale{FA, EN}

var matcher = language.NewMatcher([]language.Tag{language.Persian, language.English})

// Parse reads a locale from a ?lang value, a cookie or a saved preference.
// Region and script subtags are accepted and dropped ("fa-IR" → fa).
func Parse(s string) (Locale, bool) {
	tag, err := language.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", false
	}
	base, conf := tag.Base()
	if conf != language.Exact {
		return "", false
	}
	for _, l := range Supported {
		if base.String() == string(l) {
			return l, true
		}
	}
	return "", false
}

// Match picks the best supported locale for an Accept-Language header,
// falling back to Persian.
func Match(acceptLanguage string) Locale {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return FA
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return FA
	}
	return Supported[i]
}

// Dir is the value of <html dir>.
func (l Locale) Dir() string {
	if l == FA {
		return "rtl"
	}
	return "ltr"
}

// String is the value of <html lang>.
func (l Locale) String() string { return string(l) }

// orDefault maps an unknown Locale value to the fallback, so that a zero
// Locale in a view model still renders Persian instead of bare keys.
func (l Locale) orDefault() Locale {
	for _, s := range Supported {
		if l == s {
			return l
		}
	}
	return Supported[0]
}
