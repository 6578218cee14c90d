package web_test

import (
	"strings"
	"testing"

	"abrak/testkit"
	"abrak/views/i18n"
)

func TestLanguage(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)

	t.Run("Persian by default", func(t *testing.T) {
		r := a.Client(t).Get("/signin")
		wantLang(t, "no preference", r, "fa", "rtl")
		if !testkit.Contains(r.Body, i18n.T(i18n.FA, "auth.signin")) {
			t.Error("the sign-in page is not in Persian")
		}
		if !strings.Contains(r.Body, `name="lang" value="en"`) || !strings.Contains(r.Body, `name="next" value="/signin"`) || !strings.Contains(r.Body, `data-testid="lang-switch"`) {
			t.Error("no visible switch to English")
		}
	})
	t.Run("no off-site link from the request's path", func(t *testing.T) {
		r := a.Client(t).Get("//evil.example/x")
		if strings.Contains(r.Body, "evil.example") {
			t.Errorf("the page links to the path's host:\n%s", testkit.Trim(r.Body))
		}
	})
	t.Run("Accept-Language", func(t *testing.T) {
		for _, tc := range []struct{ accept, lang, dir string }{
			{"en-US,en;q=0.9", "en", "ltr"},
			{"fa-IR", "fa", "rtl"},
			{"de-DE,de;q=0.9", "fa", "rtl"},
			{"de,en;q=0.5", "en", "ltr"},
		} {
			c := a.Client(t)
			c.Header.Set("Accept-Language", tc.accept)
			wantLang(t, "Accept-Language "+tc.accept, c.Get("/signin"), tc.lang, tc.dir)
		}
	})
	t.Run("?lang is remembered in a cookie", func(t *testing.T) {
		c := a.Client(t)
		c.Header.Set("Accept-Language", "fa")
		r := c.Get("/signin?lang=en")
		wantLang(t, "?lang=en", r, "en", "ltr")
		if !testkit.Contains(r.Body, i18n.T(i18n.EN, "auth.signin")) {
			t.Error("the sign-in page is not in English")
		}
		if c.Cookie("abrak_lang") != "en" {
			t.Errorf("language cookie %q, want en", c.Cookie("abrak_lang"))
		}
		wantLang(t, "next page, no ?lang", c.Get("/signup"), "en", "ltr")
		wantLang(t, "?lang=fa", c.Get("/signup?lang=fa"), "fa", "rtl")
		wantLang(t, "then without ?lang", c.Get("/signin"), "fa", "rtl")
		wantLang(t, "unsupported ?lang", c.Get("/signin?lang=xx"), "fa", "rtl")
	})
	t.Run("a signed-in customer's choice is saved by the switch, not by a GET", func(t *testing.T) {
		a.CreateUser(t, "ana@example.com", testkit.Password)
		c := a.Client(t)
		c.SignIn("ana@example.com", testkit.Password)
		wantLang(t, "dashboard ?lang=en", c.Get("/vms?lang=en"), "en", "ltr")
		if l := a.User(t, "ana@example.com").Locale; l != "" {
			t.Fatalf("a GET saved the locale %q", l)
		}
		c.Get("/vms?q=web")
		r := c.Post("/lang", testkit.Form("lang", "en", "next", "/vms?q=web"))
		testkit.WantRedirect(t, "the switch", r, "/vms?q=web")
		if l := a.User(t, "ana@example.com").Locale; l != "en" {
			t.Fatalf("saved locale %q, want en", l)
		}
		testkit.WantRedirect(t, "the switch sent off-site", c.Post("/lang", testkit.Form("lang", "en", "next", "//evil.example/x")), "/")
		// Another browser, whose cookie says Persian: the saved choice wins once signed in.
		other := a.Client(t)
		other.SetCookie("abrak_lang", "fa")
		wantLang(t, "sign-in page, cookie fa", other.Get("/signin"), "fa", "rtl")
		other.SignIn("ana@example.com", testkit.Password)
		r = other.Get("/vms")
		wantLang(t, "dashboard on another browser", r, "en", "ltr")
		if !testkit.Contains(r.Body, i18n.T(i18n.EN, "nav.vms")) {
			t.Error("the dashboard is not in English")
		}
	})
}
