package testkit

// Reading a page's answer: its field errors, its message, its language, its text.

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// WantRedirect fails the test at once unless the answer is a 303 to to.
func WantRedirect(t *testing.T, what string, r Response, to string) {
	t.Helper()
	MustStatus(t, what, r, http.StatusSeeOther)
	if r.Location() != to {
		t.Fatalf("%s: redirected to %q, want %q", what, r.Location(), to)
	}
}

var fieldErrorRe = regexp.MustCompile(`data-field-error="([^"]+)">([^<]*)<`)

// FieldErrors maps each field that carries an error message on the page to that message.
func FieldErrors(body string) map[string]string {
	out := map[string]string{}
	for _, m := range fieldErrorRe.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

var formMessageRe = regexp.MustCompile(`data-testid="form-message">([^<]*)<`)

// FormMessage is the message above the page's form, or "".
func FormMessage(body string) string {
	if m := formMessageRe.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

var htmlTagRe = regexp.MustCompile(`<html lang="([^"]*)" dir="([^"]*)"`)

// HTMLLangDir is the page's <html lang dir>.
func HTMLLangDir(body string) (lang, dir string) {
	if m := htmlTagRe.FindStringSubmatch(body); m != nil {
		return m[1], m[2]
	}
	return "", ""
}

// Contains reports whether body holds text as a page would show it (HTML-escaped).
func Contains(body, text string) bool { return strings.Contains(body, html.EscapeString(text)) }

// Trim shortens a body for a failure message.
func Trim(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// Isolated is a customer's name as pages put it into a sentence: between
// first-strong isolates (U+2068 … U+2069).
func Isolated(name string) string { return "\u2068" + name + "\u2069" }
