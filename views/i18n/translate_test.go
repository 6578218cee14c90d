package i18n

import (
	"strings"
	"testing"
)

// fill gives what a strings.Replacer of the same pairs gives, for every
// message of the catalog with every placeholder filled, and for odd ones.
func TestFillMatchesReplacer(t *testing.T) {
	replace := func(l Locale, msg string, args []string) string {
		var pairs []string
		for i := 0; i+1 < len(args); i += 2 {
			v := args[i+1]
			if isASCIIDigits(v) {
				v = Digits(l, v)
			}
			pairs = append(pairs, "{"+args[i]+"}", v)
		}
		return strings.NewReplacer(pairs...).Replace(msg)
	}
	check := func(l Locale, msg string, args []string) {
		t.Helper()
		if got, want := fill(l, msg, args), replace(l, msg, args); got != want {
			t.Errorf("fill(%q, %q) = %q, a replacer gives %q", msg, args, got, want)
		}
	}
	n := 0
	for _, l := range Supported {
		for _, msg := range loadCatalog().messages[l] {
			var args []string
			for _, m := range placeholder.FindAllStringSubmatch(msg, -1) {
				args = append(args, m[1], "v-"+m[1], m[1], "second value loses")
			}
			if len(args) > 0 {
				check(l, msg, args)
				n++
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d catalog messages have placeholders", n)
	}
	for _, msg := range []string{"{", "}", "{}", "{{n}}", `{"a": "{n}"}`, "{n", "n}", "{unknown} {n}", "۱{n}۲", "{n}{n}"} {
		check(FA, msg, []string{"n", "42"})
		check(EN, msg, []string{"n", "x"})
	}
}

// BenchmarkT is a label with two placeholders, as pages write many.
func BenchmarkT(b *testing.B) {
	for b.Loop() {
		_ = T(FA, "vm.size_line", "vcpus", "۲", "memory", "۲ گیگابایت", "disk", "۴۰ گیگابایت")
	}
}
