package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/testkit"
	"abrak/views/i18n"
)

// noRedirects is an HTTP client that stops at every redirect, as a test of
// where each one points.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// startTopUp submits the wallet's top-up form and returns the authority the
// gateway gave, from the StartPay page the panel sends the customer to.
func startTopUp(t *testing.T, c *testkit.Client, z *testkit.Zarinpal, toman string) string {
	t.Helper()
	c.Get("/wallet")
	r := c.Post("/wallet/topup", testkit.Form("amount", toman))
	loc := r.Location()
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(loc, z.URL+"/pg/StartPay/") {
		t.Fatalf("top-up form: %d to %q\n%s", r.Status, loc, testkit.Trim(r.Body))
	}
	return strings.TrimPrefix(loc, z.URL+"/pg/StartPay/")
}

// payOnGateway pays on the fake's page and returns the callback the gateway
// sends the customer back to (path and query, on the panel).
func payOnGateway(t *testing.T, z *testkit.Zarinpal, authority string) string {
	t.Helper()
	resp, err := noRedirects.Get(z.URL + "/pg/pay/" + authority)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("the gateway's pay link: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return u.RequestURI()
}

func TestTopUpThroughZarinpal(t *testing.T) {
	t.Parallel()
	z := testkit.NewZarinpal(t)
	a := testkit.NewApp(t, z.Gateway(testkit.ZarinpalMerchant), testkit.WithAPIRateLimit(1_000_000, 1_000_000))
	ana := newVMCustomer(t, a, "ana@example.com", 0)
	bob := newVMCustomer(t, a, "bob@example.com", 0)
	c := a.Client(t)
	c.SignIn(ana.email, testkit.Password)
	balance := func(email string) int64 { return a.User(t, email).BalanceRials }

	// Paid: in the customer's digits, credited exactly once, the ledger says by whom.
	auth := startTopUp(t, c, z, "۵۰٬۰۰۰")
	if got := z.Payment(auth).Amount; got != 500_000 {
		t.Fatalf("the gateway was asked for %d rials, want 500,000 (50,000 toman)", got)
	}
	callback := payOnGateway(t, z, auth)
	if !strings.HasPrefix(callback, "/wallet/topup/callback?") {
		t.Fatalf("the gateway's callback is %q", callback)
	}
	r := c.Get(callback)
	if r.Status != http.StatusSeeOther || balance(ana.email) != 500_000 {
		t.Fatalf("after paying: %d, balance %d", r.Status, balance(ana.email))
	}
	page := c.Get("/wallet?lang=en")
	for _, want := range []string{"Payment received", `data-status="paid"`, "zarinpal:"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the wallet page lacks %q", want)
		}
	}
	if n := a.Count(t, `SELECT count(*) FROM ledger WHERE kind = 'topup' AND ref LIKE 'zarinpal:%'`); n != 1 {
		t.Fatalf("%d top-up ledger rows, want 1", n)
	}
	// Replayed: nothing more, the gateway not even asked again.
	verifies := z.Verifications()
	c.Get(callback)
	if balance(ana.email) != 500_000 || z.Verifications() != verifies {
		t.Fatalf("a replayed callback: balance %d, %d more verifications", balance(ana.email), z.Verifications()-verifies)
	}

	// Forged, and another customer's: 404, nothing credited to anyone.
	if r := c.Get("/wallet/topup/callback?Authority=A" + strings.Repeat("9", 35) + "&Status=OK"); r.Status != http.StatusNotFound {
		t.Fatalf("a forged authority: %d", r.Status)
	}
	theirs := startTopUp(t, c, z, "20000")
	theirCallback := payOnGateway(t, z, theirs)
	cb := a.Client(t)
	cb.SignIn(bob.email, testkit.Password)
	if r := cb.Get(theirCallback); r.Status != http.StatusNotFound || balance(bob.email) != 0 || balance(ana.email) != 500_000 {
		t.Fatalf("bob at ana's callback: %d, balances %d / %d", r.Status, balance(bob.email), balance(ana.email))
	}

	// A customer whose session ended signs in and lands back on the callback.
	anon := a.Client(t)
	r = anon.Get(theirCallback)
	if r.Status != http.StatusSeeOther || r.Location() != "/signin" {
		t.Fatalf("a callback without a session: %d to %q", r.Status, r.Location())
	}
	anon.Get("/signin")
	r = anon.Post("/signin", testkit.Form("email", ana.email, "password", testkit.Password))
	if r.Location() != theirCallback {
		t.Fatalf("after signing in the customer goes to %q, not back to the callback", r.Location())
	}
	anon.Get(theirCallback)
	if balance(ana.email) != 700_000 {
		t.Fatalf("balance %d after the second payment, want 700,000", balance(ana.email))
	}

	// Cancelled on the gateway's page: failed once the gateway says it was not
	// paid, nothing credited.
	cancelled := startTopUp(t, c, z, "30000")
	verifies = z.Verifications()
	c.Get("/wallet/topup/callback?Authority=" + cancelled + "&Status=NOK")
	if balance(ana.email) != 700_000 || z.Verifications() != verifies+1 {
		t.Fatalf("a cancelled payment: balance %d, %d verifications", balance(ana.email), z.Verifications()-verifies)
	}
	if page := c.Get("/wallet?lang=en"); !testkit.Contains(page.Body, i18n.T(i18n.EN, "wallet.reason.not_paid")) {
		t.Error("the wallet does not say the cancelled payment was not made")
	}

	// The gateway holds another amount than the panel: -50, nothing credited.
	odd := startTopUp(t, c, z, "40000")
	z.Set(odd, func(p *testkit.ZarinpalPayment) { p.Amount += 10 })
	c.Get(payOnGateway(t, z, odd))
	page = c.Get("/wallet?lang=en")
	if balance(ana.email) != 700_000 || !testkit.Contains(page.Body, i18n.T(i18n.EN, "wallet.reason.amount_differs")) {
		t.Fatalf("a payment of another amount: balance %d; not told why", balance(ana.email))
	}

	// Verified before (the panel stopped between verifying and crediting): 101
	// still credits, once; an expired top-up that was paid is credited too.
	late := startTopUp(t, c, z, "10000")
	lateCallback := payOnGateway(t, z, late)
	z.Set(late, func(p *testkit.ZarinpalPayment) { p.Verified, p.RefID = true, 42 })
	if _, err := a.DB.ExpireTopUps(context.Background(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	c.Get(lateCallback)
	if balance(ana.email) != 800_000 {
		t.Fatalf("an expired top-up verified before: balance %d, want 800,000", balance(ana.email))
	}

	// Amounts out of range, and a gateway that refuses the merchant.
	c.Get("/wallet?lang=en")
	if r := c.Post("/wallet/topup", testkit.Form("amount", "500")); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "10,000 to 100,000,000 toman") {
		t.Fatalf("500 toman: %d", r.Status)
	}
	refusing := testkit.NewApp(t, z.Gateway("not-the-merchant"))
	newVMCustomer(t, refusing, "cy@example.com", 0)
	rc := refusing.Client(t)
	rc.SignIn("cy@example.com", testkit.Password)
	rc.Get("/wallet?lang=en")
	if r := rc.Post("/wallet/topup", testkit.Form("amount", "20000")); r.Status != http.StatusServiceUnavailable || !testkit.Contains(r.Body, i18n.T(i18n.EN, "wallet.reason.merchant")) {
		t.Fatalf("a refused payment request: %d, not told why", r.Status)
	}

	// The API: rials in, the page to pay on out, the state to poll (ten minutes
	// on: the top-ups above were as many as an account may start in ten).
	if _, err := a.DB.W.Exec(`UPDATE topups SET created_at = created_at - 601`); err != nil {
		t.Fatal(err)
	}
	r = a.APICall(t, http.MethodPost, "/api/v1/billing/topups", ana.token, `{"amount": 250000}`)
	testkit.MustStatus(t, "API top-up", r, http.StatusCreated)
	var body struct {
		TopUp struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
			PayURL string `json:"pay_url"`
		} `json:"topup"`
	}
	json.Unmarshal([]byte(r.Body), &body)
	if body.TopUp.Status != "pending" || !strings.HasPrefix(body.TopUp.PayURL, z.URL+"/pg/StartPay/") || r.Header.Get("Location") == "" {
		t.Fatalf("API top-up body: %s", r.Body)
	}
	testkit.MustStatus(t, "API amount too small", a.APICall(t, http.MethodPost, "/api/v1/billing/topups", ana.token, `{"amount": 5}`), http.StatusUnprocessableEntity)
	if r := a.APICall(t, http.MethodGet, r.Header.Get("Location"), bob.token, ""); r.Status != http.StatusNotFound {
		t.Fatalf("bob reads ana's top-up: %d", r.Status)
	}
	if r := a.APICall(t, http.MethodGet, r.Header.Get("Location"), ana.token, ""); !strings.Contains(r.Body, `"status":"pending"`) {
		t.Fatalf("GET top-up: %s", r.Body)
	}
}

// Without a gateway the wallet page says how to top up instead, and the API 503s.
func TestTopUpWithoutAGateway(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	u := newVMCustomer(t, a, "nogw@example.com", 0)
	c := a.Client(t)
	c.SignIn(u.email, testkit.Password)
	if page := c.Get("/wallet"); strings.Contains(page.Body, `data-testid="topup-form"`) {
		t.Fatal("a top-up form without a gateway")
	}
	testkit.MustStatus(t, "API top-up without a gateway", a.APICall(t, http.MethodPost, "/api/v1/billing/topups", u.token, `{"amount": 250000}`), http.StatusServiceUnavailable)
}

// VAT is added at the gateway: the customer pays the amount and its VAT, the
// wallet gets the amount, and the wallet page and the API show both.
func TestTopUpAddsVAT(t *testing.T) {
	t.Parallel()
	z := testkit.NewZarinpal(t)
	a := testkit.NewApp(t, z.Gateway(testkit.ZarinpalMerchant), func(c *app.Config) { c.VATPercent = 10 })
	ana := newVMCustomer(t, a, "vat@example.com", 0)
	c := a.Client(t)
	c.SignIn(ana.email, testkit.Password)
	if page := c.Get("/wallet?lang=en"); !strings.Contains(page.Body, "10% VAT is added") {
		t.Error("the top-up form does not say VAT is added")
	}
	auth := startTopUp(t, c, z, "50000")
	if got := z.Payment(auth).Amount; got != 550_000 {
		t.Fatalf("the gateway was asked for %d rials, want 550,000 (50,000 toman and 10%% VAT)", got)
	}
	c.Get(payOnGateway(t, z, auth))
	if b := a.User(t, ana.email).BalanceRials; b != 500_000 {
		t.Errorf("balance %d after paying 55,000 toman with VAT, want 500,000", b)
	}
	page := c.Get("/wallet?lang=en")
	for _, want := range []string{"<th>VAT</th>", "5,000 toman", "55,000 toman"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the wallet page lacks %q", want)
		}
	}
	r := a.APICall(t, http.MethodPost, "/api/v1/billing/topups", ana.token, `{"amount": 1000000}`)
	testkit.MustStatus(t, "API top-up", r, http.StatusCreated)
	if !strings.Contains(r.Body, `"vat":100000`) || !strings.Contains(r.Body, `"total":1100000`) {
		t.Errorf("the API's top-up does not show its VAT and total: %s", r.Body)
	}
}

// A customer pays from the wallet page in Chromium, in Persian and in English,
// on the gateway's page, and comes back to a credited wallet.
func TestTopUpInTheBrowser(t *testing.T) {
	t.Parallel()
	z := testkit.NewZarinpal(t)
	a := testkit.NewApp(t, z.Gateway(testkit.ZarinpalMerchant), testkit.WithRealBaseURL)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		email := string(lang) + "-pays@example.com"
		a.CreateUser(t, email, testkit.Password)
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL) // a browser each: their cookies are apart
		p.SignIn(string(lang), email)
		p.Open("/wallet")
		amount := "75000"
		if lang == i18n.FA {
			amount = "۷۵۰۰۰"
		}
		p.Fill(map[string]string{"#f-amount": amount})
		p.MustElement(`[data-testid=topup-submit]`).MustClick()
		p.MustElement("#pay").MustClick() // on the gateway's page
		p.MustElement(`[data-testid=topups] [data-status=paid]`)
		p.MustWaitLoad()
		p.Clean()
		want := i18n.Money(lang, 750_000)
		if got := p.MustElement(`[data-testid=wallet-balance]`).MustText(); got != want {
			t.Errorf("%s: the wallet shows %q after paying, want %q", lang, got, want)
		}
		if got := a.User(t, email).BalanceRials; got != 750_000 {
			t.Errorf("%s: balance %d", lang, got)
		}
		p.SaveFullScreenshot("wallet-paid-" + string(lang))
	}
}

// A payment received is acknowledged by mail, with the amount and the
// gateway's reference.
func TestATopUpIsAcknowledgedByMail(t *testing.T) {
	t.Parallel()
	z := testkit.NewZarinpal(t)
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, z.Gateway(testkit.ZarinpalMerchant), testkit.WithMail(ms))
	ana := newVMCustomer(t, a, "ana@example.com", 0)
	c := a.Client(t)
	c.SignIn(ana.email, testkit.Password)
	if _, err := a.DB.W.Exec(`UPDATE users SET locale = 'en'`); err != nil {
		t.Fatal(err)
	}
	auth := startTopUp(t, c, z, "50000")
	c.Get(payOnGateway(t, z, auth))
	m := ms.Await(t, ana.email, "topped up")
	if ref := z.Payment(auth).RefID; !strings.Contains(m.Text, "50,000 toman") || !strings.Contains(m.Text, fmt.Sprint(ref)) {
		t.Errorf("the letter lacks the amount or the reference %v\n%s", ref, m.Text)
	}
	c.Get(payOnGateway(t, z, auth)) // a replayed callback credits nothing, and says nothing
	if n := a.Count(t, `SELECT count(*) FROM mail_queue WHERE kind = 'topup'`); n != 1 {
		t.Errorf("%d top-up letters for one payment, want 1", n)
	}
}
