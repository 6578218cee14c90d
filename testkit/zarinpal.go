package testkit

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

// Zarinpal is a local server speaking Zarinpal's payment gateway API v4 as
// its documentation describes it (zarinpal.com/docs/paymentGateway/connectToGateway,
// …/errorList): POST /pg/v4/payment/request.json answers an authority (code 100)
// or a refusal (-9 validation, -10 bad merchant); GET /pg/StartPay/{authority} is
// the page the customer pays on, whose "pay" and "cancel" links send them to the
// callback with Status=OK or NOK, as the real page does; POST
// /pg/v4/payment/verify.json answers 100 (paid), 101 (verified before), -50 (the
// amount differs), -51 (not paid) or -54 (no such authority).
type Zarinpal struct {
	*httptest.Server
	merchant string

	mu       sync.Mutex
	payments map[string]*ZarinpalPayment
	n        int
	verifies int
	// answer, when set, answers request.json and verify.json instead of the
	// gateway's own logic: a gateway having a bad day (an HTML error page,
	// broken JSON, a code of its own).
	answer http.HandlerFunc
}

// ZarinpalPayment is what the gateway holds of one payment: its amount in
// rials, where the customer is sent back to, whether it was paid and verified,
// and the reference it was verified with.
type ZarinpalPayment struct {
	Amount   int64
	Callback string
	Paid     bool
	Verified bool
	RefID    int64
}

// ZarinpalMerchant is the gateway's one merchant (Zarinpal's documented sandbox id).
const ZarinpalMerchant = "1344b5d4-0048-11e8-94db-005056a205be"

// NewZarinpal starts the gateway on loopback, stopped when the test ends; its
// merchant is ZarinpalMerchant.
func NewZarinpal(t *testing.T) *Zarinpal {
	z := &Zarinpal{merchant: ZarinpalMerchant, payments: map[string]*ZarinpalPayment{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /pg/v4/payment/request.json", z.answered(z.request))
	mux.HandleFunc("POST /pg/v4/payment/verify.json", z.answered(z.verify))
	mux.HandleFunc("GET /pg/StartPay/{authority}", z.startPay)
	mux.HandleFunc("GET /pg/pay/{authority}", z.pay)
	z.Server = httptest.NewServer(mux)
	t.Cleanup(z.Close)
	return z
}

// Gateway is the panel's side of it, as an operator would configure it.
func (z *Zarinpal) Gateway(merchant string) func(*app.Config) {
	return func(c *app.Config) {
		c.Gateway = &services.Zarinpal{Merchant: merchant, APIBase: z.URL + "/pg/v4/payment", PayBase: z.URL + "/pg/StartPay"}
	}
}

// answered is h unless the test set an answer of its own.
func (z *Zarinpal) answered(h http.HandlerFunc) http.HandlerFunc {
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

// AnswerWith makes every request.json and verify.json answer as a does; nil
// gives the gateway its own logic back.
func (z *Zarinpal) AnswerWith(a http.HandlerFunc) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.answer = a
}

// Requests is how many payments the gateway has handed out authorities for.
func (z *Zarinpal) Requests() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.n
}

// Verifications is how many times the gateway was asked whether a payment was made.
func (z *Zarinpal) Verifications() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.verifies
}

// ZarinpalRefusal answers as the gateway refuses a request: its error code
// and message, no data.
func ZarinpalRefusal(w http.ResponseWriter, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"data": []any{}, "errors": map[string]any{"code": code, "message": message, "validations": []any{}}})
}

func zpData(w http.ResponseWriter, data map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"data": data, "errors": []any{}})
}

func (z *Zarinpal) request(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Merchant    string `json:"merchant_id"`
		Amount      int64  `json:"amount"`
		Currency    string `json:"currency"`
		CallbackURL string `json:"callback_url"`
		Description string `json:"description"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.CallbackURL == "" || in.Description == "" || in.Amount < 10_000 {
		ZarinpalRefusal(w, -9, "The input params invalid, validation error.")
		return
	}
	if in.Merchant != z.merchant {
		ZarinpalRefusal(w, -10, "Terminal is not valid, please check merchant_id or ip address.")
		return
	}
	z.mu.Lock()
	z.n++
	authority := fmt.Sprintf("A%035d", z.n)
	z.payments[authority] = &ZarinpalPayment{Amount: in.Amount, Callback: in.CallbackURL}
	z.mu.Unlock()
	zpData(w, map[string]any{"code": 100, "message": "Success", "authority": authority, "fee_type": "Merchant", "fee": 0})
}

func (z *Zarinpal) startPay(w http.ResponseWriter, r *http.Request) {
	a := r.PathValue("authority")
	z.mu.Lock()
	p, ok := z.payments[a]
	z.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	cancel := p.Callback + "?" + url.Values{"Authority": {a}, "Status": {"NOK"}}.Encode()
	fmt.Fprintf(w, `<!doctype html><title>Zarinpal (test)</title><p>%d rials</p>
<a id="pay" href="/pg/pay/%s">pay</a> <a id="cancel" href="%s">cancel</a>`, p.Amount, a, html.EscapeString(cancel))
}

// pay is the customer paying on the gateway's page: the money is taken and they
// are sent back to the callback.
func (z *Zarinpal) pay(w http.ResponseWriter, r *http.Request) {
	a := r.PathValue("authority")
	z.mu.Lock()
	p, ok := z.payments[a]
	if ok {
		p.Paid = true
	}
	z.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	http.Redirect(w, r, p.Callback+"?"+url.Values{"Authority": {a}, "Status": {"OK"}}.Encode(), http.StatusFound)
}

func (z *Zarinpal) verify(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Merchant  string `json:"merchant_id"`
		Amount    int64  `json:"amount"`
		Authority string `json:"authority"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Authority == "" {
		ZarinpalRefusal(w, -9, "The input params invalid, validation error.")
		return
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	z.verifies++
	p, ok := z.payments[in.Authority]
	switch {
	case in.Merchant != z.merchant:
		ZarinpalRefusal(w, -10, "Terminal is not valid, please check merchant_id or ip address.")
	case !ok:
		ZarinpalRefusal(w, -54, "Invalid authority.")
	case p.Amount != in.Amount:
		ZarinpalRefusal(w, -50, "Session is not valid, amounts values is not the same.")
	case !p.Paid:
		ZarinpalRefusal(w, -51, "Session is not valid, session is not active paid try.")
	case p.Verified:
		zpData(w, map[string]any{"code": 101, "message": "Verified", "ref_id": p.RefID, "card_pan": "502229******5995", "fee_type": "Merchant", "fee": 0})
	default:
		p.Verified = true
		p.RefID = 201_000_000 + int64(len(z.payments))*7
		zpData(w, map[string]any{"code": 100, "message": "Paid", "ref_id": p.RefID, "card_pan": "502229******5995",
			"card_hash": strings.Repeat("a", 64), "fee_type": "Merchant", "fee": 0})
	}
}

// Payment is what the fake holds for an authority (a copy).
func (z *Zarinpal) Payment(a string) ZarinpalPayment {
	z.mu.Lock()
	defer z.mu.Unlock()
	return *z.payments[a]
}

// Set changes what the gateway holds for the payment of authority a, as a
// payment made or verified behind the panel's back.
func (z *Zarinpal) Set(a string, f func(*ZarinpalPayment)) {
	z.mu.Lock()
	defer z.mu.Unlock()
	f(z.payments[a])
}
