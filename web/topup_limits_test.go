package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"abrak/services"
	"abrak/testkit"
	"abrak/views/i18n"
)

// topUpAnswer is the API's answer to starting a top-up.
type topUpAnswer struct {
	Status int
	Retry  string
	PayURL string
	Error  string
}

func startTopUpAPI(t *testing.T, a *testkit.App, token string, rials int64, lang i18n.Locale) topUpAnswer {
	t.Helper()
	r := a.APICall(t, http.MethodPost, "/api/v1/billing/topups", token, fmt.Sprintf(`{"amount": %d}`, rials), "Accept-Language", string(lang))
	var body struct {
		TopUp struct {
			PayURL string `json:"pay_url"`
		} `json:"topup"`
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	json.Unmarshal([]byte(r.Body), &body)
	return topUpAnswer{Status: r.Status, Retry: r.Header.Get("Retry-After"), PayURL: body.TopUp.PayURL, Error: body.Error.Message}
}

// Spending needs a scope that says so: a token that may only read the account
// cannot start a payment; one with wallet:write can, and so can the browser.
// The scope is offered on the token page in both languages and named in the
// API's documentation.
func TestStartingATopUpNeedsTheWalletScope(t *testing.T) {
	t.Parallel()
	z := testkit.NewZarinpal(t)
	a := testkit.NewApp(t, z.Gateway(testkit.ZarinpalMerchant), testkit.WithAPIRateLimit(1_000_000, 1_000_000))
	a.CreateUser(t, "ana@example.com", testkit.Password)
	reader, _ := a.MintToken(t, "ana@example.com", services.ScopeAccount, services.ScopeVMRead)
	r := a.APICall(t, http.MethodPost, "/api/v1/billing/topups", reader, `{"amount": 250000}`, "Accept-Language", "en")
	testkit.MustStatus(t, "a read-only token starting a top-up", r, http.StatusForbidden)
	if e := testkit.APIErrorOf(t, r); e.Error.Message != i18n.T(i18n.EN, "error.missing_scope", "scope", "wallet:write") {
		t.Errorf("the refusal does not name the scope: %q", e.Error.Message)
	}
	if n := z.Requests(); n != 0 {
		t.Fatalf("a read-only token reached the gateway %d times", n)
	}
	spender, _ := a.MintToken(t, "ana@example.com", "wallet:write")
	testkit.MustStatus(t, "a wallet:write token starting a top-up", a.APICall(t, http.MethodPost, "/api/v1/billing/topups", spender, `{"amount": 250000}`), http.StatusCreated)
	c := a.Client(t)
	c.SignIn("ana@example.com", testkit.Password)
	startTopUp(t, c, z, "30000")

	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		page := c.Get("/tokens?lang=" + string(lang))
		if !strings.Contains(page.Body, `value="wallet:write"`) || !testkit.Contains(page.Body, i18n.T(lang, "tokens.scope.wallet_write")) {
			t.Errorf("%s: the token page does not offer wallet:write with its words", lang)
		}
		if docs := c.Get("/docs/api?lang=" + string(lang)); !testkit.Contains(docs.Body, "wallet:write") {
			t.Errorf("%s: the API docs do not name wallet:write", lang)
		}
	}
	c.Get("/tokens")
	r = c.Post("/tokens", testkit.Form("name", "pay", "scopes", "wallet:write", "expires", "30"))
	if r.Status != http.StatusOK || !testkit.TokenSecretRe.MatchString(r.Body) {
		t.Fatalf("a token with wallet:write from the token page: %d", r.Status)
	}
	secret := testkit.TokenSecretRe.FindString(r.Body)
	testkit.MustStatus(t, "the page's wallet:write token", a.APICall(t, http.MethodPost, "/api/v1/billing/topups", secret, `{"amount": 260000}`), http.StatusCreated)
}

// Starting top-ups is bounded per account (5 gateway requests in 10 minutes):
// a burst reaches the gateway 5 times and the rest are 429 with Retry-After
// and the reason in the customer's language; another account is not held up.
// The same amount again while its payment is pending gives the same page to
// pay on, without asking the gateway again, however many ask at once.
func TestStartingTopUpsIsLimitedPerAccount(t *testing.T) {
	t.Parallel()
	z := testkit.NewZarinpal(t)
	a := testkit.NewApp(t, z.Gateway(testkit.ZarinpalMerchant), testkit.WithAPIRateLimit(1_000_000, 1_000_000))
	ana := newVMCustomer(t, a, "ana@example.com", 0)
	bob := newVMCustomer(t, a, "bob@example.com", 0)
	cy := newVMCustomer(t, a, "cy@example.com", 0)

	// A burst of 40 different amounts.
	answers := make([]topUpAnswer, 40)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = startTopUpAPI(t, a, ana.token, 100_000+int64(i)*10, i18n.EN)
		}()
	}
	wg.Wait()
	created := 0
	for _, r := range answers {
		switch r.Status {
		case http.StatusCreated:
			created++
		case http.StatusTooManyRequests:
			secs, err := strconv.Atoi(r.Retry)
			if err != nil || secs < 1 || secs > 600 {
				t.Fatalf("a refused top-up's Retry-After is %q", r.Retry)
			}
			if want := i18n.T(i18n.EN, "wallet.topup_too_many", "n", "5", "minutes", "10", "seconds", r.Retry); r.Error != want {
				t.Fatalf("a refused top-up says %q, want %q", r.Error, want)
			}
		default:
			t.Fatalf("a top-up of the burst answered %d", r.Status)
		}
	}
	if created != 5 || z.Requests() != 5 {
		t.Fatalf("of 40 top-ups at once %d were started and %d reached the gateway; want 5", created, z.Requests())
	}

	// The wallet's form says it in Persian, with the wait.
	c := a.Client(t)
	c.SignIn(ana.email, testkit.Password)
	c.Get("/wallet?lang=fa")
	r := c.Post("/wallet/topup", testkit.Form("amount", "20000"))
	if want := i18n.T(i18n.FA, "wallet.topup_too_many", "n", "5", "minutes", "10", "seconds", r.Header.Get("Retry-After")); r.Status != http.StatusTooManyRequests || testkit.FormMessage(r.Body) != want {
		t.Fatalf("the form past the limit: %d %q, want %q", r.Status, testkit.FormMessage(r.Body), want)
	}
	if z.Requests() != 5 {
		t.Fatal("the form past the limit reached the gateway")
	}
	// Ten minutes on, the account may start again.
	if _, err := a.DB.W.Exec(`UPDATE topups SET created_at = created_at - 601 WHERE user_id = ?`, ana.id); err != nil {
		t.Fatal(err)
	}
	if r := startTopUpAPI(t, a, ana.token, 400_000, i18n.EN); r.Status != http.StatusCreated {
		t.Fatalf("ten minutes later: %d %s", r.Status, r.Error)
	}

	// Another account: the same amount twice gives the same page, the gateway asked once.
	first := startTopUpAPI(t, a, bob.token, 100_000, i18n.EN)
	again := startTopUpAPI(t, a, bob.token, 100_000, i18n.EN)
	if first.Status != http.StatusCreated || again.Status != http.StatusOK || again.PayURL != first.PayURL || z.Requests() != 7 {
		t.Fatalf("the same amount again: %d then %d, %q then %q, %d gateway requests (want 7)", first.Status, again.Status, first.PayURL, again.PayURL, z.Requests())
	}
	bc := a.Client(t)
	bc.SignIn(bob.email, testkit.Password)
	bc.Get("/wallet")
	if r := bc.Post("/wallet/topup", testkit.Form("amount", "10000")); r.Location() != first.PayURL || z.Requests() != 7 {
		t.Fatalf("the same amount from the form: to %q, want %q", r.Location(), first.PayURL)
	}
	// Once the gateway's page may have timed out, the same amount is a new payment.
	if _, err := a.DB.W.Exec(`UPDATE topups SET created_at = created_at - 601 WHERE user_id = ?`, bob.id); err != nil {
		t.Fatal(err)
	}
	if r := startTopUpAPI(t, a, bob.token, 100_000, i18n.EN); r.Status != http.StatusCreated || r.PayURL == first.PayURL {
		t.Fatalf("the same amount after the reuse window: %d, %q", r.Status, r.PayURL)
	}

	// 40 of the same amount at once: one payment, one page.
	before := z.Requests()
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = startTopUpAPI(t, a, cy.token, 500_000, i18n.EN)
		}()
	}
	wg.Wait()
	for _, r := range answers {
		if r.Status != http.StatusCreated && r.Status != http.StatusOK || r.PayURL != answers[0].PayURL {
			t.Fatalf("one of 40 identical top-ups: %d, %q (the first %q)", r.Status, r.PayURL, answers[0].PayURL)
		}
	}
	if n := z.Requests() - before; n != 1 {
		t.Fatalf("40 identical top-ups at once reached the gateway %d times, want once", n)
	}
}
