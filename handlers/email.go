package handlers

import (
	"net/http"

	"github.com/a-h/templ"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// The pages that mail makes possible: "forgot password", the reset link's
// page, the verification link and sending it again.

func (h *Handlers) ForgotPasswordForm(c echo.Context) error {
	return render(c, http.StatusOK, views.ForgotPasswordPage(h.shell(c, "auth.forgot_title", ""),
		views.ForgotView{MailEnabled: h.Accounts.MailEnabled()}))
}

func (h *Handlers) ForgotPassword(c echo.Context) error {
	email := c.FormValue("email")
	v := views.ForgotView{MailEnabled: h.Accounts.MailEnabled(), Email: email}
	if err := h.Accounts.RequestPasswordReset(c.Request().Context(), email, c.RealIP()); err != nil {
		f, status, err := formFor(c, err, formValues(c, "email"))
		if err != nil {
			return err
		}
		v.Form = f
		return render(c, status, views.ForgotPasswordPage(h.shell(c, "auth.forgot_title", ""), v))
	}
	v.Sent = true
	return render(c, http.StatusOK, views.ForgotPasswordPage(h.shell(c, "auth.forgot_title", ""), v))
}

// ResetPasswordForm and ResetPassword show the reset link's token (in the
// address and in the form), which opens the account for 30 minutes: no cache
// may keep their pages.
func (h *Handlers) ResetPasswordForm(c echo.Context) error {
	noStore(c)
	token := c.QueryParam("token")
	if err := h.Accounts.CheckResetLink(c.Request().Context(), token); err != nil {
		return h.linkInvalid(c, views.ResetPasswordPage(h.shell(c, "auth.reset_title", ""), views.ResetView{Invalid: true}))
	}
	return render(c, http.StatusOK, views.ResetPasswordPage(h.shell(c, "auth.reset_title", ""), views.ResetView{Token: token}))
}

func (h *Handlers) ResetPassword(c echo.Context) error {
	noStore(c)
	ctx := c.Request().Context()
	token := c.FormValue("token")
	err := h.Accounts.ResetPassword(ctx, token, c.FormValue("password"), c.FormValue("confirm"), c.RealIP())
	if e := services.AsError(err); err != nil && e.Key == "mail.link_invalid" {
		return h.linkInvalid(c, views.ResetPasswordPage(h.shell(c, "auth.reset_title", ""), views.ResetView{Invalid: true}))
	}
	if err != nil {
		f, status, err := formFor(c, err, nil)
		if err != nil {
			return err
		}
		return render(c, status, views.ResetPasswordPage(h.shell(c, "auth.reset_title", ""), views.ResetView{Form: f, Token: token}))
	}
	// Every session of the account has ended, this browser's included.
	if err := h.Sessions.Destroy(ctx); err != nil {
		return err
	}
	h.flash(c, "auth.password_reset_done")
	return redirect(c, "/signin")
}

// linkInvalid answers a link that no longer works: 410 Gone, with the page
// that says so and where to get another.
func (h *Handlers) linkInvalid(c echo.Context, page templ.Component) error {
	return render(c, http.StatusGone, page)
}

func (h *Handlers) VerifyEmail(c echo.Context) error {
	_, err := h.Accounts.VerifyEmail(c.Request().Context(), c.QueryParam("token"))
	if e := services.AsError(err); err != nil && e.Key == "mail.link_invalid" {
		return h.linkInvalid(c, views.LinkInvalidPage(h.shell(c, "auth.verify_title", "")))
	}
	if err != nil {
		return err
	}
	h.flash(c, "mail.verified")
	if _, ok := PrincipalOf(c); ok {
		return redirect(c, "/vms")
	}
	return redirect(c, "/signin")
}

// ResendVerification sends the link again; refused (too many letters), the
// account page answers with the reason in the banner, beside its button.
func (h *Handlers) ResendVerification(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if err := h.Accounts.ResendVerification(c.Request().Context(), p); err != nil {
		f, status, err := formFor(c, err, nil)
		if err != nil {
			return err
		}
		v, err := h.accountView(c)
		if err != nil {
			return err
		}
		s := h.shell(c, "nav.account", "account")
		s.Resend = f
		return render(c, status, views.AccountPage(s, v))
	}
	h.flash(c, "mail.verification_sent")
	return redirect(c, "/vms")
}
