package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// tokenExpiry reads the expiry select (and the custom length in days) of the
// token form. Something unreadable becomes a negative duration, which the
// service refuses with its own message beside the field.
func tokenExpiry(choice, days string) time.Duration {
	const day = 24 * time.Hour
	switch choice {
	case "never":
		return 0
	case "custom":
		n, err := strconv.Atoi(strings.TrimSpace(days))
		if err != nil || n < 1 {
			return -1
		}
		return time.Duration(n) * day
	}
	if slices.Contains(views.TokenExpiryChoices, choice) {
		n, _ := strconv.Atoi(choice)
		return time.Duration(n) * day
	}
	return -1
}

func tokenRows(toks []services.Token, now time.Time) []views.TokenRow {
	rows := make([]views.TokenRow, 0, len(toks))
	for _, t := range toks {
		rows = append(rows, views.TokenRow{
			ID: t.ID, Name: t.Name, Prefix: services.TokenPrefix + t.Prefix, Scopes: t.Scopes,
			CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, LastUsedIP: t.LastUsedIP,
			Expired: t.Expired,
		})
	}
	return rows
}

// tokensPage renders the page around v, filling in the list.
func (h *Handlers) tokensPage(c echo.Context, status int, v views.TokensView) error {
	p, _ := PrincipalOf(c)
	toks, err := h.Tokens.List(c.Request().Context(), p)
	if err != nil {
		return err
	}
	v.Now = time.Now()
	v.Tokens = tokenRows(toks, v.Now)
	v.Scopes = services.ScopesFor(p.IsAdmin || p.IsStaff())
	return render(c, status, views.TokensPage(h.shell(c, "nav.tokens", "tokens"), v))
}

// TokensPage lists the customer's API tokens with the create form.
func (h *Handlers) TokensPage(c echo.Context) error {
	return h.tokensPage(c, http.StatusOK, views.TokensView{})
}

// CreateToken mints a token and shows its secret in this response only; the
// page is not cached, so Back does not bring the secret back either.
func (h *Handlers) CreateToken(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if err := c.Request().ParseForm(); err != nil {
		return err
	}
	scopes := c.Request().PostForm["scopes"]
	expires := tokenExpiry(c.FormValue("expires"), digitsValue(c, "expires_days"))
	secret, tok, err := h.Tokens.Create(c.Request().Context(), p, c.FormValue("name"), scopes, expires)
	if err != nil {
		f, status, err := formFor(c, err, formValues(c, "name", "expires", "expires_days"))
		if err != nil {
			return err
		}
		checked := map[string]bool{}
		for _, s := range scopes {
			checked[s] = true
		}
		return h.tokensPage(c, status, views.TokensView{Form: f, Checked: checked})
	}
	noStore(c)
	return h.tokensPage(c, http.StatusOK, views.TokensView{Created: &views.CreatedToken{Name: tok.Name, Secret: secret, BaseURL: h.publicURL(c)}})
}

// RevokeToken ends a token at once.
func (h *Handlers) RevokeToken(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.Tokens.Revoke(c.Request().Context(), p, id); err != nil {
		return err
	}
	h.flash(c, "tokens.revoked")
	return redirect(c, "/tokens")
}
