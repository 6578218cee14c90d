package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/go-rod/rod/lib/input"

	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// A new customer's empty VM list leads the way (top up, a key, the order); the
// order form cannot be sent while the wallet cannot pay the first hour, and
// once it can, its summary follows the plan chosen: name, hourly and monthly price.
func TestTheOrderFormSaysWhatItCosts(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	for i, run := range []struct {
		lang  i18n.Locale
		phone bool
	}{{i18n.FA, true}, {i18n.EN, false}} {
		email := []string{"first-fa@example.com", "first-en@example.com"}[i]
		u := a.CreateUser(t, email, testkit.Password)
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
		p.Open("/signin?lang=" + string(run.lang))
		p.Fill(map[string]string{"#f-email": email, "#f-password": testkit.Password})
		p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=first-run]`)
		size := "desktop"
		if run.phone {
			p.AtPhoneSize()
			size = "phone"
		}
		p.SaveScreenshot("first-run-" + string(run.lang) + "-" + size)
		p.Click(`[data-testid=first-run] ~ a[href="/vms/new"]`, `[data-testid=order-summary]`)
		if !p.MustElement(`[data-testid=create-submit]`).MustProperty("disabled").Bool() {
			t.Errorf("%s: the order can be sent with an empty wallet", run.lang)
		}

		if _, err := a.DB.Credit(context.Background(), u.ID, startBalanceRials, "topup", "test"); err != nil {
			t.Fatal(err)
		}
		p.Open("/vms/new")
		if p.MustElement(`[data-testid=create-submit]`).MustProperty("disabled").Bool() {
			t.Errorf("%s: the order cannot be sent with money in the wallet", run.lang)
		}
		p.MustElement(`[data-plan=pro]`).MustClick()
		summary := p.MustElement(`[data-testid=order-summary]`).MustText()
		T := func(key string, args ...string) string { return i18n.T(run.lang, key, args...) }
		for _, want := range []string{map[i18n.Locale]string{i18n.FA: "حرفه‌ای", i18n.EN: "Pro"}[run.lang],
			T("vm.price_hourly", "price", i18n.Money(run.lang, 400_000)), i18n.Money(run.lang, 400_000*730)} {
			if !strings.Contains(summary, want) {
				t.Errorf("%s: after choosing Pro the summary lacks %q:\n%s", run.lang, want, summary)
			}
		}
		p.SaveScreenshot("order-summary-" + string(run.lang) + "-" + size)
	}
}

// After a refused submit the eye lands on the first field in error (focused,
// scrolled to), and a summary above the form links to each, in both languages.
func TestErrorsAreWhereTheEyeIs(t *testing.T) {
	a := testkit.NewApp(t)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
		p.Open("/signup?lang=" + string(lang))
		p.AtPhoneSize()
		p.Fill(map[string]string{"#f-name": "Sara", "#f-email": "not-an-address", "#f-password": "short"})
		p.Click(`form[action="/signup"] button[type=submit]`, `[data-testid=form-summary]`)
		if got := p.MustEval(`() => document.activeElement && document.activeElement.name`).String(); got != "email" {
			t.Errorf("%s: after the refused sign-up the focus is on %q, want the e-mail field", lang, got)
		}
		if n := len(p.MustElements(`[data-testid=form-summary] a[href^="#f-"]`)); n < 2 {
			t.Errorf("%s: the summary links to %d fields", lang, n)
		}
		if v := p.MustElement("#f-name").MustProperty("value").String(); v != "Sara" {
			t.Errorf("%s: what was typed is lost (%q)", lang, v)
		}
		p.SaveScreenshot("signup-errors-" + string(lang) + "-phone")
	}
}

// A keyboard user sees where the focus is on the plan and OS cards: a ring of
// its own, apart from the ring of the card that is chosen.
func TestPlanCardsShowKeyboardFocus(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	newVMCustomer(t, a, "keys@example.com", startBalanceRials)
	p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
	p.Open("/signin?lang=en")
	p.Fill(map[string]string{"#f-email": "keys@example.com", "#f-password": testkit.Password})
	p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
	p.Open("/vms/new")
	outline := func(sel string) string {
		return p.MustEval(`s => getComputedStyle(document.querySelector(s)).outlineStyle`, sel).String()
	}
	if o := outline(`[data-plan=starter]`); o != "none" {
		t.Fatalf("a card has an outline before any focus: %s", o)
	}
	p.MustElement(`#f-region`).MustFocus()
	p.Keyboard.MustType(input.Tab) // into the plan radios
	if o := outline(`[data-plan=starter]`); o == "none" {
		t.Error("the focused plan card shows no focus ring")
	}
}

// On a phone the VM list, the wallet, tokens and SSH keys are stacked cards:
// nothing scrolls sideways, and each value is labelled with its column.
func TestTablesAreCardsOnAPhone(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	ana := newVMCustomer(t, a, "cards@example.com", startBalanceRials) // a token and a top-up
	uuid := orderVM(t, a, ana, "web-1", "a rather long server name for a phone")
	settle(t, a, uuid, vmstatus.Running)
	r := a.APICall(t, http.MethodPost, "/api/v1/ssh-keys", ana.token,
		`{"name": "laptop", "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMUuydsgrWE7DICUyan+6nbdalQoUvCgBFpk8YPgz+wI doc@laptop"}`)
	testkit.MustStatus(t, "add a key", r, http.StatusCreated)
	for _, lang := range []string{"fa", "en"} {
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
		p.SignIn(lang, ana.email)
		for _, page := range []string{"/vms", "/wallet", "/tokens", "/ssh-keys"} {
			p.Open(page)
			p.AtPhoneSize()
			wide := p.MustEval(`() => [...document.querySelectorAll(".table-wrap")].filter(w => w.scrollWidth > w.clientWidth + 1).length`).Int()
			unlabelled := p.MustEval(`() => [...document.querySelectorAll("table.table-cards tbody td")].filter(td => !td.dataset.label).length`).Int()
			if wide > 0 || unlabelled > 0 {
				t.Errorf("%s %s at 390 px: %d tables scroll sideways, %d cells unlabelled", lang, page, wide, unlabelled)
			}
			p.SaveFullScreenshot("cards-" + lang + strings.ReplaceAll(page, "/", "-") + "-phone")
			p.AtDesktopSize()
		}
	}
}
