package services

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Gateway is a payment gateway a wallet is topped up through: it is asked for a
// payment (and names the page the customer pays on), and later says whether
// that payment was made. Zarinpal is the one there is; IDPay, NextPay or Stripe
// would stand beside it.
//
// Request's refusals are *GatewayError with a reason (one of TopUpReasons, or
// "" for a code the gateway has not documented). Verify answers without error
// only with a verdict: paid, or not paid with the reason; anything else (no
// answer, garbage, a refusal that says nothing of the payment, such as a
// merchant the gateway no longer knows) is an error, and the payment stays
// to be settled.
type Gateway interface {
	Name() string
	Request(ctx context.Context, r PaymentRequest) (authority, payURL string, err error)
	Verify(ctx context.Context, authority string, amountRials int64) (Verified, error)
}

// PaymentRequest is what a gateway is asked to collect.
type PaymentRequest struct {
	AmountRials int64
	CallbackURL string
	Description string
	Email       string
	OrderID     string
}

// Verified is a gateway's verdict on one payment.
type Verified struct {
	Paid    bool
	Code    int
	Reason  string // why it was not paid (one of TopUpReasons)
	Message string
	RefID   string
	CardPAN string
}

// GatewayError is a gateway's refusal: its code and words, and the reason the
// panel tells the customer. The words are written for the merchant's
// developers, in English: the customer sees them only for a code without a reason.
type GatewayError struct {
	Code    int
	Reason  string
	Message string
}

func (e *GatewayError) Error() string { return fmt.Sprintf("gateway code %d: %s", e.Code, e.Message) }

// zarinpalReasons are the codes of Zarinpal's error list (docs/paymentGateway/
// errorList) worded for customers. -51 (no paid try), -50 (another amount) and
// -54 (no such authority) are verdicts on a payment; the rest are about the
// merchant's terminal (-9 the request itself, -10 to -19, -30 to -35, -40,
// -53), the gateway's own state (-12 too many attempts; -52 its own failure).
var zarinpalReasons = map[int]string{
	-9: ReasonMerchant, -10: ReasonMerchant, -11: ReasonMerchant, -15: ReasonMerchant, -16: ReasonMerchant,
	-17: ReasonMerchant, -18: ReasonMerchant, -19: ReasonMerchant, -30: ReasonMerchant, -31: ReasonMerchant,
	-32: ReasonMerchant, -33: ReasonMerchant, -34: ReasonMerchant, -35: ReasonMerchant, -40: ReasonMerchant,
	-53: ReasonMerchant, -12: ReasonBusy, -52: ReasonUnreachable,
	-50: ReasonAmountDiffers, -51: ReasonNotPaid, -54: ReasonUnknownPayment,
}

// gatewayWords are a gateway's words as they may be shown: without control or
// direction characters, and not too long for a line of the wallet.
func gatewayWords(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\u200c' || r == '\u200d':
			return r
		case unicode.IsSpace(r):
			return ' '
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 160 {
		s = string(r[:160]) + "…"
	}
	return s
}

// Zarinpal speaks Zarinpal's payment gateway, API v4 (zarinpal.com/docs/paymentGateway/
// connectToGateway): POST {APIBase}/request.json gives an authority, the customer pays
// at {PayBase}/{authority} and comes back to the callback with ?Authority=…&Status=OK|NOK,
// and POST {APIBase}/verify.json with the same amount says code 100 (paid now) or 101
// (paid and verified before); negative codes are refusals (docs/paymentGateway/errorList).
// Amounts are sent in rials (currency IRR).
type Zarinpal struct {
	Merchant string
	// APIBase and PayBase default to Zarinpal's live endpoints; the sandbox or a
	// test server are other URLs.
	APIBase, PayBase string
	HTTP             *http.Client
}

// Zarinpal's live endpoints.
const (
	ZarinpalAPIBase = "https://payment.zarinpal.com/pg/v4/payment"
	ZarinpalPayBase = "https://payment.zarinpal.com/pg/StartPay"
)

func (z *Zarinpal) Name() string { return "zarinpal" }

// PayOrigin is the origin of the page customers pay on (scheme://host[:port]),
// which the panel's pages must let a form lead to.
func (z *Zarinpal) PayOrigin() string {
	pay := z.PayBase
	if pay == "" {
		pay = ZarinpalPayBase
	}
	if u, err := url.Parse(pay); err == nil && u.Scheme != "" && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	return ""
}

type zarinpalAnswer struct {
	Data   json.RawMessage `json:"data"`
	Errors json.RawMessage `json:"errors"`
}

type zarinpalData struct {
	Code      int             `json:"code"`
	Message   string          `json:"message"`
	Authority string          `json:"authority"`
	RefID     json.RawMessage `json:"ref_id"`
	CardPAN   string          `json:"card_pan"`
}

// call posts body to APIBase/path and decodes the answer: its data when the code
// is a success, else a GatewayError (Zarinpal sends a refusal as "errors": {code,
// message} with "data": []). Any other answer is an error that quotes the start
// of the body, for the operator's log.
func (z *Zarinpal) call(ctx context.Context, path string, body any) (zarinpalData, error) {
	var d zarinpalData
	b, err := json.Marshal(body)
	if err != nil {
		return d, err
	}
	base := z.APIBase
	if base == "" {
		base = ZarinpalAPIBase
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+"/"+path, bytes.NewReader(b))
	if err != nil {
		return d, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	client := z.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return d, fmt.Errorf("zarinpal %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return d, fmt.Errorf("zarinpal %s: %w", path, err)
	}
	var a zarinpalAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return d, fmt.Errorf("zarinpal %s: HTTP %d, not JSON: %.200s", path, resp.StatusCode, raw)
	}
	var refusal zarinpalData
	if len(a.Errors) > 0 && a.Errors[0] == '{' && json.Unmarshal(a.Errors, &refusal) == nil && refusal.Code != 0 {
		return d, zarinpalRefusal(refusal.Code, refusal.Message)
	}
	if len(a.Data) == 0 || a.Data[0] != '{' || json.Unmarshal(a.Data, &d) != nil {
		return d, fmt.Errorf("zarinpal %s: HTTP %d without data: %.200s", path, resp.StatusCode, raw)
	}
	return d, nil
}

// zarinpalRefusal is a refusal with its reason; one without words is named by its code.
func zarinpalRefusal(code int, message string) *GatewayError {
	words := gatewayWords(message)
	if words == "" {
		words = "code " + strconv.Itoa(code)
	}
	return &GatewayError{Code: code, Reason: zarinpalReasons[code], Message: words}
}

func (z *Zarinpal) Request(ctx context.Context, r PaymentRequest) (string, string, error) {
	meta := map[string]string{"order_id": r.OrderID}
	if r.Email != "" {
		meta["email"] = r.Email
	}
	d, err := z.call(ctx, "request.json", map[string]any{"merchant_id": z.Merchant, "amount": r.AmountRials, "currency": "IRR",
		"callback_url": r.CallbackURL, "description": r.Description, "metadata": meta})
	if err != nil {
		return "", "", err
	}
	if d.Code == 100 && d.Authority == "" {
		return "", "", fmt.Errorf("zarinpal request.json: code 100 without an authority")
	}
	if d.Code != 100 {
		return "", "", zarinpalRefusal(d.Code, d.Message)
	}
	pay := z.PayBase
	if pay == "" {
		pay = ZarinpalPayBase
	}
	return d.Authority, strings.TrimRight(pay, "/") + "/" + d.Authority, nil
}

func (z *Zarinpal) Verify(ctx context.Context, authority string, amountRials int64) (Verified, error) {
	d, err := z.call(ctx, "verify.json", map[string]any{"merchant_id": z.Merchant, "amount": amountRials, "authority": authority})
	if err == nil && d.Code != 100 && d.Code != 101 {
		err = zarinpalRefusal(d.Code, d.Message)
	}
	var ge *GatewayError
	if errors.As(err, &ge) && verdict(ge.Reason) {
		return Verified{Code: ge.Code, Reason: ge.Reason, Message: ge.Message}, nil
	}
	if err != nil {
		return Verified{}, err
	}
	ref := strings.Trim(string(d.RefID), `"`)
	if _, err := strconv.ParseInt(ref, 10, 64); err != nil && ref != "" {
		ref = ""
	}
	return Verified{Paid: true, Code: d.Code, Message: d.Message, RefID: ref, CardPAN: d.CardPAN}, nil
}
