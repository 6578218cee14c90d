package web

import (
	"github.com/labstack/echo/v4"

	"abrak/handlers"
)

// docsRoutes serves the API's OpenAPI document and the docs page rendered from
// it. Both are public: the document outside any session or token middleware,
// the page in the session group so a signed-in reader gets the dashboard.
func docsRoutes(e *echo.Echo, app *echo.Group, h *handlers.Handlers) {
	e.GET("/api/v1/openapi.json", h.OpenAPI)
	app.GET("/docs/api", h.APIDocs)
}
