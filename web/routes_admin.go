package web

import (
	"github.com/labstack/echo/v4"

	"abrak/handlers"
)

// adminRoutes is the operator's door: /api/v1/admin, on the API's group (a
// bearer token and its budget). Every service behind it requires an admin,
// and a token the admin scope. Documented in handlers/openapi.json under the
// admin tag, like the customers' routes.
func adminRoutes(api *echo.Group, h *handlers.Handlers) {
	admin := api.Group("/admin")

	// VMs: moved to another node of their region.
	admin.POST("/vms/:uuid/migrate", h.MigrateVM)
	admin.GET("/vms", h.APIAdminVMs)
	admin.POST("/vms/:uuid/lock", h.APIAdminLockVM)
	admin.POST("/vms/:uuid/unlock", h.APIAdminUnlockVM)
	admin.POST("/vms/:uuid/power/:action", h.APIAdminPowerVM)

	// The whole audit log: the audit page's filters and paging.
	admin.GET("/audit", h.APIAdminAudit)

	// Orders needing attention: waiting, retrying, refunded; retry now, cancel with a refund.
	admin.GET("/orders", h.APIAdminOrders)
	admin.POST("/orders/:uuid/retry", h.APIAdminRetryOrder)
	admin.POST("/orders/:uuid/cancel", h.APIAdminCancelOrder)

	// Nodes: maintenance (no new placements; customers see a notice).
	admin.POST("/nodes/:id/maintenance", h.APIAdminNodeMaintenance)

	// The catalog: plans, regions, OS templates and ISOs, address pools
	// (admin_plans.go, admin_regions.go, admin_templates.go, admin_pools.go).
	admin.GET("/plans", h.APIAdminPlans)
	admin.POST("/plans", h.APIAdminCreatePlan)
	admin.PATCH("/plans/:slug", h.APIAdminUpdatePlan)
	admin.GET("/regions", h.APIAdminRegions)
	admin.POST("/regions", h.APIAdminCreateRegion)
	admin.PATCH("/regions/:slug", h.APIAdminUpdateRegion)
	admin.GET("/templates", h.APIAdminTemplates)
	admin.POST("/templates", h.APIAdminUploadTemplate)
	admin.PATCH("/templates/:slug", h.APIAdminUpdateTemplate)
	admin.GET("/pools", h.APIAdminPools)
	admin.POST("/pools", h.APIAdminCreatePool)

	// Customers: the operator's pages' JSON twins (routes_admin_pages.go).
	admin.GET("/customers", h.APIAdminCustomers)
	admin.GET("/customers/:id", h.APIAdminCustomer)
	admin.POST("/customers/:id/credit", h.APIAdminCredit)
	admin.POST("/customers/:id/suspend", h.APIAdminSuspend)
	admin.POST("/customers/:id/unsuspend", h.APIAdminUnsuspend)
	admin.POST("/customers/:id/reset-2fa", h.APIAdminResetTwoFactor)
	admin.POST("/customers/:id/resend-verification", h.APIAdminResendVerification)
	admin.GET("/settings", h.APIAdminSettings)
	admin.PATCH("/brand", h.APIAdminSetBrand)
	admin.PATCH("/support-limits", h.APIAdminSetSupportLimits)
}
