package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"abrak/views/i18n"
)

// LangCookie remembers a browser's language before and after sign-in.
const LangCookie = "abrak_lang"

// SetLanguage is POST /lang, the language switch: the choice is remembered in a
// cookie and, for a signed-in customer, on the account; then the page the switch
// was on comes back in that language. (A GET with ?lang= changes one page and
// the cookie, never the account: a GET writes nothing.)
func (h *Handlers) SetLanguage(c echo.Context) error {
	l, ok := i18n.Parse(c.FormValue("lang"))
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "unknown language")
	}
	c.SetCookie(&http.Cookie{Name: LangCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode})
	if p, ok := PrincipalOf(c); ok && p.TokenID == 0 {
		if err := h.Accounts.SetLocale(c.Request().Context(), p.Person(), string(l)); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, LocalURL(c.FormValue("next")))
}

// AskedLocale is the language a request asks for by itself, before any account
// is known: ?lang, then the cookie, then Accept-Language (which alone speaks
// for the API).
func AskedLocale(c echo.Context) i18n.Locale {
	if !apiDoor(c) {
		if l, ok := i18n.Parse(c.QueryParam("lang")); ok {
			return l
		}
		if ck, err := c.Cookie(LangCookie); err == nil {
			if l, ok := i18n.Parse(ck.Value); ok {
				return l
			}
		}
	}
	return i18n.Match(c.Request().Header.Get("Accept-Language"))
}

// LocalURL keeps only the path and query of raw, and only when the path is this
// site's own: "//evil.example/x" or "/\evil.example" would leave it (browsers
// read both as another host), and become "/".
func LocalURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" || u.Path[0] != '/' || len(u.Path) > 1 && (u.Path[1] == '/' || u.Path[1] == '\\') ||
		strings.ContainsAny(u.Path, "\\\r\n") {
		return "/"
	}
	out := (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String()
	if strings.HasPrefix(out, "//") {
		return "/"
	}
	return out
}
