package handlers

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

func (h *Handlers) accountView(c echo.Context) (views.AccountView, error) {
	p, _ := PrincipalOf(c)
	u, err := h.Accounts.User(c.Request().Context(), p.Person())
	if err != nil {
		return views.AccountView{}, err
	}
	v := views.AccountView{Name: u.Name, Email: u.Email, TOTPEnabled: u.TOTPEnabled, Locale: string(LocaleOf(c)),
		Profile: views.Form{Values: map[string]string{"name": u.Name}}}
	sessions, err := h.Accounts.Sessions(c.Request().Context(), p, h.Sessions.GetString(c.Request().Context(), SessionIDKey))
	if err != nil {
		return v, err
	}
	for _, s := range sessions {
		v.Sessions = append(v.Sessions, views.SessionRow{ID: s.ID, IP: s.IP, Device: deviceOf(s.UserAgent), CreatedAt: s.CreatedAt, LastSeen: s.LastSeen, Current: s.Current})
	}
	return v, nil
}

func (h *Handlers) accountPage(c echo.Context, status int, v views.AccountView) error {
	return render(c, status, views.AccountPage(h.shell(c, "nav.account", "account"), v))
}

func (h *Handlers) Account(c echo.Context) error {
	v, err := h.accountView(c)
	if err != nil {
		return err
	}
	return h.accountPage(c, http.StatusOK, v)
}

// accountRefused shows the account page again with a refused form's messages in
// the section set names; errors that are not about the input go to the error handler.
func (h *Handlers) accountRefused(c echo.Context, err error, set func(*views.AccountView, views.Form)) error {
	f, status, err := formFor(c, err, nil)
	if err != nil {
		return err
	}
	v, err := h.accountView(c)
	if err != nil {
		return err
	}
	set(&v, f)
	return h.accountPage(c, status, v)
}

func (h *Handlers) ChangePassword(c echo.Context) error {
	p, _ := PrincipalOf(c)
	err := h.Accounts.ChangePassword(c.Request().Context(), p, c.FormValue("current"), c.FormValue("password"), c.FormValue("confirm"))
	if err != nil {
		return h.accountRefused(c, err, func(v *views.AccountView, f views.Form) { v.Password = f })
	}
	if err := h.continueAlone(c, p); err != nil {
		return err
	}
	h.flash(c, "account.password_changed")
	return redirect(c, "/account")
}

// continueAlone goes on in this browser under a new token and record after
// every other session of the account has ended (and their consoles with them);
// this browser's consoles go on with it.
func (h *Handlers) continueAlone(c echo.Context, p services.Principal) error {
	ctx := c.Request().Context()
	if err := h.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	sid, err := h.Accounts.ContinueSession(ctx, p, c.RealIP(), c.Request().UserAgent())
	if err != nil {
		return err
	}
	h.putSession(c, p.Person(), sid)
	return nil
}

// enrolmentView embeds the QR code as a data URL: it is per-user and secret, so it is never a cacheable URL.
func (h *Handlers) enrolmentView(c echo.Context, v *views.AccountView, begin bool) error {
	p, _ := PrincipalOf(c)
	ctx := c.Request().Context()
	en, err := h.Accounts.PendingTOTP(ctx, p)
	if begin {
		en, err = h.Accounts.BeginTOTP(ctx, p)
	}
	if err != nil {
		return err
	}
	v.Enrolment = &views.TOTPEnrolmentView{Secret: en.Secret, QRURL: "data:image/png;base64," + base64.StdEncoding.EncodeToString(en.QRPNG)}
	return nil
}

func (h *Handlers) StartTOTP(c echo.Context) error {
	v, err := h.accountView(c)
	if err != nil {
		return err
	}
	if err := h.enrolmentView(c, &v, true); err != nil {
		return err
	}
	return h.accountPage(c, http.StatusOK, v)
}

func (h *Handlers) ConfirmTOTP(c echo.Context) error {
	p, _ := PrincipalOf(c)
	codes, err := h.Accounts.ConfirmTOTP(c.Request().Context(), p, digitsValue(c, "code"))
	v, verr := h.accountView(c)
	if verr != nil {
		return verr
	}
	if err != nil {
		f, status, err := formFor(c, err, nil)
		if err != nil {
			return err
		}
		v.TOTP = f
		if err := h.enrolmentView(c, &v, false); err != nil {
			return err
		}
		return h.accountPage(c, status, v)
	}
	v.RecoveryCodes = codes
	return h.accountPage(c, http.StatusOK, v)
}

func (h *Handlers) DisableTOTP(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if err := h.Accounts.DisableTOTP(c.Request().Context(), p, c.FormValue("password")); err != nil {
		return h.accountRefused(c, err, func(v *views.AccountView, f views.Form) { v.TOTP = f })
	}
	h.flash(c, "account.totp_disabled")
	return redirect(c, "/account")
}

// APIAccount is GET /api/v1/account.
func (h *Handlers) APIAccount(c echo.Context) error {
	p, _ := PrincipalOf(c)
	u, err := h.Accounts.Profile(c.Request().Context(), p)
	if err != nil {
		return err
	}
	body := apiAccount{
		Email: u.Email, Name: u.Name, BalanceRials: u.BalanceRials, BalanceToman: float64(u.BalanceRials) / 10,
		BurnRialsPerHour: u.BurnRials, EmailVerified: u.EmailVerified, CreatedAt: u.CreatedAt.UTC().Format(time.RFC3339),
	}
	if hours, burning := u.HoursLeft(); burning {
		body.HoursLeft = &hours
	}
	return c.JSON(http.StatusOK, map[string]apiAccount{"account": body})
}

// UpdateProfile saves the name and language; the language cookie follows.
func (h *Handlers) UpdateProfile(c echo.Context) error {
	p, _ := PrincipalOf(c)
	locale := c.FormValue("locale")
	if err := h.Accounts.UpdateProfile(c.Request().Context(), p, c.FormValue("name"), locale); err != nil {
		return h.accountRefused(c, err, func(v *views.AccountView, f views.Form) {
			f.Values = formValues(c, "name")
			v.Profile = f
		})
	}
	c.SetCookie(&http.Cookie{Name: LangCookie, Value: locale, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode})
	h.flash(c, "account.profile_saved")
	return redirect(c, "/account")
}

// CloseAccount closes the account and ends this session with it.
func (h *Handlers) CloseAccount(c echo.Context) error {
	p, _ := PrincipalOf(c)
	ctx := c.Request().Context()
	if err := h.Accounts.CloseAccount(ctx, p, c.FormValue("password"), c.FormValue("confirm_email")); err != nil {
		return h.accountRefused(c, err, func(v *views.AccountView, f views.Form) {
			f.Values = formValues(c, "confirm_email")
			v.Close = f
		})
	}
	if err := h.Sessions.Destroy(ctx); err != nil {
		return err
	}
	h.flash(c, "account.closed")
	return redirect(c, "/signin")
}

// EndSession signs one of the customer's other browsers out.
func (h *Handlers) EndSession(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return services.NotFound()
	}
	if err := h.Accounts.EndSession(c.Request().Context(), p, id); err != nil {
		return err
	}
	h.flash(c, "account.session_ended")
	return redirect(c, "/account#sessions")
}

// EndOtherSessions signs every other browser out; this one goes on under a new token.
func (h *Handlers) EndOtherSessions(c echo.Context) error {
	p, _ := PrincipalOf(c)
	ctx := c.Request().Context()
	if err := h.Accounts.EndAllSessions(ctx, p); err != nil {
		return err
	}
	if err := h.continueAlone(c, p); err != nil {
		return err
	}
	h.flash(c, "account.sessions_ended")
	return redirect(c, "/account#sessions")
}

// deviceOf names a browser from its User-Agent, in a few words.
func deviceOf(ua string) string {
	browser := ""
	for _, b := range []struct{ token, name string }{{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"}} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, o := range []struct{ token, name string }{{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + ", " + system
	case browser != "" || system != "":
		return browser + system
	case len(ua) > 40:
		return ua[:40] + "…"
	}
	return ua
}
