// Package i18n holds Abrak's locales, message catalogs and the fa/en
// formatting of numbers, money, sizes and dates.
//
// Decisions a reader of the pages will notice:
//
//   - Persian numbers use Extended Arabic-Indic digits (U+06F0..U+06F9), the
//     Arabic thousands separator "٬" (U+066C) and decimal separator "٫"
//     (U+066B). A negative Persian number starts with LEFT-TO-RIGHT MARK and
//     MINUS SIGN (U+200E U+2212), as CLDR does, so that the sign stays to the
//     left of the digits inside right-to-left text. English uses "12,500" and
//     "-2,500".
//   - Money is stored as integer rials and shown as toman (rials / 10). Real
//     amounts are multiples of 10 rials; when one is not, the toman amount is
//     shown with its one decimal ("۱۲٫۵ تومان") rather than silently rounded.
//   - Persian dates are Solar Hijri (Jalali) in Asia/Tehran: "۱ آذر ۱۴۰۵".
//     English dates are Gregorian in UTC: "22 Nov 2026"; times add "UTC" so
//     an English reader never guesses the zone.
//
// Catalogs are the JSON files under locales/<locale>/; every file is a flat
// object of key → message, and all files of a locale merge into one catalog.
// Different areas live in different files so that their owners do not edit
// the same file. Placeholders are written {name} and filled by T.
package i18n
