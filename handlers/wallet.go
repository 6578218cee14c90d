package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
	"abrak/views/i18n"
)

// Wallet shows the balance, the top-up form and the customer's bills: charges,
// refunds, top-ups.
func (h *Handlers) Wallet(c echo.Context) error { return h.walletPage(c, http.StatusOK, views.Form{}) }

func (h *Handlers) walletPage(c echo.Context, status int, topUp views.Form) error {
	p, _ := PrincipalOf(c)
	limit, offset := paging(c, 50, 200)
	entries, total, err := h.Wallets.Ledger(c.Request().Context(), p, limit, offset)
	if err != nil {
		return err
	}
	v := views.WalletView{Pager: views.Pager{Total: total, Limit: limit, Offset: offset, Path: "/wallet"},
		TopUpForm: topUp, TopUpEnabled: h.TopUps.Enabled(), MinTopUpToman: services.MinTopUpRials / rialsPerToman, VATPercent: h.TopUps.VATPercent}
	recent, err := h.TopUps.Recent(c.Request().Context(), p, 10)
	if err != nil {
		return err
	}
	for _, t := range recent {
		v.TopUps = append(v.TopUps, views.TopUpRow{ID: t.ID, AmountRials: t.AmountRials, VATRials: t.VATRials, Status: t.Status, Message: t.Message, Args: t.Args,
			RefID: t.RefID, CardPAN: t.CardPAN, At: t.CreatedAt})
	}
	if u := userBarOf(c); u != nil {
		v.BalanceRials = u.BalanceRials
	}
	var refs []string
	for _, e := range entries {
		refs = append(refs, e.Ref)
	}
	names, err := h.Wallets.VMNames(c.Request().Context(), p, refs)
	if err != nil {
		return err
	}
	for _, e := range entries {
		kind := e.Kind
		if !i18n.Has("wallet.kind." + kind) {
			kind = "other" // an operator's own kind of entry
		}
		v.Entries = append(v.Entries, views.LedgerRow{Kind: kind, Ref: e.Ref, VMName: names[e.Ref], AmountRials: e.AmountRials, BalanceAfter: e.BalanceAfter, At: e.CreatedAt})
	}
	return render(c, status, views.WalletPage(h.shell(c, "nav.wallet", "wallet"), v))
}
