package web_test

import (
	"strings"
	"testing"

	"abrak/app"
	"abrak/testkit"
	"abrak/views"
	"abrak/views/i18n"
)

// withPaymentByHand is a panel without a gateway whose operator wrote how to pay.
func withPaymentByHand(c *app.Config) {
	withSupport(c)
	c.Site.Payment = views.Payment{Card: "6037991234567893", Sheba: "IR330620000000100324200001",
		NoteFA: "به نام شرکت ابرک، بانک ملی", NoteEN: "Account holder: Abrak Co., Bank Melli"}
}

// Without online payment the wallet is no dead end: it says online payment is
// off, shows the operator's card and Sheba numbers (each with a copy button)
// and note in the page's language, says to send the receipt to support with
// the account's address, and links to support; no page promises Zarinpal. In
// Persian and English, on a phone and a desktop.
func TestTheWalletSaysHowToPayWithoutAGateway(t *testing.T) {
	a := testkit.NewApp(t, withPaymentByHand)
	seedCatalog(t, a)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			email := "payhand-" + string(lang) + "@example.com"
			a.CreateUser(t, email, testkit.Password)
			p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			p.Open("/?lang=" + string(lang))
			p.WantText(`[data-testid=landing-step-topup]`, T("landing.step_topup_by_hand"))
			noZarinpal := func(where string) {
				t.Helper()
				if body := p.MustElement("body").MustText(); strings.Contains(body, "Zarinpal") || strings.Contains(body, "زرین‌پال") {
					t.Errorf("%s promises Zarinpal, which this panel does not have", where)
				}
			}
			noZarinpal("the landing page")
			p.Open("/signin")
			p.Fill(map[string]string{"#f-email": email, "#f-password": testkit.Password})
			p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=first-run]`)
			noZarinpal("the first-run checklist")
			for _, size := range []string{"phone", "desktop"} {
				p.Open("/wallet")
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				p.WantLangDir(string(lang), lang.Dir())
				if n := len(p.MustElements(`[data-testid=topup-form]`)); n != 0 {
					t.Error("the wallet offers an online top-up without a gateway")
				}
				p.WantText(`[data-testid=topup-unconfigured]`, T("wallet.topup_unconfigured"))
				p.WantText(`[data-testid=pay-card]`, "6037 9912 3456 7893")
				p.WantText(`[data-testid=pay-sheba]`, "IR330620000000100324200001")
				p.WantText(`[data-testid=pay-note]`, map[i18n.Locale]string{i18n.FA: "به نام شرکت ابرک، بانک ملی", i18n.EN: "Account holder: Abrak Co., Bank Melli"}[lang])
				p.WantText(`[data-testid=pay-receipt]`, T("wallet.pay_receipt", "email", testkit.Isolated(email)))
				if v := p.MustElement(`#pay-card-digits`).MustProperty("value").String(); v != "6037991234567893" {
					t.Errorf("the card's copy button copies %q", v)
				}
				if n := len(p.MustElements(`[data-testid=pay-by-hand] button[data-copy]`)); n != 2 {
					t.Errorf("%d copy buttons, want one for the card and one for the Sheba number", n)
				}
				wantSupportLinks(t, p, `[data-testid=pay-by-hand] [data-testid=support-links]`)
				noZarinpal("the wallet")
				p.SaveFullScreenshot("walk-1-" + string(lang) + "-" + size)
			}
		})
	}
}

// With a gateway the landing page names it and the wallet takes payments;
// the instructions by hand are not shown.
func TestTheLandingPageNamesAGatewayOnlyWhenThereIsOne(t *testing.T) {
	z := testkit.NewZarinpal(t)
	a := testkit.NewApp(t, withPaymentByHand, z.Gateway(testkit.ZarinpalMerchant))
	c := a.Client(t)
	if r := c.Get("/?lang=en"); !testkit.Contains(r.Body, i18n.T(i18n.EN, "landing.step_topup")) {
		t.Error("with Zarinpal configured the landing page does not say so")
	}
	a.CreateUser(t, "gw@example.com", testkit.Password)
	c.SignIn("gw@example.com", testkit.Password)
	if r := c.Get("/wallet"); !strings.Contains(r.Body, `data-testid="topup-form"`) || strings.Contains(r.Body, `data-testid="pay-by-hand"`) {
		t.Error("with a gateway the wallet does not take payments online, or still shows the instructions by hand")
	}
	b := testkit.NewApp(t)
	if r := b.Client(t).Get("/?lang=en"); testkit.Contains(r.Body, i18n.T(i18n.EN, "landing.step_topup")) {
		t.Error("without a gateway the landing page promises Zarinpal")
	}
}
