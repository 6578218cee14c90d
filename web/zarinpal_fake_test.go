package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"abrak/app"
	"abrak/services"
)

// fakeZarinpal is a local server speaking Zarinpal's payment gateway API v4 as
// its documentation describes it (zarinpal.com/docs/paymentGateway/connectToGateway,
// …/errorList): POST /pg/v4/payment/request.json answers an authority (code 100)
// or a refusal (-9 validation, -10 bad merchant); GET /pg/StartPay/{authority} is
// the page the customer pays on, whose "pay" and "cancel" links send them to the
// callback with Status=OK or NOK, as the real page does; POST
// /pg/v4/payment/verify.json answers 100 (paid), 101 (verified before), -50 (the
// amount differs), -51 (not paid) or -54 (no such authority).
type fakeZarinpal struct {
	*httptest.Server
	merchant string

	mu       sync.Mutex
	payments map[string]*fakePayment
	n        int
	verifies int
	// answer, when set, answers request.json and verify.json instead of the
	// gateway's own logic: a gateway having a bad day (an HTML error page,
	// broken JSON, a code of its own).
	answer http.HandlerFunc
}

type fakePayment struct {
	amount   int64
	callback string
	paid     bool
	verified bool
	refID    int64
}

const fakeMerchant = "1344b5d4-0048-11e8-94db-005056a205be"

func newFakeZarinpal(t *testing.T) *fakeZarinpal {
	z := &fakeZarinpal{merchant: fakeMerchant, payments: map[string]*fakePayment{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /pg/v4/payment/request.json", z.answered(z.request))
	mux.HandleFunc("POST /pg/v4/payment/verify.json", z.answered(z.verify))
	mux.HandleFunc("GET /pg/StartPay/{authority}", z.startPay)
	mux.HandleFunc("GET /pg/pay/{authority}", z.pay)
	z.Server = httptest.NewServer(mux)
	t.Cleanup(z.Close)
	return z
}

// gateway is the panel's side of it, as an operator would configure it.
func (z *fakeZarinpal) gateway(merchant string) func(*app.Config) {
	return func(c *app.Config) {
		c.Gateway = &services.Zarinpal{Merchant: merchant, APIBase: z.URL + "/pg/v4/payment", PayBase: z.URL + "/pg/StartPay"}
	}
}

// answered is h unless the test set an answer of its own.
func (z *fakeZarinpal) answered(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		z.mu.Lock()
		a := z.answer
		z.mu.Unlock()
		if a != nil {
			a(w, r)
			return
		}
		h(w, r)
	}
}

// answerWith makes every request.json and verify.json answer as a does; nil
// gives the gateway its own logic back.
func (z *fakeZarinpal) answerWith(a http.HandlerFunc) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.answer = a
}

// requests is how many payments the gateway has handed out authorities for.
func (z *fakeZarinpal) requests() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.n
}

func zpRefusal(w http.ResponseWriter, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"data": []any{}, "errors": map[string]any{"code": code, "message": message, "validations": []any{}}})
}

func zpData(w http.ResponseWriter, data map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"data": data, "errors": []any{}})
}

func (z *fakeZarinpal) request(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Merchant    string `json:"merchant_id"`
		Amount      int64  `json:"amount"`
		Currency    string `json:"currency"`
		CallbackURL string `json:"callback_url"`
		Description string `json:"description"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.CallbackURL == "" || in.Description == "" || in.Amount < 10_000 {
		zpRefusal(w, -9, "The input params invalid, validation error.")
		return
	}
	if in.Merchant != z.merchant {
		zpRefusal(w, -10, "Terminal is not valid, please check merchant_id or ip address.")
		return
	}
	z.mu.Lock()
	z.n++
	authority := fmt.Sprintf("A%035d", z.n)
	z.payments[authority] = &fakePayment{amount: in.Amount, callback: in.CallbackURL}
	z.mu.Unlock()
	zpData(w, map[string]any{"code": 100, "message": "Success", "authority": authority, "fee_type": "Merchant", "fee": 0})
}

func (z *fakeZarinpal) startPay(w http.ResponseWriter, r *http.Request) {
	a := r.PathValue("authority")
	z.mu.Lock()
	p, ok := z.payments[a]
	z.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	cancel := p.callback + "?" + url.Values{"Authority": {a}, "Status": {"NOK"}}.Encode()
	fmt.Fprintf(w, `<!doctype html><title>Zarinpal (test)</title><p>%d rials</p>
<a id="pay" href="/pg/pay/%s">pay</a> <a id="cancel" href="%s">cancel</a>`, p.amount, a, html.EscapeString(cancel))
}

// pay is the customer paying on the gateway's page: the money is taken and they
// are sent back to the callback.
func (z *fakeZarinpal) pay(w http.ResponseWriter, r *http.Request) {
	a := r.PathValue("authority")
	z.mu.Lock()
	p, ok := z.payments[a]
	if ok {
		p.paid = true
	}
	z.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	http.Redirect(w, r, p.callback+"?"+url.Values{"Authority": {a}, "Status": {"OK"}}.Encode(), http.StatusFound)
}

func (z *fakeZarinpal) verify(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Merchant  string `json:"merchant_id"`
		Amount    int64  `json:"amount"`
		Authority string `json:"authority"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Authority == "" {
		zpRefusal(w, -9, "The input params invalid, validation error.")
		return
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	z.verifies++
	p, ok := z.payments[in.Authority]
	switch {
	case in.Merchant != z.merchant:
		zpRefusal(w, -10, "Terminal is not valid, please check merchant_id or ip address.")
	case !ok:
		zpRefusal(w, -54, "Invalid authority.")
	case p.amount != in.Amount:
		zpRefusal(w, -50, "Session is not valid, amounts values is not the same.")
	case !p.paid:
		zpRefusal(w, -51, "Session is not valid, session is not active paid try.")
	case p.verified:
		zpData(w, map[string]any{"code": 101, "message": "Verified", "ref_id": p.refID, "card_pan": "502229******5995", "fee_type": "Merchant", "fee": 0})
	default:
		p.verified = true
		p.refID = 201_000_000 + int64(len(z.payments))*7
		zpData(w, map[string]any{"code": 100, "message": "Paid", "ref_id": p.refID, "card_pan": "502229******5995",
			"card_hash": strings.Repeat("a", 64), "fee_type": "Merchant", "fee": 0})
	}
}

// payment is what the fake holds for an authority (a copy).
func (z *fakeZarinpal) payment(a string) fakePayment {
	z.mu.Lock()
	defer z.mu.Unlock()
	return *z.payments[a]
}

func (z *fakeZarinpal) set(a string, f func(*fakePayment)) {
	z.mu.Lock()
	defer z.mu.Unlock()
	f(z.payments[a])
}
