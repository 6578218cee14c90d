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
	return fill(l, msg, args)
}

// fill puts the args' values into msg's {name} placeholders; a placeholder
// with no value stays as written, and the first pair of a name wins. It scans
// msg once rather than building a strings.Replacer per call: T runs for every
// label of every page, and the replacer's construction was most of its cost.
func fill(l Locale, msg string, args []string) string {
	if strings.IndexByte(msg, '{') < 0 {
		return msg
	}
	var b strings.Builder
	b.Grow(len(msg) + 32)
	for {
		i := strings.IndexByte(msg, '{')
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		b.WriteString(msg[:i])
		j := strings.IndexByte(msg[i+1:], '}')
		if j < 0 {
			b.WriteString(msg[i:])
			return b.String()
		}
		if v, ok := argValue(args, msg[i+1:i+1+j]); ok {
			if isASCIIDigits(v) {
				v = Digits(l, v)
			}
			b.WriteString(v)
			msg = msg[i+2+j:]
			continue
		}
		b.WriteByte('{') // not a placeholder we fill: look again from the next byte
		msg = msg[i+1:]
	}
}

func argValue(args []string, name string) (string, bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if args[i] == name {
			return args[i+1], true
		}
	}
	return "", false
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
