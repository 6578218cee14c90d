package web

import (
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"abrak/handlers"
)

// apiRoutes is every customer's route of the JSON API under /api/v1, by
// resource. Each is documented in handlers/openapi.json; tests hold the two to
// each other. It returns the group, which the operator's door (routes_admin.go)
// shares: the same tokens and budgets.
func apiRoutes(e *echo.Echo, h *handlers.Handlers, cfg Config) *echo.Group {
	// A trailing slash on an API path is the same path: scripts written for
	// other providers send one. Before routing (a route is found by its path),
	// and only under /api/: the pages keep their one address each.
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{
		Skipper: func(c echo.Context) bool { return !strings.HasPrefix(c.Request().URL.Path, "/api/") },
	}))

	// The OpenAPI document is public: outside any session or token middleware.
	e.GET("/api/v1/openapi.json", h.OpenAPI)

	// Everything else: a bearer token and its budget (apiauth.go, ratelimit.go).
	api := apiGroup(e, h, h.Tokens, cfg.APIRateLimit)

	// VMs: reads, the order, and the operations on one.
	api.GET("/vms", h.ListVMs)
	api.POST("/vms", h.CreateVM)
	api.GET("/vms/:uuid", h.GetVM)
	api.PATCH("/vms/:uuid", h.UpdateVM)
	api.DELETE("/vms/:uuid", h.DeleteVM)
	api.POST("/vms/:uuid/restore", h.RestoreVM)
	api.POST("/vms/:uuid/power/:action", h.PowerVM)
	api.POST("/vms/:uuid/security/password", h.SetPassword)
	api.POST("/vms/:uuid/security/hostname", h.SetHostname)
	api.POST("/vms/:uuid/resize", h.ResizeVM)
	api.GET("/vms/:uuid/snapshots", h.VMSnapshots)
	api.POST("/vms/:uuid/snapshots", h.CreateSnapshot)
	api.POST("/vms/:uuid/snapshots/:name/revert", h.RevertSnapshot)
	api.DELETE("/vms/:uuid/snapshots/:name", h.DeleteSnapshot)
	api.GET("/vms/:uuid/backups", h.VMBackups)
	api.POST("/vms/:uuid/backups", h.CreateBackup)
	api.POST("/vms/:uuid/backups/:id/restore", h.RestoreBackup)
	api.DELETE("/vms/:uuid/backups/:id", h.DeleteBackup)
	api.POST("/vms/:uuid/rebuild", h.RebuildVM)
	api.POST("/vms/:uuid/boot", h.BootVM)
	api.GET("/vms/:uuid/metrics", h.VMMetrics)

	// The console: a ticket's link, for any browser to open once.
	api.POST("/vms/:uuid/console", h.APIConsole)

	// Actions: what an operation started, and how it ended.
	api.GET("/vms/:uuid/actions", h.VMActions)
	api.POST("/vms/:uuid/actions", h.RunVMAction)
	api.GET("/actions", h.ListActions)
	api.GET("/actions/:id", h.GetAction)

	// The catalog VMs are ordered from.
	api.GET("/plans", h.Plans)
	api.GET("/os-templates", h.OSTemplates)
	api.GET("/isos", h.ISOs)
	api.GET("/regions", h.Regions)

	// The account.
	api.GET("/account", h.APIAccount)

	// SSH keys.
	api.GET("/alerts", h.APIAlerts)
	api.POST("/alerts", h.APICreateAlert)
	api.DELETE("/alerts/:id", h.APIDeleteAlert)
	api.GET("/ssh-keys", h.APISSHKeys)
	api.POST("/ssh-keys", h.APICreateSSHKey)
	api.GET("/ssh-keys/:id", h.APISSHKey)
	api.DELETE("/ssh-keys/:id", h.APIDeleteSSHKey)
	// Webhooks: the account's endpoints and their deliveries.
	api.GET("/webhooks", h.APIWebhooks)
	api.POST("/webhooks", h.APICreateWebhook)
	api.GET("/webhooks/:id", h.APIWebhook)
	api.PATCH("/webhooks/:id", h.APIUpdateWebhook)
	api.DELETE("/webhooks/:id", h.APIDeleteWebhook)
	api.GET("/webhooks/:id/deliveries", h.APIWebhookDeliveries)
	api.POST("/webhooks/:id/deliveries/:delivery/redeliver", h.APIRedeliverWebhook)
	api.POST("/webhooks/:id/test", h.APITestWebhook)
	// The team a token works in; who belongs to it is changed in the browser.
	api.GET("/team", h.APITeam)
	api.GET("/team/members", h.APITeamMembers)
	api.GET("/team/invitations", h.APITeamInvitations)

	// Billing: top-ups and monthly statements.
	api.POST("/billing/topups", h.StartTopUp)
	api.GET("/billing/topups/:id", h.APITopUp)
	api.GET("/billing/statements/:month", h.APIStatement)
	return api
}
