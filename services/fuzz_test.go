package services

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParseSSHKey: any text is a key or a refusal with a reason; an accepted key,
// normalised, parses again to the same line and fingerprint.
func FuzzParseSSHKey(f *testing.F) {
	for _, s := range []string{
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ana@laptop",
		"ssh-rsa AAAA", "", "ecdsa-sha2-nistp256 !!!", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl \u202eevil",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		norm, fp, problem := ParseSSHKey(line)
		if problem != "" {
			if norm != "" || fp != "" {
				t.Fatalf("%q refused (%s) yet gave %q %q", line, problem, norm, fp)
			}
			return
		}
		if !utf8.ValidString(norm) || strings.ContainsAny(norm, "\r\n\x00") {
			t.Fatalf("%q accepted as %q", line, norm)
		}
		again, fp2, problem2 := ParseSSHKey(norm)
		if problem2 != "" || again != norm || fp2 != fp {
			t.Fatalf("%q → %q did not parse to itself: %q %q %q", line, norm, again, fp2, problem2)
		}
	})
}

// FuzzNames: an accepted name is valid UTF-8, shows something, and holds no
// control, format or line-separator character other than the Persian joiners.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"web-1", "سرور", "a\u202eb", "\u200c", "x\u200cy", "\xff", "\u3164"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if nameProblem(name, 64, "too_long") != "" {
			return
		}
		if !utf8.ValidString(name) || strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 64 {
			t.Fatalf("accepted %q", name)
		}
		for _, r := range name {
			if r != '\u200c' && r != '\u200d' && (unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp)) {
				t.Fatalf("accepted %q holding %U", name, r)
			}
		}
	})
}
