package web

import (
	"github.com/labstack/echo/v4"

	"abrak/handlers"
)

// tokenRoutes are the dashboard pages for API tokens and SSH keys (signed-in group).
func tokenRoutes(in *echo.Group, h *handlers.Handlers) {
	in.GET("/tokens", h.TokensPage)
	in.POST("/tokens", h.CreateToken)
	in.POST("/tokens/:id/revoke", h.RevokeToken)
	in.GET("/ssh-keys", h.SSHKeysPage)
	in.POST("/ssh-keys", h.AddSSHKey)
	in.POST("/ssh-keys/:id/delete", h.DeleteSSHKey)
}

// apiAccountRoutes are the API's account and SSH key endpoints (the /api/v1 group).
func apiAccountRoutes(api *echo.Group, h *handlers.Handlers) {
	api.GET("/account", h.APIAccount)
	api.GET("/ssh-keys", h.APISSHKeys)
	api.POST("/ssh-keys", h.APICreateSSHKey)
	api.GET("/ssh-keys/:id", h.APISSHKey)
	api.DELETE("/ssh-keys/:id", h.APIDeleteSSHKey)
	api.POST("/billing/topups", h.StartTopUp)
	api.GET("/billing/topups/:id", h.APITopUp)
	api.GET("/billing/statements/:month", h.APIStatement)
}
