package i18n

import (
	"strconv"
	"strings"
)

const (
	faZero           = '۰'       // U+06F0 EXTENDED ARABIC-INDIC DIGIT ZERO
	faThousands      = "٬"       // U+066C ARABIC THOUSANDS SEPARATOR
	faDecimal        = "٫"       // U+066B ARABIC DECIMAL SEPARATOR
	faMinus          = "\u200e−" // LRM keeps the U+2212 sign left of the digits in RTL text
	enThousands      = ","
	enDecimal        = "."
	enMinus          = "-"
	rialsPerToman    = 10
	megabytesPerGiga = 1024
)

// Digits writes the ASCII digits of s in the locale's script and leaves
// everything else alone.
func Digits(l Locale, s string) string {
	if l.orDefault() != FA {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return faZero + (r - '0')
		}
		return r
	}, s)
}

// Number writes n with thousands grouping: "۱۲٬۵۰۰" in fa, "12,500" in en.
func Number(l Locale, n int64) string {
	neg, abs := split(n)
	return sign(l, neg) + grouped(l, abs)
}

// Money writes an amount of rials as toman: "۱۲٬۵۰۰ تومان", "12,500 toman".
// A remainder of rials below one toman is kept as a single decimal.
func Money(l Locale, rials int64) string { return money(l, rials, "") }

// SignedMoney is Money with a plus sign on a credit, placed as the minus of a
// debit is (left of the digits in Persian too), so that a ledger's column
// reads alike for both.
func SignedMoney(l Locale, rials int64) string {
	plus := "+"
	if l.orDefault() == FA {
		plus = "\u200e+"
	}
	return money(l, rials, plus)
}

func money(l Locale, rials int64, plus string) string {
	neg, abs := split(rials)
	amount := grouped(l, abs/rialsPerToman)
	if rest := abs % rialsPerToman; rest != 0 {
		amount += decimalSep(l) + Digits(l, strconv.FormatUint(rest, 10))
	}
	s := sign(l, neg)
	if !neg && abs != 0 {
		s = plus
	}
	return T(l, "money.toman", "amount", s+amount)
}

// MemoryMB writes a memory size given in megabytes, switching to gigabytes
// (one decimal at most) from 1024 MB: "512 MB", "1 GB", "1.5 GB".
func MemoryMB(l Locale, mb int) string {
	if mb < megabytesPerGiga {
		return T(l, "unit.mb", "n", Number(l, int64(mb)))
	}
	tenths := (int64(mb)*10 + megabytesPerGiga/2) / megabytesPerGiga
	n := grouped(l, uint64(tenths/10))
	if d := tenths % 10; d != 0 {
		n += decimalSep(l) + Digits(l, strconv.FormatInt(d, 10))
	}
	return T(l, "unit.gb", "n", n)
}

// split returns the sign and magnitude of n; the magnitude is unsigned so
// that the most negative int64 has one too.
func split(n int64) (bool, uint64) {
	if n < 0 {
		return true, uint64(-(n + 1)) + 1
	}
	return false, uint64(n)
}

func sign(l Locale, neg bool) string {
	switch {
	case !neg:
		return ""
	case l.orDefault() == FA:
		return faMinus
	default:
		return enMinus
	}
}

func grouped(l Locale, n uint64) string {
	s := strconv.FormatUint(n, 10)
	sep := enThousands
	if l.orDefault() == FA {
		sep = faThousands
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return Digits(l, b.String())
}

func decimalSep(l Locale) string {
	if l.orDefault() == FA {
		return faDecimal
	}
	return enDecimal
}

// Bytes writes a byte count in the largest binary unit that keeps it at 1 or
// more (one decimal at most): "512 B", "1.5 MB", "10 GB".
func Bytes(l Locale, n int64) string {
	units := []string{"unit.b", "unit.kb", "unit.mb", "unit.gb", "unit.tb"}
	if n < 1024 {
		return T(l, units[0], "n", Number(l, n))
	}
	u, scale := 0, int64(1)
	for u < len(units)-1 && n >= scale*1024 {
		u, scale = u+1, scale*1024
	}
	tenths := (n*10 + scale/2) / scale
	s := grouped(l, uint64(tenths/10))
	if d := tenths % 10; d != 0 {
		s += decimalSep(l) + Digits(l, strconv.FormatInt(d, 10))
	}
	return T(l, units[u], "n", s)
}

// LatinDigits writes Persian (۰–۹) and Arabic-Indic (٠–٩) digits as Latin ones
// and drops the grouping separators a customer may type (",", "٬", spaces), so
// "۳۰۵٬۹۵۱" reads as "305951".
func LatinDigits(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '۰' && r <= '۹':
			b.WriteRune('0' + (r - '۰'))
		case r >= '٠' && r <= '٩':
			b.WriteRune('0' + (r - '٠'))
		case r == ',' || r == '٬' || r == ' ' || r == '\u200c':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
