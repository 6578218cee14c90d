package services

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameProblem is the message key of what is wrong with a name a customer gives
// something (a VM, an SSH key, a token, their account), or "". Besides being
// there and short enough, a name must not disguise itself: no control
// characters, no direction overrides or isolates (U+202E would show "gpj.exe"
// as "exe.jpg"), no invisible-only name. The joiners Persian needs (ZWNJ, ZWJ)
// stay allowed inside a name.
func nameProblem(name string, maxRunes int, tooLong string) string {
	switch {
	case !utf8.ValidString(name):
		return "form.name_invalid"
	case strings.TrimSpace(name) == "":
		return "form.required"
	case utf8.RuneCountInString(name) > maxRunes:
		return tooLong
	}
	visible := false
	for _, r := range name {
		switch {
		case r == '\u200c' || r == '\u200d':
			// zero-width non-joiner and joiner: part of Persian spelling
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r),
			invisibleLetters[r]:
			return "form.name_invalid"
		case unicode.IsLetter(r), unicode.IsNumber(r), unicode.IsPunct(r), unicode.IsSymbol(r):
			visible = true
		}
	}
	if !visible {
		return "form.name_invalid"
	}
	return ""
}

// invisibleLetters are letters and symbols that draw nothing (Hangul fillers,
// the blank Braille pattern): the usual way to make a name look empty.
var invisibleLetters = map[rune]bool{'\u115f': true, '\u1160': true, '\u3164': true, '\uffa0': true, '\u2800': true}

// NameMatches reports whether typed is name, as a customer confirms a deletion by
// typing a VM's name: surrounding spaces and the direction isolates a page puts
// around names (which come along when the name is copied from it) do not count.
func NameMatches(typed, name string) bool {
	clean := strings.Map(func(r rune) rune {
		if r >= '\u2066' && r <= '\u2069' || r == '\u200e' || r == '\u200f' {
			return -1
		}
		return r
	}, typed)
	return strings.TrimSpace(clean) == name
}

const maxDisplayName = 64

// ValidHostname reports whether h is an RFC 1123 host name.
func ValidHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// validDisplayName returns the message key of what is wrong with a display name, or "".
func validDisplayName(n string) string {
	return nameProblem(n, maxDisplayName, "vm.display_name_too_long")
}
