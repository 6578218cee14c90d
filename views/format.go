package views

import (
	"strings"
	"time"

	"abrak/views/i18n"
)

// DateTime shows a moment in the page's calendar (Jalali in fa).
func DateTime(s Shell, t time.Time) string { return i18n.DateTime(s.Locale, t) }

// Ago shows how long ago t was ("۳ دقیقه پیش", "2 hours ago").
func Ago(s Shell, t time.Time) string { return i18n.Ago(s.Locale, time.Now(), t) }

// Date shows a day in the page's calendar.
func Date(s Shell, t time.Time) string { return i18n.Date(s.Locale, t) }

// Span writes a length of time in one unit, rounded down: minutes under two
// hours (unless whole hours), hours under two days (or when not whole days,
// under a week), days beyond: "24 hours", "۷ روز", "90 minutes".
func Span(s Shell, d time.Duration) string {
	const day = 24 * time.Hour
	n := func(u time.Duration) string { return s.Num(int64(d / u)) }
	switch {
	case d < time.Minute:
		return s.T("duration.under_minute")
	case d < time.Hour || d < 2*time.Hour && d%time.Hour != 0:
		return s.T(plural(d/time.Minute, "duration.minutes.one", "duration.minutes.other"), "n", n(time.Minute))
	case d < 2*day || d%day != 0 && d < 7*day:
		return s.T(plural(d/time.Hour, "duration.hours.one", "duration.hours.other"), "n", n(time.Hour))
	}
	return s.T(plural(d/day, "duration.days.one", "duration.days.other"), "n", n(day))
}

// Left is how long until t, as Span writes it ("23 hours"): never more than is left.
func Left(s Shell, t time.Time) string { return Span(s, time.Until(t)) }

func plural(n time.Duration, one, other string) string {
	if n == 1 {
		return one
	}
	return other
}

// viaLabel names the door an event came through.
func viaLabel(s Shell, via string) string {
	if name, ok := strings.CutPrefix(via, "token:"); ok {
		return s.T("activity.via_token", "name", isolate(name))
	}
	if via == "" || via == "web" {
		return s.T("activity.via_web")
	}
	if via == "operator" || via == "cli" {
		return s.T("activity.via_operator")
	}
	return via
}

// isolate wraps a customer's text (a name) that goes into a sentence, a label or
// a confirmation dialog in first-strong isolates (U+2068 … U+2069), so that a
// name mixing Persian and Latin reads in its own direction and cannot reorder
// the sentence around it. In HTML elements of their own, names get dir="auto".
func isolate(s string) string { return "\u2068" + s + "\u2069" }

// backArrow points toward the start of the line: right in Persian, left in English.
func backArrow(s Shell) string {
	if s.Locale.Dir() == "rtl" {
		return "→"
	}
	return "←"
}
