package web_test

import (
	"strings"
	"testing"
	"time"

	"abrak/testkit"

	"github.com/pquerna/otp/totp"
)

// persian writes Latin digits as Persian ones (۰–۹), as a Persian keyboard types them.
func persian(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '۰' + (r - '0')
		}
		return r
	}, s)
}

// arabicIndic writes Latin digits as Arabic-Indic ones (٠–٩).
func arabicIndic(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '٠' + (r - '0')
		}
		return r
	}, s)
}

// Codes and numbers are accepted in the customer's digits: an authenticator
// code typed in Persian digits turns two-factor sign-in on, a recovery code
// in Arabic-Indic digits signs in, a token's custom lifetime in Persian
// digits is taken; and the fields offer a numeric keypad where only digits go.
func TestCodesInTheCustomersDigits(t *testing.T) {
	a := testkit.NewApp(t)
	const email = "digits@example.com"
	a.CreateUser(t, email, testkit.Password)
	p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
	p.Open("/signin?lang=fa")
	p.Fill(map[string]string{"#f-email": email, "#f-password": testkit.Password})
	p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)

	p.Open("/account")
	p.Click(`form[action="/account/2fa/start"] button`, `[data-testid=totp-secret]`)
	secret := strings.TrimSpace(p.MustElement(`[data-testid=totp-secret]`).MustText())
	field := p.MustElement(`form[action="/account/2fa/confirm"] input[name=code]`)
	if mode, _ := field.Attribute("inputmode"); mode == nil || *mode != "numeric" {
		t.Error("the authenticator code field does not offer a numeric keypad")
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	field.MustInput(persian(code))
	p.Click(`form[action="/account/2fa/confirm"] button`, `[data-testid=recovery-codes]`)
	recovery := strings.Fields(p.MustElement(`[data-testid=recovery-codes]`).MustText())[0]

	p.Open("/tokens")
	p.Fill(map[string]string{"#f-name": "ci"})
	p.MustElement(`input[name=scopes][value="vm:read"]`).MustClick()
	p.MustElement(`#f-expires`).MustSelect(expiryLabelText(t, p))
	p.MustElement(`#f-expires_days`).MustInput(persian("45"))
	p.Click(`form[action="/tokens"] button[type=submit]`, `[data-testid=token-secret]`)
	var expires int64
	if err := a.DB.R.QueryRow(`SELECT expires_at - created_at FROM api_tokens`).Scan(&expires); err != nil || expires != 45*86400 {
		t.Errorf("a lifetime of «۴۵» days gave %d s (%v), want 45 days", expires, err)
	}

	// The account page, with its sessions and the closing form, in both languages.
	for _, l := range []string{"fa", "en"} {
		p.Open("/account?lang=" + l)
		p.AtPhoneSize()
		if !p.MustElement(`[data-testid=this-session]`).MustVisible() || !p.MustElement(`[data-testid=close-form]`).MustVisible() {
			t.Errorf("%s: the account page does not show this session or the closing form", l)
		}
		p.SaveFullScreenshot("account-" + l + "-phone")
		p.AtDesktopSize()
	}
	p.Open("/account?lang=fa")
	p.Click(`[data-testid=signout]`, `form[action="/signin"]`)
	p.Fill(map[string]string{"#f-email": email, "#f-password": testkit.Password})
	p.Click(`form[action="/signin"] button[type=submit]`, `form[action="/signin/2fa"]`)
	p.Fill(map[string]string{"#f-code": arabicIndic(recovery)})
	p.Click(`form[action="/signin/2fa"] button`, `[data-testid=balance]`)
}

// expiryLabelText is the label of the token form's "custom" lifetime choice.
func expiryLabelText(t *testing.T, p *testkit.Tab) string {
	t.Helper()
	return p.MustElement(`#f-expires option[value=custom]`).MustText()
}
