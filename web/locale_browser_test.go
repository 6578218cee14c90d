package web_test

import (
	"regexp"
	"strings"
	"testing"

	"abrak/testkit"
)

var (
	persianDigitRe = regexp.MustCompile(`[۰-۹]`)
	asciiDigitRe   = regexp.MustCompile(`[0-9]`)
)

func TestBrowserPersianAndEnglish(t *testing.T) {
	a := testkit.NewApp(t)
	p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
	const email, password = "sara@example.com", "a-long-browser-passphrase"

	// Sign up in Persian by typing into the form.
	p.Open("/signup?lang=fa")
	p.WantLangDir("fa", "rtl")
	p.WantVazirmatn()
	p.AtPhoneSize()
	p.AtDesktopSize()
	p.Fill(map[string]string{"#f-name": "سارا رضایی", "#f-email": email, "#f-password": password, "#f-confirm": password})
	p.Click(`form[action="/signup"] button[type=submit]`, `[data-testid=balance]`)
	if p.Path() != "/vms" {
		t.Fatalf("after sign-up the browser is at %s, want /vms", p.Path())
	}
	p.WantLangDir("fa", "rtl")
	p.WantVazirmatn()
	balance := p.MustElement(`[data-testid=balance]`).MustText()
	if !persianDigitRe.MatchString(balance) || asciiDigitRe.MatchString(balance) {
		t.Errorf("balance %q is not written in Persian digits", balance)
	}
	if !strings.Contains(balance, "تومان") {
		t.Errorf("balance %q is not in toman", balance)
	}

	// Sign out, then sign in again, still in Persian.
	p.Click(`[data-testid=signout]`, `form[action="/signin"]`)
	p.WantLangDir("fa", "rtl")
	p.Fill(map[string]string{"#f-email": email, "#f-password": password})
	p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
	p.WantLangDir("fa", "rtl")
	p.SaveScreenshot("dashboard-fa-desktop")
	p.AtPhoneSize()
	p.SaveScreenshot("dashboard-fa-phone")
	p.AtDesktopSize()

	// The visible switch turns the panel to English, left to right.
	p.Click(`[data-testid=lang-switch]`, `html[lang=en]`)
	p.WantLangDir("en", "ltr")
	p.WantVazirmatn()
	if h := p.MustElement("main h1").MustText(); h != "VMs" {
		t.Errorf("English dashboard title %q, want VMs", h)
	}
	if b := p.MustElement(`[data-testid=balance]`).MustText(); !strings.Contains(b, "0 toman") {
		t.Errorf("English balance %q", b)
	}
	if nav := p.MustElement("nav").MustText(); !strings.Contains(nav, "Wallet") || !strings.Contains(nav, "Account") {
		t.Errorf("English navigation %q", nav)
	}
	p.SaveScreenshot("dashboard-en-desktop")
	p.AtPhoneSize()
	p.SaveScreenshot("dashboard-en-phone")

	// The account page, the widest form of the shell, also fits a phone.
	p.Open("/account")
	p.AtPhoneSize()
	p.SaveScreenshot("account-en-phone")
	p.AtDesktopSize()

	p.Click(`[data-testid=signout]`, `form[action="/signin"]`)
	p.WantLangDir("en", "ltr")
	if p.MustHas(`[data-testid=balance]`) {
		t.Error("the header still shows a balance after sign-out")
	}
}
