package services

import (
	"strings"
	"testing"
)

// The black-box finding: names took U+202E and other bidi controls, names of
// nothing but zero-width characters, control characters and invalid UTF-8.
func TestNamesCannotDisguiseThemselves(t *testing.T) {
	for _, ok := range []string{"web-1", "سرور آزمایشی", "می‌خواهم", "db (prod) #2", "👩‍💻 dev", "Ана"} {
		if k := nameProblem(ok, 64, "too_long"); k != "" {
			t.Errorf("%q refused: %s", ok, k)
		}
	}
	for name, want := range map[string]string{
		"invoice\u202egpj.exe":  "form.name_invalid",
		"a\u2066b\u2069":        "form.name_invalid",
		"\u200b\u200b":          "form.name_invalid",
		"\u200c":                "form.name_invalid",
		"\u3164\u3164":          "form.name_invalid",
		"tab\there":             "form.name_invalid",
		"bell\x07":              "form.name_invalid",
		"bad\xff\xfe":           "form.name_invalid",
		"\u0301\u0301":          "form.name_invalid",
		"   ":                   "form.required",
		"":                      "form.required",
		strings.Repeat("x", 65): "too_long",
	} {
		if got := nameProblem(name, 64, "too_long"); got != want {
			t.Errorf("nameProblem(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestTypedNamesMatchWithoutTheirIsolates(t *testing.T) {
	if !NameMatches(" \u2068ux-server (آزمایشی) 2\u2069 ", "ux-server (آزمایشی) 2") {
		t.Error("a name copied from the page with its isolates did not match")
	}
	if NameMatches("ux-server", "ux-server (آزمایشی) 2") {
		t.Error("part of the name matched")
	}
}
