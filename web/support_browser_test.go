package web_test

import (
	"net/http"
	"strings"
	"testing"

	"abrak/app"
	"abrak/testkit"
	"abrak/views"
	"abrak/views/i18n"
)

// withSupport gives the panel the operator's support channels.
func withSupport(c *app.Config) {
	c.Site.Support = views.Support{Email: "help@example.com", Phone: "+98 21 1234-5678", URL: "https://help.example.com/tickets", Telegram: "abrak_help"}
}

// wantSupportLinks finds every support channel, as a link, inside sel.
func wantSupportLinks(t *testing.T, p *testkit.Tab, sel string) {
	t.Helper()
	for kind, href := range map[string]string{"email": "mailto:help@example.com", "phone": "tel:+982112345678",
		"url": "https://help.example.com/tickets", "telegram": "https://t.me/abrak_help"} {
		got := p.MustEval(`(s) => { const a = document.querySelector(s); return a ? a.getAttribute("href") : "" }`, sel+` a[data-support=`+kind+`]`).String()
		if got != href {
			t.Errorf("%s: the %s link goes to %q, want %q", sel, kind, got, href)
		}
	}
}

// Support can be reached from every page: the footer of the landing page,
// the sign-in and the dashboard pages links to each channel the operator
// gave, and the forgot-password page's "contact support" (no mail on this
// panel) is followed by the same links, in Persian and English, on a phone
// and a desktop.
func TestSupportIsALinkOnEveryPage(t *testing.T) {
	a := testkit.NewApp(t, withSupport)
	seedCatalog(t, a)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			email := "support-" + string(lang) + "@example.com"
			newVMCustomer(t, a, email, startBalanceRials)
			p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			for _, size := range []string{"phone", "desktop"} {
				p.Open("/?lang=" + string(lang))
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				p.WantLangDir(string(lang), lang.Dir())
				wantSupportLinks(t, p, `[data-testid=support-footer]`)
				p.WantText(`[data-testid=support-footer] a[data-support=email]`, i18n.T(lang, "support.email")+" help@example.com")

				p.Open("/forgot-password")
				p.WantText(`[data-testid=forgot-unavailable]`, i18n.T(lang, "auth.forgot_unavailable"))
				wantSupportLinks(t, p, `[data-testid=support-links]`)
				wantSupportLinks(t, p, `[data-testid=support-footer]`)
				p.SaveFullScreenshot("walk-2-" + string(lang) + "-" + size)
			}
			p.Open("/signin")
			wantSupportLinks(t, p, `[data-testid=support-footer]`)
			p.Fill(map[string]string{"#f-email": email, "#f-password": testkit.Password})
			p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
			for _, path := range []string{"/vms", "/wallet", "/account"} {
				p.Open(path)
				wantSupportLinks(t, p, `[data-testid=support-footer]`)
			}
		})
	}
}

// Without channels the panel shows no support footer (nothing that leads nowhere).
func TestNoSupportFooterWithoutChannels(t *testing.T) {
	a := testkit.NewApp(t)
	if r := a.Client(t).Get("/forgot-password"); strings.Contains(r.Body, "support-footer") || strings.Contains(r.Body, "support-links") {
		t.Error("a panel without support channels shows support links")
	}
}

// Closing an account that still holds money sends the customer to support
// for a refund: the refusal carries the links.
func TestAccountCloseRefusalLinksToSupport(t *testing.T) {
	a := testkit.NewApp(t, withSupport)
	newVMCustomer(t, a, "refund@example.com", startBalanceRials)
	c := a.Client(t)
	c.SignIn("refund@example.com", testkit.Password)
	c.Get("/account")
	r := c.Post("/account/close", testkit.Form("confirm_email", "refund@example.com", "password", testkit.Password))
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-testid="support-links"`) || !strings.Contains(r.Body, `href="mailto:help@example.com"`) {
		t.Errorf("the refusal to close a wallet with money (%d) has no link to support", r.Status)
	}
}
