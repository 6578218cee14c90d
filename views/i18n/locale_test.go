package i18n

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		header string
		want   Locale
	}{
		{"en-US,en;q=0.9", EN},
		{"fa-IR", FA},
		{"fa-IR,fa;q=0.9,en-US;q=0.8,en;q=0.7", FA},
		{"en-GB,fa;q=0.5", EN},
		{"de", FA},
		{"", FA},
		{"de, en;q=0.5", EN},
		{"*", FA},
		{"garbage;;;q=x", FA},
	}
	for _, tt := range tests {
		if got := Match(tt.header); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Locale
		ok   bool
	}{
		{"fa", FA, true},
		{"FA", FA, true},
		{"fa-IR", FA, true},
		{"en", EN, true},
		{"en-US", EN, true},
		{" en ", EN, true},
		{"de", "", false},
		{"", "", false},
		{"english", "", false},
		{"fa-<script>", "", false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDirAndString(t *testing.T) {
	if FA.Dir() != "rtl" || EN.Dir() != "ltr" {
		t.Errorf("Dir: fa %q, en %q", FA.Dir(), EN.Dir())
	}
	if FA.String() != "fa" || EN.String() != "en" {
		t.Errorf("String: fa %q, en %q", FA.String(), EN.String())
	}
}
