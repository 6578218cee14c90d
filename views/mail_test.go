package views

import (
	"strings"
	"testing"

	"abrak/mail"
)

// A letter reads in its recipient's language and direction; money is in
// toman with the locale's digits; values stay left to right.
func TestLettersInBothLanguages(t *testing.T) {
	render := Letters("Abrak Cloud", Support{})
	l := mail.Letter{Kind: "vm_ready", To: "a@example.com", Name: "Sara", Args: []string{"vm", "web-1"}, Link: "https://panel.example/vms/x",
		Facts: []mail.Fact{{Label: "mail.fact.ipv4", Value: "198.51.100.10"}}}
	l.Locale = "fa"
	fa := render(l)
	if !strings.Contains(fa.Subject, "web-1") || !strings.Contains(fa.HTML, `dir="rtl"`) || !strings.Contains(fa.HTML, `<bdi dir="ltr"`) ||
		!strings.Contains(fa.Text, "سلام Sara،") || !strings.Contains(fa.Text, "IPv4: 198.51.100.10") {
		t.Errorf("the Persian letter:\n%s\n%s", fa.Subject, fa.Text)
	}
	l.Locale = "en"
	en := render(l)
	if en.Subject != "Your server web-1 is ready" || !strings.Contains(en.HTML, `dir="ltr"`) || !strings.Contains(en.Text, "The Abrak Cloud team") {
		t.Errorf("the English letter:\n%s\n%s", en.Subject, en.Text)
	}
	low := render(mail.Letter{Kind: "low_balance", Locale: "fa", Amounts: map[string]int64{"balance": 1_234_560, "burn": 10_000}, Counts: map[string]int64{"hours": 12}})
	if !strings.Contains(low.Text, "۱۲۳٬۴۵۶ تومان") || !strings.Contains(low.Text, "۱۲ ساعت") || !strings.Contains(low.Text, "سلام،") {
		t.Errorf("amounts and counts are not in Persian digits and toman:\n%s", low.Text)
	}
}

// BenchmarkLetter is what queueing a letter costs in words: subject, text and HTML.
func BenchmarkLetter(b *testing.B) {
	render := Letters("Abrak Cloud", Support{})
	l := mail.Letter{Kind: "vm_ready", Locale: "fa", To: "a@example.com", Name: "Sara", Args: []string{"vm", "web-1"},
		Link: "https://panel.example/vms/x", Facts: []mail.Fact{{Label: "mail.fact.ipv4", Value: "198.51.100.10"}}}
	for b.Loop() {
		if m := render(l); m.HTML == "" {
			b.Fatal("empty")
		}
	}
}

// A letter ends with the support channels the operator gave, as links in the
// HTML and as plain lines in the text, so "contact support" says how.
func TestLettersSayHowToReachSupport(t *testing.T) {
	render := Letters("Abrak Cloud", Support{Email: "help@example.com", Telegram: "abrak_help"})
	for _, loc := range []string{"fa", "en"} {
		m := render(mail.Letter{Kind: "deleted_unpaid", Locale: loc, Args: []string{"vm", "web-1"}})
		if !strings.Contains(m.HTML, `href="mailto:help@example.com"`) || !strings.Contains(m.HTML, `href="https://t.me/abrak_help"`) ||
			!strings.Contains(m.Text, "help@example.com") || !strings.Contains(m.Text, "@abrak_help") {
			t.Errorf("%s: the letter does not say how to reach support:\n%s", loc, m.Text)
		}
	}
	if m := Letters("Abrak Cloud", Support{})(mail.Letter{Kind: "deleted_unpaid", Locale: "en"}); strings.Contains(m.Text, "Support:") {
		t.Errorf("a letter names support channels the operator did not give:\n%s", m.Text)
	}
}
