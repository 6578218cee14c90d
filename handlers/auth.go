package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

func (h *Handlers) SignInForm(c echo.Context) error {
	if _, ok := PrincipalOf(c); ok {
		return c.Redirect(http.StatusSeeOther, "/vms")
	}
	return render(c, http.StatusOK, views.SignInPage(h.shell(c, "auth.signin", ""), views.Form{}))
}

func (h *Handlers) SignIn(c echo.Context) error {
	ctx := c.Request().Context()
	res, err := h.Accounts.SignIn(ctx, c.FormValue("email"), c.FormValue("password"), c.RealIP())
	if err != nil {
		f, status, err := formFor(c, err, formValues(c, "email"))
		if err != nil {
			return err
		}
		return render(c, status, views.SignInPage(h.shell(c, "auth.signin", ""), f))
	}
	// A new token at every privilege change, so a token planted before sign-in is worthless.
	if err := h.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	if res.NeedsTOTP {
		h.Sessions.Put(ctx, sessPendingUserID, res.User.ID)
		return redirect(c, "/signin/2fa")
	}
	if err := h.beginSession(c, res.User.ID); err != nil {
		return err
	}
	return redirect(c, h.afterSignIn(ctx))
}

// afterSignIn is where a new session starts: the page that sent the visitor to
// sign in (sessReturnTo, local paths only), else the VM list.
func (h *Handlers) afterSignIn(ctx context.Context) string {
	if to := h.Sessions.PopString(ctx, sessReturnTo); to != "" {
		return LocalURL(to)
	}
	return "/vms"
}

func (h *Handlers) SecondFactorForm(c echo.Context) error {
	if h.Sessions.GetInt64(c.Request().Context(), sessPendingUserID) == 0 {
		return c.Redirect(http.StatusSeeOther, "/signin")
	}
	return render(c, http.StatusOK, views.SecondFactorPage(h.shell(c, "auth.totp_title", ""), views.Form{}))
}

func (h *Handlers) SecondFactor(c echo.Context) error {
	ctx := c.Request().Context()
	uid := h.Sessions.GetInt64(ctx, sessPendingUserID)
	if uid == 0 {
		return redirect(c, "/signin")
	}
	if err := h.Accounts.VerifySecondFactor(ctx, uid, digitsValue(c, "code"), c.RealIP()); err != nil {
		f, status, err := formFor(c, err, nil)
		if err != nil {
			return err
		}
		return render(c, status, views.SecondFactorPage(h.shell(c, "auth.totp_title", ""), f))
	}
	if err := h.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.Sessions.Remove(ctx, sessPendingUserID)
	if err := h.beginSession(c, uid); err != nil {
		return err
	}
	return redirect(c, h.afterSignIn(ctx))
}

func (h *Handlers) SignUpForm(c echo.Context) error {
	if _, ok := PrincipalOf(c); ok {
		return c.Redirect(http.StatusSeeOther, "/vms")
	}
	// An invitation's page sends here with the address it was sent to.
	f := views.Form{Values: map[string]string{"email": c.QueryParam("email")}}
	return render(c, http.StatusOK, views.SignUpPage(h.shell(c, "auth.signup", ""), f))
}

func (h *Handlers) SignUp(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := h.Accounts.SignUp(ctx, services.SignUpInput{
		Email: c.FormValue("email"), Name: c.FormValue("name"),
		Password: c.FormValue("password"), Confirm: c.FormValue("confirm"),
		Locale: string(LocaleOf(c)), IP: c.RealIP(),
	})
	if err != nil {
		f, status, err := formFor(c, err, formValues(c, "email", "name"))
		if err != nil {
			return err
		}
		return render(c, status, views.SignUpPage(h.shell(c, "auth.signup", ""), f))
	}
	if err := h.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	if err := h.beginSession(c, u.ID); err != nil {
		return err
	}
	h.flash(c, "auth.welcome")
	return redirect(c, h.afterSignIn(ctx))
}

func (h *Handlers) SignOut(c echo.Context) error {
	ctx := c.Request().Context()
	if p, ok := PrincipalOf(c); ok {
		if err := h.Accounts.SignOut(ctx, p); err != nil {
			return err
		}
	}
	if err := h.Sessions.Destroy(ctx); err != nil {
		return err
	}
	return redirect(c, "/signin")
}
