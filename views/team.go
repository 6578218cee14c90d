package views

import "net/url"

// or is v, or def when v is empty.
func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
