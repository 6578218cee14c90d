package services

import (
	"net/mail"
	"strings"
	"unicode"
)

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, ".") && len(s) <= 254
}

// unreachableTLDs are top-level names no public mail server answers for: the
// special-use names of RFC 6761 (test, example, invalid, localhost), mDNS's
// local (RFC 6762), onion (RFC 7686), alt (RFC 9476), the reverse-lookup tree
// arpa (home.arpa of RFC 8375 with it), and internal, which ICANN keeps for
// private networks. Letters for them would go to the panel's own network or
// nowhere.
var unreachableTLDs = map[string]bool{
	"test": true, "example": true, "invalid": true, "localhost": true,
	"local": true, "onion": true, "alt": true, "arpa": true, "internal": true,
}

// signUpEmailProblem is why a normalized address cannot be signed up, as a
// message key, or "". Beyond its form, its domain must be a public host name:
// not an address literal (x@[127.0.0.1]), not a bare number (x@127.0.0.1),
// not a single label (x@localhost), and not under a special-use name, since
// the panel mails whoever signs up and must not be made to mail its own
// network or a name that cannot exist.
func signUpEmailProblem(s string) string {
	if !validEmail(s) {
		return "form.invalid_email"
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	if strings.HasPrefix(domain, "[") {
		return "form.email_unreachable"
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "form.invalid_email"
	}
	for _, l := range labels {
		if !hostLabel(l) {
			return "form.invalid_email"
		}
	}
	tld := labels[len(labels)-1]
	if unreachableTLDs[tld] || strings.Trim(tld, "0123456789") == "" {
		return "form.email_unreachable"
	}
	return ""
}

// hostLabel reports a label a host name may have: letters with their marks
// and ZWNJ (an international name's too), digits and inner hyphens, 1 to 63 bytes.
func hostLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Mc, r) && r != '\u200c' {
			return false
		}
	}
	return true
}
