package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
	"abrak/views/i18n"
)

// rialsPerToman: the form takes toman, as customers count; the API takes rials.
const rialsPerToman = 10

// StartTopUp is POST /wallet/topup (amount in toman) and POST /api/v1/billing/topups
// (amount in rials): a payment is requested and the customer sent to pay it. The
// API answers 201, or 200 with the pending payment of the same amount it gave before.
func (h *Handlers) StartTopUp(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if apiDoor(c) {
		var body apiStartTopUp
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
		t, payURL, err := h.TopUps.Start(ctx, p, body.Amount)
		if err != nil {
			return err
		}
		setLocation(c, "/api/v1/billing/topups/"+strconv.FormatInt(t.ID, 10))
		status := http.StatusCreated
		if t.Reused {
			status = http.StatusOK
		}
		return c.JSON(status, apiTopUpBody{TopUp: topUpJSON(c, t, payURL)})
	}
	raw := c.FormValue("amount")
	toman, perr := strconv.ParseInt(i18n.LatinDigits(raw), 10, 64)
	if perr != nil || toman <= 0 {
		return h.walletPage(c, http.StatusUnprocessableEntity, views.Form{Values: map[string]string{"amount": raw},
			Errors: map[string]string{"amount": "wallet.topup_amount_range"}})
	}
	_, payURL, err := h.TopUps.Start(ctx, p, toman*rialsPerToman)
	if err != nil {
		f, status, ferr := formFor(c, err, map[string]string{"amount": raw})
		if ferr != nil {
			return ferr
		}
		return h.walletPage(c, status, f)
	}
	// Off to the gateway's own page: the one redirect that leaves the panel.
	return c.Redirect(http.StatusSeeOther, payURL)
}

// TopUpCallback is GET /wallet/topup/callback?Authority=…&Status=…, where the
// gateway sends the customer back. A visitor whose session ended signs in and
// comes back here, so a payment is never left unsettled for want of a cookie.
func (h *Handlers) TopUpCallback(c echo.Context) error {
	p, ok := PrincipalOf(c)
	if !ok {
		h.Sessions.Put(c.Request().Context(), sessReturnTo, c.Request().URL.RequestURI())
		return c.Redirect(http.StatusSeeOther, "/signin")
	}
	t, err := h.TopUps.Callback(c.Request().Context(), p, c.QueryParam("Authority"), c.QueryParam("Status"))
	if err != nil {
		return err
	}
	switch t.Status {
	case "paid":
		h.flash(c, "wallet.topup_paid")
	case "failed":
		h.flash(c, "wallet.topup_not_paid")
	default:
		h.flash(c, "wallet.topup_pending")
	}
	return redirect(c, "/wallet#topups")
}

// APITopUp is GET /api/v1/billing/topups/{id}.
func (h *Handlers) APITopUp(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return services.NotFound()
	}
	t, err := h.TopUps.Get(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiTopUpBody{TopUp: topUpJSON(c, t, "")})
}

// topUpJSON is a top-up as the API shows it, why it failed in the request's language.
func topUpJSON(c echo.Context, t services.TopUp, payURL string) apiTopUp {
	out := apiTopUp{ID: t.ID, Amount: t.AmountRials, VAT: t.VATRials, Total: t.AmountRials + t.VATRials, Status: t.Status, RefID: t.RefID,
		PayURL: payURL, CreatedAt: rfc3339(t.CreatedAt)}
	if t.Message != "" {
		out.Message = i18n.T(LocaleOf(c), t.Message, t.Args...)
	}
	return out
}
