package web

import (
	"strings"

	"github.com/labstack/echo/v4"

	"abrak/handlers"
	"abrak/services"
)

// browserRoutes is every route a browser uses, by resource. The VM handlers
// also answer the API's routes (routes_api.go): each reads its input and
// renders its answer for the door the request came through.
func browserRoutes(e *echo.Echo, h *handlers.Handlers, cfg Config) {
	// Static files carry no session.
	e.GET("/static/*", staticFiles())
	// The provider's logo, favicon and accent stylesheet: public, no session.
	e.GET("/brand/logo", h.BrandLogo)
	e.GET("/brand/favicon", h.BrandFavicon)
	e.GET("/brand/theme.css", h.BrandTheme)

	// The session group: the session, whom it acts for, the language and CSRF.
	app := e.Group("", loadSession(h.Sessions), identify(h.Sessions, h.Accounts), locale(userLocale, cfg.SecureCookies), csrf(cfg.SecureCookies, cfg.CSRFKey, h.Sessions))
	// The signed-in group: visitors are sent to sign in.
	in := app.Group("", requireUser)
	// Each group registers a catch-all; without this line the signed-in group's
	// would send anonymous visitors of an unknown path to sign in, not to a 404.
	app.RouteNotFound("/*", echo.NotFoundHandler)

	// The landing page, and the language a visitor picks.
	app.GET("/", h.Home)
	app.POST("/lang", h.SetLanguage)

	// Signing in, up and out; two-factor; a forgotten password; the address's confirmation.
	app.GET("/signin", h.SignInForm)
	app.POST("/signin", h.SignIn)
	app.GET("/signin/2fa", h.SecondFactorForm)
	app.POST("/signin/2fa", h.SecondFactor)
	app.GET("/signup", h.SignUpForm)
	app.POST("/signup", h.SignUp)
	app.POST("/signout", h.SignOut)
	app.GET("/forgot-password", h.ForgotPasswordForm)
	app.POST("/forgot-password", h.ForgotPassword)
	app.GET("/reset-password", h.ResetPasswordForm)
	app.POST("/reset-password", h.ResetPassword)
	app.GET("/verify-email", h.VerifyEmail)

	// The API's docs page: public, in the session group so a signed-in reader
	// gets the dashboard (the document it is drawn from is in routes_api.go).
	app.GET("/docs/api", h.APIDocs)

	// VMs: the list, the order form, the page and its forms.
	in.GET("/vms", h.ListVMs)
	in.GET("/vms/new", h.NewVMForm)
	in.POST("/vms/new/ssh-keys", h.AddKeyInOrder)
	in.POST("/vms", h.CreateVM)
	in.GET("/vms/:uuid", h.GetVM)
	in.POST("/vms/:uuid/rename", h.RenameVM)
	in.POST("/vms/:uuid/hostname", h.SetHostname)
	in.POST("/vms/:uuid/password", h.SetPassword)
	in.POST("/vms/:uuid/power/:action", h.PowerVM)
	in.POST("/vms/:uuid/delete", h.DeleteVM)
	in.POST("/vms/:uuid/restore", h.RestoreVM)
	in.POST("/vms/:uuid/resize", h.ResizeVM)
	in.POST("/vms/:uuid/snapshots", h.CreateSnapshot)
	in.POST("/vms/:uuid/snapshots/:name/revert", h.RevertSnapshot)
	in.POST("/vms/:uuid/snapshots/:name/delete", h.DeleteSnapshot)
	in.POST("/vms/:uuid/backups", h.CreateBackup)
	in.POST("/vms/:uuid/backups/enabled", h.SetBackups)
	in.POST("/vms/:uuid/alerts", h.AddAlert)
	in.POST("/vms/:uuid/alerts/:id/delete", h.RemoveAlert)
	in.POST("/vms/:uuid/backups/:id/restore", h.RestoreBackup)
	in.POST("/vms/:uuid/backups/:id/delete", h.DeleteBackup)
	in.POST("/vms/:uuid/rebuild", h.RebuildVM)
	in.POST("/vms/:uuid/boot", h.BootVM)

	// The console: the dashboard's page and its Reconnect tickets.
	in.GET("/vms/:uuid/console", h.ConsolePage)
	in.GET("/vms/:uuid/graphs", h.VMGraphs)
	in.POST("/vms/:uuid/console/ticket", h.ConsoleTicket)
	// The page and websocket a ticket opens carry no session: the ticket is the
	// credential, so they need no cookie and no CSRF token. The page loads a
	// session only so its error page can be drawn like any other; the websocket
	// answers its refusals itself and must not have one wrapped around a
	// connection it hijacks.
	noUser := func(echo.Context) string { return "" }
	lang := locale(noUser, strings.HasPrefix(h.BaseURL, "https://"))
	e.GET("/console/:ticket", h.TicketConsolePage, loadSession(h.Sessions), lang)
	e.GET("/console/ws/:ticket", h.ConsoleWS, lang)

	// The wallet: top-ups and monthly statements.
	in.GET("/wallet", h.Wallet)
	in.POST("/wallet/topup", h.StartTopUp)
	in.GET("/wallet/statements", h.Statements)
	in.GET("/wallet/statements/:month", h.Statement)
	// Signed in or not: the handler sends a visitor whose session ended to sign in and back.
	app.GET(services.TopUpCallbackPath, h.TopUpCallback)

	// The activity log.
	in.GET("/activity", h.Activity)

	// The account: password, address, profile, closing it, sessions, two-factor.
	in.GET("/account", h.Account)
	in.POST("/account/password", h.ChangePassword)
	in.POST("/account/verify-email", h.ResendVerification)
	in.POST("/account/profile", h.UpdateProfile)
	in.POST("/account/close", h.CloseAccount)
	in.POST("/account/sessions/:id/end", h.EndSession)
	in.POST("/account/sessions/end-others", h.EndOtherSessions)
	in.POST("/account/2fa/start", h.StartTOTP)
	in.POST("/account/2fa/confirm", h.ConfirmTOTP)
	in.POST("/account/2fa/disable", h.DisableTOTP)

	// API tokens.
	in.GET("/tokens", h.TokensPage)
	in.POST("/tokens", h.CreateToken)
	in.POST("/tokens/:id/revoke", h.RevokeToken)

	// SSH keys.
	in.GET("/ssh-keys", h.SSHKeysPage)
	in.POST("/ssh-keys", h.AddSSHKey)
	in.POST("/ssh-keys/:id/delete", h.DeleteSSHKey)

	// Webhooks: endpoints, their deliveries, a test event, a delivery sent again.
	in.GET("/webhooks", h.WebhooksPage)
	in.POST("/webhooks", h.AddWebhook)
	in.GET("/webhooks/:id", h.WebhookPage)
	in.POST("/webhooks/:id/test", h.TestWebhook)
	in.POST("/webhooks/:id/enabled", h.SetWebhookEnabled)
	in.POST("/webhooks/:id/delete", h.DeleteWebhook)
	in.POST("/webhooks/:id/deliveries/:delivery/redeliver", h.RedeliverWebhook)

	// Teams: the one the session works in, switching, members and invitations.
	in.GET("/team", h.TeamPage)
	in.POST("/team", h.CreateTeam)
	in.POST("/team/switch", h.SwitchTeam)
	in.POST("/team/invitations", h.InviteToTeam)
	in.POST("/team/invitations/:id/revoke", h.RevokeTeamInvitation)
	in.POST("/team/members/:id/role", h.SetTeamRole)
	in.POST("/team/members/:id/remove", h.RemoveTeamMember)
	// An invitation's link is opened before signing in too.
	app.GET("/invitations/:secret", h.InvitationPage)
	in.POST("/invitations/:secret/accept", h.AcceptInvitation)

	// The operator's pages (routes_admin_pages.go): on the session group, so that
	// a visitor gets the 404 a customer gets, not the sign-in page.
	adminPageRoutes(app, h)
}
