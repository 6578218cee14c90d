package cli

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	"abrak/services"
)

// The kinds of the operator's contact and payment settings. Each is empty or
// well-formed: a typo in a card number or an address would send customers'
// money or letters nowhere, so it stops the panel instead.
type (
	emailAddr  string
	phone      string
	webURL     string
	telegram   string
	cardNumber string
	sheba      string
)

func (v *emailAddr) Set(s string) error {
	s = strings.TrimSpace(s)
	if s != "" {
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s {
			return errors.New("want an e-mail address such as support@example.com")
		}
	}
	*v = emailAddr(s)
	return nil
}
func (v *emailAddr) String() string { return string(*v) }

var phoneRE = regexp.MustCompile(`^\+?[0-9][0-9 -]{5,20}[0-9]$`)

func (v *phone) Set(s string) error {
	s = strings.TrimSpace(s)
	if s != "" && !phoneRE.MatchString(s) {
		return errors.New("want a telephone number such as +98 21 1234 5678")
	}
	*v = phone(s)
	return nil
}
func (v *phone) String() string { return string(*v) }

func (v *webURL) Set(s string) error {
	s = strings.TrimSpace(s)
	if s != "" {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("want an http or https URL such as https://example.com/support")
		}
	}
	*v = webURL(s)
	return nil
}
func (v *webURL) String() string { return string(*v) }

var telegramRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{4,31}$`)

func (v *telegram) Set(s string) error {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	if s != "" && !telegramRE.MatchString(s) {
		return errors.New("want a Telegram username such as @example_support")
	}
	*v = telegram(s)
	return nil
}
func (v *telegram) String() string { return string(*v) }

// digitsOnly drops the spaces and dashes a number is often written with.
func digitsOnly(s string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
}

func (v *cardNumber) Set(s string) error {
	d := digitsOnly(s)
	if d != "" && (len(d) != 16 || !luhn(d)) {
		return errors.New("want a 16-digit bank card number (its check digit is checked)")
	}
	*v = cardNumber(d)
	return nil
}
func (v *cardNumber) String() string { return string(*v) }

// luhn reports whether a string of digits passes the Luhn check, as every
// Iranian bank card does.
func luhn(d string) bool {
	sum := 0
	for i := range len(d) {
		n := int(d[len(d)-1-i] - '0')
		if n < 0 || n > 9 {
			return false
		}
		if i%2 == 1 {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

func (v *sheba) Set(s string) error {
	d := strings.ToUpper(digitsOnly(s))
	if d != "" && !validSheba(d) {
		return errors.New("want a Sheba number: IR and 24 digits (its check digits are checked)")
	}
	*v = sheba(d)
	return nil
}
func (v *sheba) String() string { return string(*v) }

// validSheba checks an Iranian IBAN: IR, 24 digits, and ISO 13616's mod 97.
func validSheba(s string) bool {
	if len(s) != 26 || !strings.HasPrefix(s, "IR") {
		return false
	}
	// The country moved to the end, its letters as numbers (I=18, R=27).
	rearranged := s[4:] + "1827" + s[2:4]
	rem := 0
	for _, c := range rearranged {
		if c < '0' || c > '9' {
			return false
		}
		rem = (rem*10 + int(c-'0')) % 97
	}
	return rem == 1
}

// The kinds of the brand's settings: a name, an image file read at start
// (a missing or wrong file stops the panel rather than showing a broken
// logo to every customer), and an accent colour white text can sit on.
type (
	brandName string
	imageFile string
	accent    string
)

func (v *brandName) Set(s string) error {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 64 || strings.ContainsAny(s, "<>\n\r") {
		return errors.New("want a name of at most 64 characters, without < or >")
	}
	*v = brandName(s)
	return nil
}
func (v *brandName) String() string { return string(*v) }

func (v *imageFile) Set(s string) error {
	s = strings.TrimSpace(s)
	if s != "" {
		b, err := os.ReadFile(s)
		if err != nil {
			return fmt.Errorf("want the path of an SVG or PNG file: %w", err)
		}
		if _, err := services.ImageType(b); err != nil {
			return fmt.Errorf("want the path of an SVG or PNG file: %w", err)
		}
	}
	*v = imageFile(s)
	return nil
}
func (v *imageFile) String() string { return string(*v) }

func (v *accent) Set(s string) error {
	s = strings.TrimSpace(s)
	if s != "" {
		switch services.AccentProblem(s) {
		case "brand.error_accent":
			return errors.New("want a colour as #rrggbb, such as #0369a1")
		case "brand.error_accent_contrast":
			return fmt.Errorf("want a colour dark enough for white text on it (contrast %.1f:1, at least 4.5:1)", services.AccentContrast(s))
		}
	}
	*v = accent(s)
	return nil
}
func (v *accent) String() string { return string(*v) }
