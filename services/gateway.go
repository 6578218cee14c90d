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
)

// Gateway is a payment gateway a wallet is topped up through: it is asked for a
// payment (and names the page the customer pays on), and later says whether
// that payment was made. Zarinpal is the one there is; IDPay, NextPay or Stripe
// would stand beside it.
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

// Verified is a gateway's answer on one payment.
type Verified struct {
	Paid    bool
	Code    int
	Message string
	RefID   string
	CardPAN string
}

// GatewayError is a gateway's refusal, with its code and words (which the
// customer is shown: they name the card's or the merchant's problem).
type GatewayError struct {
	Code    int
	Message string
}

func (e *GatewayError) Error() string { return fmt.Sprintf("gateway code %d: %s", e.Code, e.Message) }

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
// message} with "data": []).
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
		return d, &GatewayError{Code: refusal.Code, Message: refusal.Message}
	}
	if len(a.Data) == 0 || a.Data[0] != '{' || json.Unmarshal(a.Data, &d) != nil {
		return d, fmt.Errorf("zarinpal %s: HTTP %d without data: %.200s", path, resp.StatusCode, raw)
	}
	return d, nil
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
	if d.Code != 100 || d.Authority == "" {
		return "", "", &GatewayError{Code: d.Code, Message: d.Message}
	}
	pay := z.PayBase
	if pay == "" {
		pay = ZarinpalPayBase
	}
	return d.Authority, strings.TrimRight(pay, "/") + "/" + d.Authority, nil
}

func (z *Zarinpal) Verify(ctx context.Context, authority string, amountRials int64) (Verified, error) {
	d, err := z.call(ctx, "verify.json", map[string]any{"merchant_id": z.Merchant, "amount": amountRials, "authority": authority})
	var ge *GatewayError
	if errors.As(err, &ge) {
		return Verified{Code: ge.Code, Message: ge.Message}, nil
	}
	if err != nil {
		return Verified{}, err
	}
	ref := strings.Trim(string(d.RefID), `"`)
	if _, err := strconv.ParseInt(ref, 10, 64); err != nil && ref != "" {
		ref = ""
	}
	return Verified{Paid: d.Code == 100 || d.Code == 101, Code: d.Code, Message: d.Message, RefID: ref, CardPAN: d.CardPAN}, nil
}
