package ctl

import (
	"strings"
)

// langOf picks the tables' language as a C program would: LC_ALL, then
// LC_MESSAGES, then LANG; Persian for fa*, English otherwise.
func langOf(getenv func(string) string) string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "fa") {
				return "fa"
			}
			return "en"
		}
	}
	return "en"
}

// faWords are the Persian words of the tables: headers and statuses.
var faWords = map[string]string{
	"UUID": "شناسه", "ID": "شناسه", "NAME": "نام", "HOSTNAME": "نام میزبان", "STATUS": "وضعیت", "PLAN": "طرح",
	"REGION": "منطقه", "IP": "آی‌پی", "CREATED": "ساخته‌شده", "TYPE": "نوع", "RESOURCE": "منبع", "STARTED": "آغاز",
	"PROGRESS": "پیشرفت", "FINGERPRINT": "اثرانگشت", "EMAIL": "ایمیل", "BALANCE": "موجودی (ریال)",
	"BURN RATE": "مصرف ساعتی (ریال)", "HOURS LEFT": "ساعت باقی‌مانده", "CURRENT": "جاری", "URL": "نشانی",
	"running": "روشن", "stopped": "خاموش", "paused": "مکث", "suspended": "معلق", "crashed": "از کار افتاده",
	"creating": "در حال ساخت", "deleted": "در سطل بازیافت", "destroyed": "نابودشده", "failed": "ناموفق",
	"in-progress": "در جریان", "completed": "انجام شد", "errored": "خطا",
	"deleted.": "حذف شد.", "no rows": "چیزی نیست.",
}

// word is s in the run's language.
func (r *run) word(s string) string {
	if r.lang == "fa" {
		if w, ok := faWords[s]; ok {
			return w
		}
	}
	return s
}

// faDigits writes ASCII digits as Persian ones.
func faDigits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			c = '۰' + (c - '0')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// normalizeDigits reads Persian and Arabic-Indic digits in arguments as
// ASCII ones, so an id copied from a Persian table works as typed.
func normalizeDigits(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		var b strings.Builder
		for _, c := range a {
			switch {
			case c >= '۰' && c <= '۹':
				c = '0' + (c - '۰')
			case c >= '٠' && c <= '٩':
				c = '0' + (c - '٠')
			}
			b.WriteRune(c)
		}
		out[i] = b.String()
	}
	return out
}
