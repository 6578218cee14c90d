package web_test

import (
	"abrak/testkit"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"abrak/calendar"
	"abrak/store"
	"abrak/views/i18n"
)

// backupRials is an hour of the statement tests' backups (20 % of starter's hour).
const backupRials = starterPriceRials / 5

// statementWithBackups is ana's month: "web-one" ordered and charged three
// hours more, each with its backups beside it; "web-two" one hour, no backups.
func statementWithBackups(t *testing.T) (*testkit.App, vmCustomer, string, string) {
	t.Helper()
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	ctx := context.Background()
	ana := newVMCustomer(t, a, "ana@example.com", startBalanceRials)
	one := orderVM(t, a, ana, "one", "web-one")
	two := orderVM(t, a, ana, "two", "web-two")
	for range 3 {
		if _, err := a.DB.Credit(ctx, ana.id, -starterPriceRials, "hourly", one); err != nil {
			t.Fatal(err)
		}
		if _, err := a.DB.Credit(ctx, ana.id, -backupRials, store.LedgerBackups, one); err != nil {
			t.Fatal(err)
		}
	}
	return a, ana, one, two
}

// Each VM's backups are charged beside its hours: the statement shows them
// apart and in the VM's total, the API's amount is the VM's whole charge with
// backups as its part, and the month still adds up (opening, plus top-ups,
// minus each VM's amount, is the closing balance).
func TestTheStatementShowsEachVMsBackupsBesideItsHours(t *testing.T) {
	a, ana, one, two := statementWithBackups(t)
	m := calendar.At(time.Now(), false)
	r := a.APICall(t, http.MethodGet, "/api/v1/billing/statements/"+m.String(), ana.token, "")
	testkit.MustStatus(t, "statement", r, http.StatusOK)
	type charge struct {
		UUID    string `json:"vm_uuid"`
		Hours   int    `json:"hours"`
		Amount  int64  `json:"amount"`
		Backups int64  `json:"backups"`
	}
	st := testkit.Decode[struct {
		Statement struct {
			Opening int64                           `json:"opening_balance"`
			Closing int64                           `json:"closing_balance"`
			Totals  struct{ TopUps, Charges int64 } `json:"totals"`
			Charges []charge                        `json:"charges"`
		}
	}](t, r).Statement
	want := []charge{{one, 4, 4*starterPriceRials + 3*backupRials, 3 * backupRials}, {two, 1, starterPriceRials, 0}}
	if len(st.Charges) != 2 || st.Charges[0] != want[0] || st.Charges[1] != want[1] {
		t.Errorf("charges %+v, want %+v", st.Charges, want)
	}
	sum := st.Opening + st.Totals.TopUps
	for _, c := range st.Charges {
		sum -= c.Amount
	}
	if sum != st.Closing || st.Totals.Charges != want[0].Amount+want[1].Amount {
		t.Errorf("the month does not add up: opening %d + top-ups %d - charges = %d, closing %d; total charges %d",
			st.Opening, st.Totals.TopUps, sum, st.Closing, st.Totals.Charges)
	}

	c := a.Client(t)
	c.SignIn(ana.email, testkit.Password)
	for _, l := range []i18n.Locale{i18n.FA, i18n.EN} {
		page := c.Get("/wallet/statements/" + calendar.At(time.Now(), l == i18n.FA).String() + "?lang=" + string(l))
		money := func(r int64) string { return i18n.Money(l, r) }
		row := regexp.MustCompile(`(?s)<tr data-vm="` + one + `">.*?</tr>`).FindString(page.Body)
		for _, want := range []string{i18n.T(l, "statement.backups"), i18n.T(l, "statement.vm_total")} {
			if !testkit.Contains(page.Body, want) {
				t.Errorf("%s: the statement has no column %q", l, want)
			}
		}
		for _, want := range []string{money(4 * starterPriceRials), money(3 * backupRials), money(4*starterPriceRials + 3*backupRials)} {
			if !testkit.Contains(row, want) {
				t.Errorf("%s: web-one's row lacks %q:\n%s", l, want, row)
			}
		}
		if !testkit.Contains(page.Body, money(st.Totals.Charges)) || !testkit.Contains(page.Body, money(st.Closing)) {
			t.Errorf("%s: the summary's charges (%s) or closing balance is not the month's", l, money(st.Totals.Charges))
		}
		if row := regexp.MustCompile(`(?s)<tr data-vm="` + two + `">.*?</tr>`).FindString(page.Body); !strings.Contains(row, "—") {
			t.Errorf("%s: web-two, without backups, does not say so:\n%s", l, row)
		}
	}
	if w := c.Get("/wallet?lang=en"); !testkit.Contains(w.Body, i18n.T(i18n.EN, "wallet.kind.backups")) {
		t.Error("the wallet's ledger does not name the backups' rows")
	}
}

// The statement's backups column in Chromium, in Persian and English, on a
// desktop (a column beside the hours) and a phone (each VM a card, the
// backups labelled), in the language's digits, without sideways scrolling.
func TestTheStatementsBackupsColumnInTheBrowser(t *testing.T) {
	a, ana, one, two := statementWithBackups(t)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
		p.SignIn(string(lang), ana.email)
		for _, size := range []string{"desktop", "phone"} {
			name := string(lang) + "-" + size
			p.Open("/wallet/statements/" + calendar.At(time.Now(), lang == i18n.FA).String())
			if size == "phone" {
				p.AtPhoneSize()
			} else {
				p.AtDesktopSize()
			}
			p.WantLangDir(string(lang), lang.Dir())
			cell := func(vm, testid string) (text, label string) {
				v := p.MustEval(`(vm, id) => { const td = document.querySelector('[data-testid=statement-charges] tr[data-vm="' + vm + '"] [data-testid="' + id + '"]');
					return [td.textContent.trim(), td.dataset.label || ""]; }`, vm, testid).Arr()
				return v[0].Str(), v[1].Str()
			}
			for _, c := range []struct {
				testid, want, label string
			}{
				{"charge-hours", i18n.Money(lang, 4*starterPriceRials), T("statement.hours_amount")},
				{"charge-backups", i18n.Money(lang, 3*backupRials), T("statement.backups")},
				{"charge-total", i18n.Money(lang, 4*starterPriceRials+3*backupRials), T("statement.vm_total")},
			} {
				text, label := cell(one, c.testid)
				if text != c.want || label != c.label {
					t.Errorf("%s: web-one's %s reads %q labelled %q, want %q labelled %q", name, c.testid, text, label, c.want, c.label)
				}
				if lang == i18n.FA && (asciiDigitRe.MatchString(text) || !persianDigitRe.MatchString(text)) ||
					lang == i18n.EN && (persianDigitRe.MatchString(text) || !asciiDigitRe.MatchString(text)) {
					t.Errorf("%s: %q is not in the language's digits", name, text)
				}
			}
			if text, _ := cell(two, "charge-backups"); text != "—" {
				t.Errorf("%s: web-two's backups read %q, want —", name, text)
			}
			if size == "desktop" {
				// Beside the hours: the same row, the next column after them (toward the line's end).
				x := p.MustEval(`(vm) => ['charge-hours', 'charge-backups'].map(id =>
					document.querySelector('[data-testid=statement-charges] tr[data-vm="' + vm + '"] [data-testid="' + id + '"]').getBoundingClientRect().x)`, one).Arr()
				if hours, backups := x[0].Num(), x[1].Num(); lang == i18n.FA && backups >= hours || lang == i18n.EN && backups <= hours {
					t.Errorf("%s: the backups column is not after the hours' in the reading direction (x %v and %v)", name, hours, backups)
				}
			}
			p.SaveScreenshot("statement-backups-" + name)
		}
	}
}
