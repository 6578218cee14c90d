package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"abrak/testkit"
)

var (
	scriptTagRe = regexp.MustCompile(`<script[^>]*>`)
	assetRe     = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
)

func TestSecurityHeadersAndNoInlineCode(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	a.CreateUser(t, "ana@example.com", testkit.Password)
	anon := a.Client(t)
	in := a.Client(t)
	in.SignIn("ana@example.com", testkit.Password)
	pages := map[string]testkit.Response{
		"/signin":       anon.Get("/signin"),
		"/signup":       anon.Get("/signup"),
		"/no-such-page": anon.Get("/no-such-page"),
		"/vms":          in.Get("/vms"),
		"/account":      in.Get("/account"),
		"2fa start":     in.Post("/account/2fa/start", nil),
	}
	for name, r := range pages {
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", name, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", name, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", name, h.Get("X-Content-Type-Options"))
		}
		if h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: no Referrer-Policy", name)
		}
		// The policy holds only if the page has no inline script or style.
		for _, tag := range scriptTagRe.FindAllString(r.Body, -1) {
			if !strings.Contains(tag, "src=") {
				t.Errorf("%s: inline script %s", name, tag)
			}
		}
		if strings.Contains(r.Body, " style=") || strings.Contains(r.Body, "<style") || strings.Contains(r.Body, " onclick=") {
			t.Errorf("%s: inline style or handler, which the CSP blocks", name)
		}
	}
	for _, path := range []string{"/healthz", "/static/app.css"} {
		if h := anon.Get(path).Header; !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: no CSP", path)
		}
	}

	// Every asset a page links is served, cacheable for good because its URL carries a hash.
	for _, m := range assetRe.FindAllStringSubmatch(pages["/vms"].Body, -1) {
		r := anon.Get(html.UnescapeString(m[1]))
		testkit.MustStatus(t, m[1], r, http.StatusOK)
		if !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: Cache-Control %q", m[1], r.Header.Get("Cache-Control"))
		}
	}
	css := anon.Get("/static/app.css")
	font := regexp.MustCompile(`url\(([^)]*Vazirmatn[^)]*\.woff2[^)]*)\)`).FindStringSubmatch(css.Body)
	if font == nil {
		t.Fatal("app.css declares no Vazirmatn woff2 font")
	}
	fontURL := strings.Trim(font[1], `"'`)
	if !strings.HasPrefix(fontURL, "/") {
		fontURL = "/static/" + strings.TrimPrefix(fontURL, "./")
	}
	if r := anon.Get(fontURL); r.Status != http.StatusOK || len(r.Body) < 10_000 {
		t.Errorf("font %s: status %d, %d bytes", fontURL, r.Status, len(r.Body))
	}
}
