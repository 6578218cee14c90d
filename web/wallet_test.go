package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// The wallet page shows the balance and every bill, in the customer's language.
func TestWalletPageListsTopUpsInBothLanguages(t *testing.T) {
	a := newTestApp(t)
	u := a.createUser(t, "wallet@example.com", testPassword)
	if _, err := a.Wallet.TopUp(context.Background(), u.ID, 125_000, "receipt-42"); err != nil {
		t.Fatal(err)
	}
	c := a.client(t)
	c.signIn("wallet@example.com", testPassword)

	fa := c.get("/wallet")
	wantStatus(t, "wallet fa", fa, http.StatusOK)
	for _, want := range []string{"۱۲٬۵۰۰ تومان", "شارژ کیف پول", "receipt-42"} {
		if !contains(fa.Body, want) {
			t.Errorf("Persian wallet page lacks %q", want)
		}
	}
	if !strings.Contains(fa.Body, `data-testid="ledger"`) {
		t.Error("the wallet page shows no ledger")
	}
	en := c.get("/wallet?lang=en")
	for _, want := range []string{"12,500 toman", "Top-up"} {
		if !contains(en.Body, want) {
			t.Errorf("English wallet page lacks %q", want)
		}
	}
	if _, err := a.Wallet.TopUp(context.Background(), u.ID, 0, "x"); err == nil {
		t.Error("a zero top-up was accepted")
	}
}
