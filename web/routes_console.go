package web

import (
	"strings"

	"github.com/labstack/echo/v4"

	"abrak/handlers"
)

// consoleRoutes are the VM console's: the dashboard page and its Reconnect
// tickets (signed-in group), the API's ticket (the /api/v1 group), and the page
// and websocket a ticket opens, which carry no session: the ticket is the
// credential, so they need no cookie and no CSRF token.
func consoleRoutes(e *echo.Echo, in *echo.Group, api *echo.Group, h *handlers.Handlers) {
	in.GET("/vms/:uuid/console", h.ConsolePage)
	in.POST("/vms/:uuid/console/ticket", h.ConsoleTicket)
	api.POST("/vms/:uuid/console", h.APIConsole)

	noUser := func(echo.Context) string { return "" }
	lang := locale(noUser, strings.HasPrefix(h.BaseURL, "https://"))
	// The page loads a session only so its error page can be drawn like any other;
	// the websocket answers its refusals itself and must not have one wrapped
	// around a connection it hijacks.
	e.GET("/console/:ticket", h.TicketConsolePage, loadSession(h.Sessions), lang)
	e.GET("/console/ws/:ticket", h.ConsoleWS, lang)
}
