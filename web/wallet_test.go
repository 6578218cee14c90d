package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"abrak/testkit"
	"abrak/vmstatus"
)

// The wallet page shows the balance and every bill, in the customer's language.
func TestWalletPageListsTopUpsInBothLanguages(t *testing.T) {
	a := testkit.NewApp(t)
	u := a.CreateUser(t, "wallet@example.com", testkit.Password)
	if _, err := a.Wallet.TopUp(context.Background(), u.ID, 125_000, "receipt-42"); err != nil {
		t.Fatal(err)
	}
	c := a.Client(t)
	c.SignIn("wallet@example.com", testkit.Password)

	fa := c.Get("/wallet")
	testkit.MustStatus(t, "wallet fa", fa, http.StatusOK)
	for _, want := range []string{"۱۲٬۵۰۰ تومان", "شارژ کیف پول", "receipt-42"} {
		if !testkit.Contains(fa.Body, want) {
			t.Errorf("Persian wallet page lacks %q", want)
		}
	}
	if !strings.Contains(fa.Body, `data-testid="ledger"`) {
		t.Error("the wallet page shows no ledger")
	}
	en := c.Get("/wallet?lang=en")
	for _, want := range []string{"12,500 toman", "Top-up"} {
		if !testkit.Contains(en.Body, want) {
			t.Errorf("English wallet page lacks %q", want)
		}
	}
	if _, err := a.Wallet.TopUp(context.Background(), u.ID, 0, "x"); err == nil {
		t.Error("a zero top-up was accepted")
	}
}

// The customer sees what their servers cost each hour and how long the balance
// lasts, on the API and the pages, and is warned in every page's header once
// it lasts less than three days.
func TestTheWalletSaysHowLongTheMoneyLasts(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	ana := newVMCustomer(t, a, "ana@example.com", startBalanceRials)
	account := func() (burn int64, hours *int64) {
		t.Helper()
		r := a.APICall(t, http.MethodGet, "/api/v1/account", ana.token, "")
		testkit.MustStatus(t, "account", r, http.StatusOK)
		body := testkit.Decode[struct {
			Account struct {
				Burn  int64  `json:"burn_rate_rials_per_hour"`
				Hours *int64 `json:"hours_left"`
			} `json:"account"`
		}](t, r)
		return body.Account.Burn, body.Account.Hours
	}
	if burn, hours := account(); burn != 0 || hours != nil {
		t.Fatalf("no VM yet: burn %d, hours %v; want 0 and null", burn, hours)
	}
	c := a.Client(t)
	c.SignIn(ana.email, testkit.Password)
	if r := c.Get("/wallet?lang=en"); !testkit.Contains(r.Body, "No server is charging your wallet now.") {
		t.Errorf("the wallet of a customer without VMs does not say nothing is charged\n%s", testkit.Trim(r.Body))
	}

	one := orderVM(t, a, ana, "one", "one")
	two := orderVM(t, a, ana, "two", "two")
	if burn, hours := account(); burn != 0 || hours != nil {
		t.Errorf("orders not yet built are charged by the hour: burn %d, hours %v", burn, hours)
	}
	settle(t, a, one, vmstatus.Running)
	settle(t, a, two, vmstatus.Stopped) // a stopped VM keeps its disk and address, and is charged
	balance := int64(startBalanceRials - 2*starterPriceRials)
	burn, hours := account()
	if burn != 2*starterPriceRials || hours == nil || *hours != balance/(2*starterPriceRials) {
		t.Fatalf("burn %d, hours %v; want %d and %d", burn, hours, 2*starterPriceRials, balance/(2*starterPriceRials))
	}
	r := c.Get("/vms?lang=en")
	if !strings.Contains(r.Body, `data-testid="low-balance"`) || !testkit.Contains(r.Body, "the balance lasts about 9 hours.") {
		t.Errorf("nine hours left and the dashboard does not warn\n%s", testkit.Trim(r.Body))
	}
	r = c.Get("/wallet?lang=fa")
	if !testkit.Contains(r.Body, "ساعتی ۱۰٬۰۰۰ تومان") || !testkit.Contains(r.Body, "حدود ۹ ساعت دیگر") {
		t.Errorf("the Persian wallet does not show the burn rate and hours left\n%s", testkit.Trim(r.Body))
	}

	if _, err := a.DB.Credit(context.Background(), ana.id, 10_000_000, "topup", "more"); err != nil {
		t.Fatal(err)
	}
	r = c.Get("/vms?lang=en")
	if strings.Contains(r.Body, `data-testid="low-balance"`) {
		t.Errorf("four days left and the dashboard still warns")
	}
	if r = c.Get("/wallet?lang=en"); !testkit.Contains(r.Body, "the balance lasts about 4 days.") {
		t.Errorf("the wallet does not say four days\n%s", testkit.Trim(r.Body))
	}

	// A VM held for want of funds costs nothing until it is started again.
	if _, err := a.DB.W.Exec(`UPDATE vms SET unpaid_since = unixepoch() WHERE uuid = ?`, two); err != nil {
		t.Fatal(err)
	}
	if burn, _ := account(); burn != starterPriceRials {
		t.Errorf("burn %d with one VM held for funds, want %d", burn, starterPriceRials)
	}
}
