package i18n

import (
	"sort"
	"strings"
	"sync"
)

// missing remembers keys that T could not find, so that tests rendering
// whole pages can fail on them through Missing.
var missing sync.Map

// T translates key into l and fills {name} placeholders from args given as
// name, value pairs. A value made only of ASCII digits (such as the seconds a
// service puts in a rate-limit error) is shown in the locale's digits; format
// other numbers and dates with Number, Money or Date first. A key the catalog lacks comes back
// as the key itself, which is visible on the page and reported by Missing.
func T(l Locale, key string, args ...string) string {
	msg, ok := loadCatalog().messages[l.orDefault()][key]
	if !ok {
		missing.Store(key, struct{}{})
		return key
	}
	if len(args) < 2 {
		return msg
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		v := args[i+1]
		if isASCIIDigits(v) {
			v = Digits(l, v)
		}
		pairs = append(pairs, "{"+args[i]+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}

// Has reports whether key is translated in every supported locale.
func Has(key string) bool {
	c := loadCatalog()
	for _, l := range Supported {
		if _, ok := c.messages[l][key]; !ok {
			return false
		}
	}
	return true
}

// Missing lists, sorted, the keys T has been asked for and could not find
// since the process started.
func Missing() []string {
	var keys []string
	missing.Range(func(k, _ any) bool {
		keys = append(keys, k.(string))
		return true
	})
	sort.Strings(keys)
	return keys
}

func isASCIIDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
