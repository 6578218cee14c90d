package web

import (
	"github.com/labstack/echo/v4"

	"abrak/handlers"
)

// vmPageRoutes are the dashboard's VM pages and forms (signed-in group). The
// same handlers answer the API's routes below: each reads its input and
// renders its answer for the door the request came through.
func vmPageRoutes(in *echo.Group, h *handlers.Handlers) {
	in.GET("/vms", h.ListVMs)
	in.GET("/vms/new", h.NewVMForm)
	in.POST("/vms", h.CreateVM)
	in.GET("/vms/:uuid", h.GetVM)
	in.POST("/vms/:uuid/rename", h.RenameVM)
	in.POST("/vms/:uuid/hostname", h.SetHostname)
	in.POST("/vms/:uuid/password", h.SetPassword)
	in.POST("/vms/:uuid/power/:action", h.PowerVM)
	in.POST("/vms/:uuid/delete", h.DeleteVM)
	in.POST("/vms/:uuid/resize", h.ResizeVM)
	in.POST("/vms/:uuid/snapshots", h.CreateSnapshot)
	in.POST("/vms/:uuid/snapshots/:name/revert", h.RevertSnapshot)
	in.POST("/vms/:uuid/snapshots/:name/delete", h.DeleteSnapshot)
	in.POST("/vms/:uuid/rebuild", h.RebuildVM)
	in.POST("/vms/:uuid/boot", h.BootVM)
}

// vmAPIRoutes are the VM endpoints of the JSON API (the /api/v1 group).
func vmAPIRoutes(api *echo.Group, h *handlers.Handlers) {
	api.GET("/vms", h.ListVMs)
	api.POST("/vms", h.CreateVM)
	api.GET("/vms/:uuid", h.GetVM)
	api.PATCH("/vms/:uuid", h.RenameVM)
	api.DELETE("/vms/:uuid", h.DeleteVM)
	api.POST("/vms/:uuid/power/:action", h.PowerVM)
	api.POST("/vms/:uuid/security/password", h.SetPassword)
	api.POST("/vms/:uuid/security/hostname", h.SetHostname)
	api.GET("/vms/:uuid/actions", h.VMActions)
	api.POST("/vms/:uuid/resize", h.ResizeVM)
	api.GET("/vms/:uuid/snapshots", h.VMSnapshots)
	api.POST("/vms/:uuid/snapshots", h.CreateSnapshot)
	api.POST("/vms/:uuid/snapshots/:name/revert", h.RevertSnapshot)
	api.DELETE("/vms/:uuid/snapshots/:name", h.DeleteSnapshot)
	api.POST("/vms/:uuid/rebuild", h.RebuildVM)
	api.POST("/vms/:uuid/boot", h.BootVM)
	api.GET("/actions/:id", h.GetAction)
	api.GET("/plans", h.Plans)
	api.GET("/os-templates", h.OSTemplates)
	api.GET("/isos", h.ISOs)
	api.GET("/regions", h.Regions)
}
