package i18n

import (
	"fmt"
	"strconv"
	"time"

	ptime "github.com/yaa110/go-persian-calendar"

	"abrak/calendar"
)

var tehran = calendar.Tehran

var jalaliMonths = [12]string{
	"فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
	"مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
}

// Date writes the calendar day of t: Jalali in Tehran for fa
// ("۱ آذر ۱۴۰۵"), Gregorian in UTC for en ("22 Nov 2026").
func Date(l Locale, t time.Time) string {
	if l.orDefault() != FA {
		return t.UTC().Format("2 Jan 2006")
	}
	year, month, day := ptime.New(t.In(tehran)).Date()
	return Digits(l, strconv.Itoa(day)) + " " + jalaliMonths[month-1] + " " + Digits(l, strconv.Itoa(year))
}

// DateTime writes Date plus the 24-hour clock time:
// "۱ آذر ۱۴۰۵، ساعت ۱۴:۳۰" (Tehran), "22 Nov 2026, 11:00 UTC".
func DateTime(l Locale, t time.Time) string {
	clock := t.UTC().Format("15:04")
	if l.orDefault() == FA {
		clock = Digits(l, t.In(tehran).Format("15:04"))
	}
	return T(l, "time.datetime", "date", Date(l, t), "time", clock)
}

// Ago writes how long before now t happened, in the largest whole unit below
// a week ("۳ دقیقه پیش", "2 hours ago"), and the Date from a week on. Times
// less than a minute away, either side of now, are "just now"; later future
// times (a clock ahead of ours) show their Date.
func Ago(l Locale, now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < -time.Minute:
		return Date(l, t)
	case d < time.Minute:
		return T(l, "time.just_now")
	case d < time.Hour:
		return counted(l, "time.minutes_ago", int64(d/time.Minute))
	case d < 24*time.Hour:
		return counted(l, "time.hours_ago", int64(d/time.Hour))
	case d < 7*24*time.Hour:
		return counted(l, "time.days_ago", int64(d/(24*time.Hour)))
	default:
		return Date(l, t)
	}
}

// counted picks the ".one" or ".other" form of key; Persian nouns after a
// number stay singular, so both fa forms read the same.
func counted(l Locale, key string, n int64) string {
	form := ".other"
	if n == 1 {
		form = ".one"
	}
	return T(l, key+form, "n", Number(l, n))
}

var (
	gregorianMonthsFA = [12]string{"ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر", "دسامبر"}
	jalaliMonthsEN    = [12]string{"Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar", "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand"}
)

// MonthName names a month of either calendar in the locale's words:
// "آذر ۱۴۰۵", "December 2026", "دسامبر ۲۰۲۶", "Azar 1405".
func MonthName(l Locale, year, month int, jalali bool) string {
	if month < 1 || month > 12 {
		return ""
	}
	y := Digits(l, strconv.Itoa(year))
	switch {
	case jalali && l.orDefault() == FA:
		return jalaliMonths[month-1] + " " + y
	case jalali:
		return jalaliMonthsEN[month-1] + " " + y
	case l.orDefault() == FA:
		return gregorianMonthsFA[month-1] + " " + y
	}
	return time.Month(month).String() + " " + y
}

// StampName is a name made of a moment, in Latin digits and dashes only, read
// in the locale's calendar: "1405-09-11-0230" (Jalali, Tehran) or
// "2026-12-01-2300" (UTC). Snapshots are named so by default.
func StampName(l Locale, t time.Time) string {
	if l.orDefault() == FA {
		pt := ptime.New(t.In(tehran))
		return fmt.Sprintf("%04d-%02d-%02d-%02d%02d", pt.Year(), int(pt.Month()), pt.Day(), pt.Hour(), pt.Minute())
	}
	return t.UTC().Format("2006-01-02-1504")
}
