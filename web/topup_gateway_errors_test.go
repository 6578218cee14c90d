package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"abrak/app"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
)

// closedPort is an address nothing listens on: a gateway that is down.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// lastTopUpID is the newest top-up of the customer's.
func lastTopUpID(t *testing.T, a *testkit.App, userID int64) int64 {
	t.Helper()
	var id int64
	if err := a.DB.R.QueryRow(`SELECT id FROM topups WHERE user_id = ? ORDER BY id DESC LIMIT 1`, userID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// A gateway that is down or answers garbage: the customer sees a fixed
// sentence in their language (on the form, on the wallet's list, in the API,
// and when they come back from paying), never a transport error or the
// gateway's raw body, which go to the operator's log.
func TestAGatewayThatIsDownOrAnswersGarbageShowsAFixedMessage(t *testing.T) {
	t.Parallel()
	z := testkit.NewZarinpal(t)
	var logs testkit.LogBuffer
	down := func(c *app.Config) {
		c.Gateway = &services.Zarinpal{Merchant: testkit.ZarinpalMerchant, APIBase: "http://" + closedPort(t) + "/pg/v4/payment", PayBase: z.URL + "/pg/StartPay"}
	}
	broken := testkit.NewApp(t, down, testkit.WithLog(&logs), testkit.WithAPIRateLimit(1_000_000, 1_000_000))
	a := testkit.NewApp(t, z.Gateway(testkit.ZarinpalMerchant), testkit.WithLog(&logs), testkit.WithAPIRateLimit(1_000_000, 1_000_000))

	for _, bad := range []struct {
		name   string
		app    *testkit.App
		answer http.HandlerFunc
		raw    string // in the log, never before the customer
	}{
		{name: "down", app: broken, raw: "connection refused"},
		{name: "an HTML error page", app: a, raw: "nginx/1.24.0", answer: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html><head><title>502 Bad Gateway</title></head><body><center>nginx/1.24.0</center></body></html>")
		}},
		{name: "broken JSON", app: a, raw: "A00000000000000000000000000000000000", answer: func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"data": {"code": 100, "message": "Success", "authority": "A00000000000000000000000000000000000`)
		}},
		{name: "JSON without data", app: a, raw: "Internal error 0x7f", answer: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"data": [], "errors": [], "debug": "Internal error 0x7f"}`)
		}},
	} {
		t.Run(bad.name, func(t *testing.T) {
			z.AnswerWith(bad.answer)
			defer z.AnswerWith(nil)
			u := newVMCustomer(t, bad.app, strings.ReplaceAll(bad.name, " ", "-")+"@example.com", 0)
			c := bad.app.Client(t)
			c.SignIn(u.email, testkit.Password)
			// Words no customer should see: the transport's, the client's, the body's.
			raw := []string{bad.raw, "dial tcp", "zarinpal request.json", "not JSON", "without data", "HTTP 5", "<center>", "127.0.0.1:"}
			clean := func(where, body string) {
				t.Helper()
				for _, w := range raw {
					if strings.Contains(body, w) || testkit.Contains(body, w) {
						t.Errorf("%s shows %q", where, w)
					}
				}
			}
			for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
				want := i18n.T(lang, "wallet.reason.unreachable")
				c.Get("/wallet?lang=" + string(lang))
				r := c.Post("/wallet/topup", testkit.Form("amount", "20000"))
				if r.Status != http.StatusServiceUnavailable || !testkit.Contains(r.Body, want) {
					t.Errorf("%s: the form answered %d without %q", lang, r.Status, want)
				}
				clean(string(lang)+" form", r.Body)
				page := c.Get("/wallet")
				if !testkit.Contains(page.Body, want) {
					t.Errorf("%s: the wallet's list does not say %q of the failed top-up", lang, want)
				}
				clean(string(lang)+" wallet page", page.Body)

				r = bad.app.APICall(t, http.MethodPost, "/api/v1/billing/topups", u.token, `{"amount": 300000}`, "Accept-Language", string(lang))
				testkit.MustStatus(t, "API top-up", r, http.StatusServiceUnavailable)
				if e := testkit.APIErrorOf(t, r); e.Error.Message != want {
					t.Errorf("%s: the API says %q, want %q", lang, e.Error.Message, want)
				}
				clean(string(lang)+" API error", r.Body)
				r = bad.app.APICall(t, http.MethodGet, fmt.Sprintf("/api/v1/billing/topups/%d", lastTopUpID(t, bad.app, u.id)), u.token, "", "Accept-Language", string(lang))
				var body struct {
					TopUp struct {
						Status  string `json:"status"`
						Message string `json:"message"`
					} `json:"topup"`
				}
				json.Unmarshal([]byte(r.Body), &body)
				if body.TopUp.Status != "failed" || body.TopUp.Message != want {
					t.Errorf("%s: the API's failed top-up: %s", lang, r.Body)
				}
				clean(string(lang)+" API top-up", r.Body)
			}
			if !strings.Contains(logs.String(), bad.raw) {
				t.Errorf("the log lacks the gateway's failure (%q)", bad.raw)
			}
		})
	}

	// Coming back from paying while the gateway answers garbage: the payment
	// stays to be settled, the customer is told so in their words, and once
	// the gateway answers again it is credited.
	u := newVMCustomer(t, a, "back@example.com", 0)
	c := a.Client(t)
	c.SignIn(u.email, testkit.Password)
	callback := payOnGateway(t, z, startTopUp(t, c, z, "20000"))
	z.AnswerWith(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "<html><body>upstream verify-backend timed out</body></html>")
	})
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		c.Get("/wallet?lang=" + string(lang))
		r := c.Get(callback)
		if want := i18n.T(lang, "wallet.verify_unreachable"); r.Status != http.StatusServiceUnavailable || !testkit.Contains(r.Body, want) {
			t.Errorf("%s: back from paying while the gateway answers garbage: %d without %q", lang, r.Status, want)
		}
		if strings.Contains(r.Body, "verify-backend") {
			t.Errorf("%s: the gateway's body is shown", lang)
		}
	}
	if !strings.Contains(logs.String(), "verify-backend") {
		t.Error("the log lacks the verification's failure")
	}
	z.AnswerWith(nil)
	c.Get(callback)
	if b := a.User(t, u.email).BalanceRials; b != 200_000 {
		t.Errorf("balance %d once the gateway answers again, want 200,000", b)
	}
}

// A gateway that refuses with a code of its own: the codes Zarinpal documents
// are told in the customer's words; one it has not documented shows its own.
func TestAGatewaysRefusalIsToldInTheCustomersWords(t *testing.T) {
	t.Parallel()
	z := testkit.NewZarinpal(t)
	a := testkit.NewApp(t, z.Gateway(testkit.ZarinpalMerchant), testkit.WithAPIRateLimit(1_000_000, 1_000_000))
	wrong := testkit.NewApp(t, z.Gateway("not-the-merchant"))
	for _, refusal := range []struct {
		name          string
		app           *testkit.App
		code          int
		words         string
		key, message  string // what the customer is told
		notShownWords bool
	}{
		{name: "merchant", app: wrong, key: "wallet.reason.merchant", words: "Terminal is not valid", notShownWords: true},
		{name: "busy", app: a, code: -12, words: "To many attempts, please try again later.", key: "wallet.reason.busy", notShownWords: true},
		{name: "undocumented", app: a, code: -77, words: "Bank switch is in maintenance.", key: "wallet.gateway_refused", message: "Bank switch is in maintenance."},
	} {
		t.Run(refusal.name, func(t *testing.T) {
			if refusal.code != 0 {
				z.AnswerWith(func(w http.ResponseWriter, r *http.Request) { testkit.ZarinpalRefusal(w, refusal.code, refusal.words) })
				defer z.AnswerWith(nil)
			}
			u := newVMCustomer(t, refusal.app, refusal.name+"@example.com", 0)
			c := refusal.app.Client(t)
			c.SignIn(u.email, testkit.Password)
			for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
				var want string
				if refusal.message != "" {
					want = i18n.T(lang, refusal.key, "message", refusal.message)
				} else {
					want = i18n.T(lang, refusal.key)
				}
				c.Get("/wallet?lang=" + string(lang))
				r := c.Post("/wallet/topup", testkit.Form("amount", "20000"))
				if r.Status != http.StatusServiceUnavailable || !testkit.Contains(r.Body, want) {
					t.Errorf("%s: the form answered %d without %q", lang, r.Status, want)
				}
				if refusal.notShownWords && strings.Contains(r.Body, refusal.words) {
					t.Errorf("%s: the gateway's English for developers is shown: %q", lang, refusal.words)
				}
				r = refusal.app.APICall(t, http.MethodPost, "/api/v1/billing/topups", u.token, `{"amount": 300000}`, "Accept-Language", string(lang))
				if e := testkit.APIErrorOf(t, r); r.Status != http.StatusServiceUnavailable || e.Error.Message != want {
					t.Errorf("%s: the API answered %d %q, want %q", lang, r.Status, e.Error.Message, want)
				}
			}
		})
	}
}

// Top-ups that failed before the panel worded reasons kept the transport's
// error or the gateway's raw body as their message: after the upgrade the
// wallet shows them in the customer's words.
func TestTopUpsThatFailedBeforeTheUpgradeShowNoRawError(t *testing.T) {
	t.Parallel()
	z := testkit.NewZarinpal(t)
	// The file as the release before the reasons left it.
	n := store.MigrationNumber("_topup_reasons.sql")
	if n == 0 {
		t.Fatal("no migration words the top-ups' reasons")
	}
	path := filepath.Join(t.TempDir(), "abrak.db")
	if err := store.MigrateTo(context.Background(), path, n-1); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := services.HashPassword(testkit.Password)
	if err != nil {
		t.Fatal(err)
	}
	u := struct {
		ID    int64
		Email string
	}{Email: "before@example.com"}
	if err := raw.QueryRow(`INSERT INTO users (email, name, password_hash, email_verified_at, created_at, updated_at)
		VALUES (?, 'before', ?, 1, 1, 1) RETURNING id`, u.Email, hash).Scan(&u.ID); err != nil {
		t.Fatal(err)
	}
	for i, message := range []string{
		`zarinpal request.json: Post "http://127.0.0.1:9/pg/v4/payment/request.json": dial tcp 127.0.0.1:9: connect: connection refused`,
		`zarinpal request.json: HTTP 502, not JSON: <html><center>nginx/1.24.0</center></html>`,
		"cancelled",
	} {
		if _, err := raw.Exec(`INSERT INTO topups (user_id, gateway, amount_rials, status, message, created_at, updated_at)
			VALUES (?, 'zarinpal', ?, 'failed', ?, 1, 1)`, u.ID, 100_000+i*10, message); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	upgraded := testkit.NewApp(t, z.Gateway(testkit.ZarinpalMerchant), func(c *app.Config) { c.DBPath = path })
	c := upgraded.Client(t)
	c.SignIn(u.Email, testkit.Password)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		page := c.Get("/wallet?lang=" + string(lang))
		for _, raw := range []string{"connection refused", "nginx", "not JSON", "cancelled"} {
			if strings.Contains(page.Body, raw) {
				t.Errorf("%s: the wallet still shows %q", lang, raw)
			}
		}
		for _, key := range []string{"wallet.reason.unreachable", "wallet.reason.not_paid"} {
			if !testkit.Contains(page.Body, i18n.T(lang, key)) {
				t.Errorf("%s: the wallet does not say %q", lang, i18n.T(lang, key))
			}
		}
	}
}
