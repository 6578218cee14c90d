package i18n

import (
	"math"
	"testing"
)

const minus = "\u200e−"

func TestDigits(t *testing.T) {
	tests := []struct {
		l       Locale
		in, out string
	}{
		{FA, "0123456789", "۰۱۲۳۴۵۶۷۸۹"},
		{FA, "VM-42 at 10:05", "VM-۴۲ at ۱۰:۰۵"},
		{FA, "۱۲", "۱۲"},
		{EN, "VM-42", "VM-42"},
	}
	for _, tt := range tests {
		if got := Digits(tt.l, tt.in); got != tt.out {
			t.Errorf("Digits(%s, %q) = %q, want %q", tt.l, tt.in, got, tt.out)
		}
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		n      int64
		fa, en string
	}{
		{0, "۰", "0"},
		{7, "۷", "7"},
		{999, "۹۹۹", "999"},
		{1000, "۱٬۰۰۰", "1,000"},
		{12500, "۱۲٬۵۰۰", "12,500"},
		{1234567, "۱٬۲۳۴٬۵۶۷", "1,234,567"},
		{-2500, minus + "۲٬۵۰۰", "-2,500"},
		{-7, minus + "۷", "-7"},
		{math.MinInt64, minus + "۹٬۲۲۳٬۳۷۲٬۰۳۶٬۸۵۴٬۷۷۵٬۸۰۸", "-9,223,372,036,854,775,808"},
	}
	for _, tt := range tests {
		if got := Number(FA, tt.n); got != tt.fa {
			t.Errorf("Number(fa, %d) = %q, want %q", tt.n, got, tt.fa)
		}
		if got := Number(EN, tt.n); got != tt.en {
			t.Errorf("Number(en, %d) = %q, want %q", tt.n, got, tt.en)
		}
	}
}

func TestMoney(t *testing.T) {
	tests := []struct {
		rials  int64
		fa, en string
	}{
		{0, "۰ تومان", "0 toman"},
		{70, "۷ تومان", "7 toman"},
		{10000, "۱٬۰۰۰ تومان", "1,000 toman"},
		{125000, "۱۲٬۵۰۰ تومان", "12,500 toman"},
		{12345670, "۱٬۲۳۴٬۵۶۷ تومان", "1,234,567 toman"},
		{-25000, minus + "۲٬۵۰۰ تومان", "-2,500 toman"},
		// Not a whole toman: the rials are kept, not rounded away.
		{5, "۰٫۵ تومان", "0.5 toman"},
		{125005, "۱۲٬۵۰۰٫۵ تومان", "12,500.5 toman"},
		{-5, minus + "۰٫۵ تومان", "-0.5 toman"},
	}
	for _, tt := range tests {
		if got := Money(FA, tt.rials); got != tt.fa {
			t.Errorf("Money(fa, %d) = %q, want %q", tt.rials, got, tt.fa)
		}
		if got := Money(EN, tt.rials); got != tt.en {
			t.Errorf("Money(en, %d) = %q, want %q", tt.rials, got, tt.en)
		}
	}
}

func TestMemoryMB(t *testing.T) {
	tests := []struct {
		mb     int
		fa, en string
	}{
		{256, "۲۵۶ مگابایت", "256 MB"},
		{512, "۵۱۲ مگابایت", "512 MB"},
		{1023, "۱٬۰۲۳ مگابایت", "1,023 MB"},
		{1024, "۱ گیگابایت", "1 GB"},
		{1536, "۱٫۵ گیگابایت", "1.5 GB"},
		{2048, "۲ گیگابایت", "2 GB"},
		{16384, "۱۶ گیگابایت", "16 GB"},
		{1048576, "۱٬۰۲۴ گیگابایت", "1,024 GB"},
	}
	for _, tt := range tests {
		if got := MemoryMB(FA, tt.mb); got != tt.fa {
			t.Errorf("MemoryMB(fa, %d) = %q, want %q", tt.mb, got, tt.fa)
		}
		if got := MemoryMB(EN, tt.mb); got != tt.en {
			t.Errorf("MemoryMB(en, %d) = %q, want %q", tt.mb, got, tt.en)
		}
	}
}

func TestBytes(t *testing.T) {
	tests := []struct {
		n      int64
		fa, en string
	}{
		{0, "۰ بایت", "0 B"},
		{1023, "۱٬۰۲۳ بایت", "1,023 B"},
		{1024, "۱ کیلوبایت", "1 KB"},
		{10<<20 + 400<<10, "۱۰٫۴ مگابایت", "10.4 MB"},
		{3 << 30, "۳ گیگابایت", "3 GB"},
		{5000 << 40, "۵٬۰۰۰ ترابایت", "5,000 TB"},
	}
	for _, tt := range tests {
		if got := Bytes(FA, tt.n); got != tt.fa {
			t.Errorf("Bytes(fa, %d) = %q, want %q", tt.n, got, tt.fa)
		}
		if got := Bytes(EN, tt.n); got != tt.en {
			t.Errorf("Bytes(en, %d) = %q, want %q", tt.n, got, tt.en)
		}
	}
}

func TestLatinDigits(t *testing.T) {
	for in, want := range map[string]string{"۳۰۵۹۵۱": "305951", "٣٠٥": "305", "۵۰٬۰۰۰": "50000", " 1,200 ": "1200", "12a": "12a"} {
		if got := LatinDigits(in); got != want {
			t.Errorf("LatinDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

// A credit carries its plus where a debit carries its minus; zero carries neither.
func TestSignedMoney(t *testing.T) {
	for _, c := range []struct {
		rials  int64
		fa, en string
	}{
		{25000, "\u200e+۲٬۵۰۰ تومان", "+2,500 toman"},
		{-25000, minus + "۲٬۵۰۰ تومان", "-2,500 toman"},
		{0, "۰ تومان", "0 toman"},
	} {
		if got := SignedMoney(FA, c.rials); got != c.fa {
			t.Errorf("SignedMoney(fa, %d) = %q, want %q", c.rials, got, c.fa)
		}
		if got := SignedMoney(EN, c.rials); got != c.en {
			t.Errorf("SignedMoney(en, %d) = %q, want %q", c.rials, got, c.en)
		}
	}
}
