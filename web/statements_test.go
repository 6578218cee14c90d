package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/proto"

	"abrak/calendar"
	"abrak/testkit"
	"abrak/views/i18n"
)

// The monthly statement: the balance the month opened with, its top-ups, each
// VM's hours summed, refunds, and the closing balance, which is the opening
// plus everything listed; in the Jalali month for fa and the calendar month
// for en, on a printable page and on the API.
func TestMonthlyStatement(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	ctx := context.Background()
	ana := newVMCustomer(t, a, "ana@example.com", startBalanceRials)
	bob := newVMCustomer(t, a, "bob@example.com", startBalanceRials)
	// The first top-up was forty days ago: it is the month's opening balance.
	if _, err := a.DB.W.Exec(`UPDATE ledger SET created_at = unixepoch() - 40*86400`); err != nil {
		t.Fatal(err)
	}
	one := orderVM(t, a, ana, "one", "web-one")
	two := orderVM(t, a, ana, "two", "web-two")
	for i := 0; i < 3; i++ {
		if _, err := a.DB.Credit(ctx, ana.id, -starterPriceRials, "hourly", one); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.DB.Credit(ctx, ana.id, starterPriceRials, "refund", two); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Wallet.TopUp(ctx, ana.id, 200_000, "bank-77"); err != nil {
		t.Fatal(err)
	}
	closing := a.User(t, ana.email).BalanceRials

	type line struct{ Amount int64 }
	type statement struct {
		Month    string `json:"month"`
		Calendar string `json:"calendar"`
		Opening  int64  `json:"opening_balance"`
		Closing  int64  `json:"closing_balance"`
		TopUps   []line `json:"topups"`
		Refunds  []line `json:"refunds"`
		Charges  []struct {
			UUID   string `json:"vm_uuid"`
			Name   string `json:"vm_name"`
			Hours  int    `json:"hours"`
			Amount int64  `json:"amount"`
		} `json:"charges"`
	}
	for _, jalali := range []bool{false, true} {
		m := calendar.At(time.Now(), jalali)
		r := a.APICall(t, http.MethodGet, "/api/v1/billing/statements/"+m.String(), ana.token, "")
		testkit.MustStatus(t, "statement "+m.String(), r, http.StatusOK)
		st := testkit.Decode[struct{ Statement statement }](t, r).Statement
		if st.Opening != startBalanceRials || st.Closing != closing {
			t.Errorf("%s: opening %d, closing %d; want %d and %d", m, st.Opening, st.Closing, startBalanceRials, closing)
		}
		sum := st.Opening
		for _, l := range append(st.TopUps, st.Refunds...) {
			sum += l.Amount
		}
		for _, c := range st.Charges {
			sum -= c.Amount
		}
		if sum != st.Closing {
			t.Errorf("%s: opening plus everything listed is %d, the closing balance %d", m, sum, st.Closing)
		}
		if len(st.Charges) != 2 || st.Charges[0].UUID != one || st.Charges[0].Hours != 4 || st.Charges[0].Amount != 4*starterPriceRials ||
			st.Charges[0].Name != "web-one" || st.Charges[1].Hours != 1 {
			t.Errorf("%s: charges by VM %+v; want web-one 4 hours (its order and 3 more), web-two 1", m, st.Charges)
		}
		if want := map[bool]string{true: "jalali", false: "gregorian"}[jalali]; st.Calendar != want || len(st.TopUps) != 1 || len(st.Refunds) != 1 {
			t.Errorf("%s: calendar %s, %d top-ups, %d refunds", m, st.Calendar, len(st.TopUps), len(st.Refunds))
		}
	}
	r := a.APICall(t, http.MethodGet, "/api/v1/billing/statements/2026-13", ana.token, "")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"month"`) {
		t.Errorf("month 2026-13: %d %s, want 422 naming the month", r.Status, r.Body)
	}
	r = a.APICall(t, http.MethodGet, "/api/v1/billing/statements/"+calendar.At(time.Now(), false).String(), bob.token, "")
	if strings.Contains(r.Body, one) || strings.Contains(r.Body, "bank-77") {
		t.Error("another customer's statement shows Ana's VMs or top-ups")
	}

	c := a.Client(t)
	c.SignIn(ana.email, testkit.Password)
	r = c.Get("/wallet/statements?lang=fa")
	jm := calendar.At(time.Now(), true)
	if r.Status != http.StatusSeeOther || r.Location() != "/wallet/statements/"+jm.String() {
		t.Fatalf("the Persian statements link: %d → %q, want this Jalali month", r.Status, r.Location())
	}
	page := c.Get(r.Location())
	for _, want := range []string{i18n.T(i18n.FA, "statement.title", "month", i18n.MonthName(i18n.FA, jm.Year, jm.Number, true)),
		"web-one", i18n.Money(i18n.FA, closing), `data-print`} {
		if !testkit.Contains(page.Body, want) {
			t.Errorf("the Persian statement lacks %q", want)
		}
	}
	gm := calendar.At(time.Now(), false)
	page = c.Get("/wallet/statements/" + gm.String() + "?lang=en")
	if !testkit.Contains(page.Body, "Statement for "+time.Now().UTC().Format("January 2006")) || !testkit.Contains(page.Body, "Opening balance") {
		t.Errorf("the English statement is not for this calendar month\n%s", testkit.Trim(page.Body))
	}
	// The wallet and the VM page name things, not slugs or ids.
	if w := c.Get("/wallet?lang=en"); !strings.Contains(w.Body, "data-ledger-vm") || !testkit.Contains(w.Body, "web-one") || strings.Contains(w.Body, ">"+one[:8]+"<") {
		t.Error("the wallet's rows do not name the VMs they are about")
	}
	if vp := c.Get("/vms/" + one + "?lang=fa"); !testkit.Contains(vp.Body, "آغازین") || strings.Contains(vp.Body, ">starter<") {
		t.Error("the VM page shows the plan's slug, not its Persian name")
	}
	if r = c.Get("/wallet/statements/13-2026"); r.Status != http.StatusNotFound {
		t.Errorf("a statement page for a month that is none: %d, want 404", r.Status)
	}
}

// The statement page reads on a phone in Persian and on a desktop in English,
// and prints without the panel's header and navigation.
func TestStatementInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	ana := newVMCustomer(t, a, "ana@example.com", startBalanceRials)
	one := orderVM(t, a, ana, "one", "وب یک")
	if _, err := a.DB.Credit(context.Background(), ana.id, -starterPriceRials, "hourly", one); err != nil {
		t.Fatal(err)
	}
	for _, run := range []struct {
		lang  string
		phone bool
	}{{"fa", true}, {"en", false}} {
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
		p.SignIn(run.lang, ana.email)
		p.Open("/wallet")
		p.Click(`[data-testid=statements-link]`, `[data-testid=statement-charges]`)
		size := "desktop"
		if run.phone {
			p.AtPhoneSize()
			size = "phone"
		}
		p.SaveScreenshot("statement-" + run.lang + "-" + size)
		if err := (proto.EmulationSetEmulatedMedia{Media: "print"}).Call(p.Page); err != nil {
			t.Fatal(err)
		}
		if shown := p.MustEval(`() => getComputedStyle(document.querySelector("header")).display !== "none" ||
			getComputedStyle(document.querySelector("nav")).display !== "none"`).Bool(); shown {
			t.Errorf("%s: the printed statement still shows the panel's header or navigation", run.lang)
		}
		p.SaveScreenshot("statement-" + run.lang + "-print")
	}
}
