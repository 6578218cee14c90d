package web

import (
	"github.com/labstack/echo/v4"

	"abrak/handlers"
)

// adminPageRoutes are the operator's pages, /admin, on the session group:
// the door (handlers.StaffDoor) answers a visitor or a customer 404 and sends a staff
// member without two-factor sign-in to set it up; each service behind them
// checks the staff role (services/staff.go).
func adminPageRoutes(app *echo.Group, h *handlers.Handlers) {
	admin := app.Group("/admin", h.StaffDoor)
	admin.GET("", h.AdminOverview)
	admin.GET("/customers", h.AdminCustomers)
	admin.GET("/customers/:id", h.AdminCustomer)
	admin.POST("/customers/:id/credit", h.AdminCredit)
	admin.POST("/customers/:id/suspend", h.AdminSuspend)
	admin.POST("/customers/:id/unsuspend", h.AdminUnsuspend)
	admin.POST("/customers/:id/reset-2fa", h.AdminResetTwoFactor)
	admin.POST("/customers/:id/resend-verification", h.AdminResendVerification)
	admin.POST("/customers/:id/role", h.AdminSetRole)
	admin.GET("/vms", h.AdminVMs)
	admin.POST("/vms/:uuid/lock", h.AdminLockVM)
	admin.POST("/vms/:uuid/unlock", h.AdminUnlockVM)
	admin.POST("/vms/:uuid/power", h.AdminPowerVM)
	admin.GET("/orders", h.AdminOrders)
	admin.POST("/orders/:uuid/retry", h.AdminRetryOrder)
	admin.POST("/orders/:uuid/cancel", h.AdminCancelOrder)
	admin.GET("/nodes", h.AdminNodes)
	admin.POST("/nodes", h.AdminAddNode)
	admin.POST("/nodes/:id/maintenance", h.AdminNodeMaintenance)
	admin.GET("/plans", h.AdminPlans)
	admin.POST("/plans", h.AdminCreatePlan)
	admin.POST("/plans/:slug/edit", h.AdminEditPlan)
	admin.POST("/plans/:slug/disable", h.AdminDisablePlan)
	admin.POST("/plans/:slug/enable", h.AdminEnablePlan)
	admin.GET("/regions", h.AdminRegions)
	admin.POST("/regions", h.AdminCreateRegion)
	admin.POST("/regions/names", h.AdminRenameRegion)
	admin.POST("/regions/:slug/disable", h.AdminDisableRegion)
	admin.POST("/regions/:slug/enable", h.AdminEnableRegion)
	admin.GET("/templates", h.AdminTemplates)
	admin.POST("/templates", h.AdminUploadTemplate)
	admin.POST("/templates/:slug/disable", h.AdminDisableTemplate)
	admin.POST("/templates/:slug/enable", h.AdminEnableTemplate)
	admin.GET("/pools", h.AdminPools)
	admin.POST("/pools", h.AdminCreatePool)
	admin.GET("/audit", h.AdminAudit)
	admin.GET("/audit.csv", h.AdminAuditCSV)
	admin.GET("/settings", h.AdminSettings)
	admin.POST("/settings/brand", h.AdminSetBrand)
	admin.POST("/settings/support-limits", h.AdminSetSupportLimits)
}
