package i18n

import (
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Expected Jalali dates were checked against the astronomical rule (Nowruz is
// the day of the March equinox if it falls before noon in Tehran, else the
// next day) and against the jalaali-js algorithm.
func TestDate(t *testing.T) {
	tests := []struct {
		name   string
		at     string
		fa, en string
	}{
		// Equinox 2026-03-20 14:46 UTC is 18:16 in Tehran, after noon.
		{"Nowruz 1405", "2026-03-21T08:00:00Z", "۱ فروردین ۱۴۰۵", "21 Mar 2026"},
		{"last day of 1404", "2026-03-20T08:00:00Z", "۲۹ اسفند ۱۴۰۴", "20 Mar 2026"},
		{"1 Azar 1405", "2026-11-22T08:00:00Z", "۱ آذر ۱۴۰۵", "22 Nov 2026"},
		{"Gregorian new year", "2026-01-01T12:00:00Z", "۱۱ دی ۱۴۰۴", "1 Jan 2026"},
		// 20:45 UTC is 00:15 the next day in Tehran (UTC+3:30).
		{"after midnight in Tehran", "2026-11-21T20:45:00Z", "۱ آذر ۱۴۰۵", "21 Nov 2026"},
		{"before midnight in Tehran", "2026-11-21T20:29:59Z", "۳۰ آبان ۱۴۰۵", "21 Nov 2026"},
		{"Nowruz starts at Tehran midnight", "2026-03-20T20:30:00Z", "۱ فروردین ۱۴۰۵", "20 Mar 2026"},
		// 1403 is a leap year: it has a 30th of Esfand.
		{"leap day 30 Esfand 1403", "2025-03-20T12:00:00Z", "۳۰ اسفند ۱۴۰۳", "20 Mar 2025"},
		{"Nowruz 1404", "2025-03-21T12:00:00Z", "۱ فروردین ۱۴۰۴", "21 Mar 2025"},
		{"Nowruz 1403", "2024-03-20T12:00:00Z", "۱ فروردین ۱۴۰۳", "20 Mar 2024"},
		{"Gregorian leap day", "2024-02-29T12:00:00Z", "۱۰ اسفند ۱۴۰۲", "29 Feb 2024"},
		// 1407 is not a leap year (Nowruz moves back to 20 March); 1408 is.
		{"1408 begins on 20 March", "2029-03-20T12:00:00Z", "۱ فروردین ۱۴۰۸", "20 Mar 2029"},
		{"leap day 30 Esfand 1408", "2030-03-20T12:00:00Z", "۳۰ اسفند ۱۴۰۸", "20 Mar 2030"},
	}
	for _, tt := range tests {
		at := utc(tt.at)
		if got := Date(FA, at); got != tt.fa {
			t.Errorf("%s: Date(fa, %s) = %q, want %q", tt.name, tt.at, got, tt.fa)
		}
		if got := Date(EN, at); got != tt.en {
			t.Errorf("%s: Date(en, %s) = %q, want %q", tt.name, tt.at, got, tt.en)
		}
	}
}

func TestDateIgnoresTheZoneOfItsInput(t *testing.T) {
	at := utc("2026-11-21T20:45:00Z")
	inLA := at.In(time.FixedZone("PST", -8*3600))
	if Date(FA, inLA) != Date(FA, at) || Date(EN, inLA) != Date(EN, at) {
		t.Errorf("the same instant reads differently: %q/%q vs %q/%q",
			Date(FA, inLA), Date(EN, inLA), Date(FA, at), Date(EN, at))
	}
}

func TestDateTime(t *testing.T) {
	tests := []struct {
		at     string
		fa, en string
	}{
		{"2026-11-22T11:00:00Z", "۱ آذر ۱۴۰۵، ساعت ۱۴:۳۰", "22 Nov 2026, 11:00 UTC"},
		{"2026-11-21T20:45:00Z", "۱ آذر ۱۴۰۵، ساعت ۰۰:۱۵", "21 Nov 2026, 20:45 UTC"},
		{"2026-03-21T05:07:00Z", "۱ فروردین ۱۴۰۵، ساعت ۰۸:۳۷", "21 Mar 2026, 05:07 UTC"},
	}
	for _, tt := range tests {
		at := utc(tt.at)
		if got := DateTime(FA, at); got != tt.fa {
			t.Errorf("DateTime(fa, %s) = %q, want %q", tt.at, got, tt.fa)
		}
		if got := DateTime(EN, at); got != tt.en {
			t.Errorf("DateTime(en, %s) = %q, want %q", tt.at, got, tt.en)
		}
	}
}

func TestAgo(t *testing.T) {
	now := utc("2026-11-22T12:00:00Z")
	tests := []struct {
		name   string
		ago    time.Duration
		fa, en string
	}{
		{"seconds", 30 * time.Second, "همین الان", "just now"},
		{"clock slightly ahead", -20 * time.Second, "همین الان", "just now"},
		{"one minute", 90 * time.Second, "۱ دقیقه پیش", "1 minute ago"},
		{"minutes", 3 * time.Minute, "۳ دقیقه پیش", "3 minutes ago"},
		{"59 minutes", 59*time.Minute + 59*time.Second, "۵۹ دقیقه پیش", "59 minutes ago"},
		{"one hour", 119 * time.Minute, "۱ ساعت پیش", "1 hour ago"},
		{"hours", 5 * time.Hour, "۵ ساعت پیش", "5 hours ago"},
		{"one day", 36 * time.Hour, "۱ روز پیش", "1 day ago"},
		{"days", 6 * 24 * time.Hour, "۶ روز پیش", "6 days ago"},
		{"a week is a date", 7 * 24 * time.Hour, "۲۴ آبان ۱۴۰۵", "15 Nov 2026"},
		{"far future is a date", -48 * time.Hour, "۳ آذر ۱۴۰۵", "24 Nov 2026"},
	}
	for _, tt := range tests {
		at := now.Add(-tt.ago)
		if got := Ago(FA, now, at); got != tt.fa {
			t.Errorf("%s: Ago(fa) = %q, want %q", tt.name, got, tt.fa)
		}
		if got := Ago(EN, now, at); got != tt.en {
			t.Errorf("%s: Ago(en) = %q, want %q", tt.name, got, tt.en)
		}
	}
}

// A stamp name reads in the customer's calendar and suits a snapshot's name.
func TestStampName(t *testing.T) {
	at := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC) // 2 Dec 02:30 in Tehran: 11 Azar 1405
	if got := StampName(FA, at); got != "1405-09-11-0230" {
		t.Errorf("fa: %q", got)
	}
	if got := StampName(EN, at); got != "2026-12-01-2300" {
		t.Errorf("en: %q", got)
	}
}
