package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

func consolePageURL(secret string) string { return "/console/" + secret }

func consoleWSURL(secret string) string { return "/console/ws/" + secret }

// APIConsole is POST /api/v1/vms/:uuid/console: a link to the console page that
// any browser can open once within the ticket's lifetime.
func (h *Handlers) APIConsole(c echo.Context) error {
	p, ok := PrincipalOf(c)
	if !ok {
		return services.Unauthorized("error.unauthorized")
	}
	t, err := h.Consoles.Issue(c.Request().Context(), p, c.Param("uuid"))
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, apiConsoleTicket{
		URL:       h.publicURL(c) + consolePageURL(t.Secret),
		ExpiresAt: t.ExpiresAt.UTC().Format(time.RFC3339),
		TTLSec:    int(h.Consoles.TTL() / time.Second),
	})
}

// ConsolePage is GET /vms/:uuid/console: a ticket for the signed-in customer and
// the page that uses it.
func (h *Handlers) ConsolePage(c echo.Context) error {
	p, _ := PrincipalOf(c)
	uuid := c.Param("uuid")
	t, err := h.Consoles.Issue(c.Request().Context(), p, uuid)
	if err != nil {
		return err
	}
	vm, err := h.VMs.Get(c.Request().Context(), p, uuid)
	if err != nil {
		return err
	}
	noStore(c)
	return render(c, http.StatusOK, views.ConsolePage(h.shell(c, "console.title", "vms"), views.ConsoleView{
		VMUUID: vm.UUID, VMName: vm.DisplayName, WSURL: consoleWSURL(t.Secret),
		TicketURL: "/vms/" + vm.UUID + "/console/ticket", BackURL: "/vms/" + vm.UUID,
	}))
}

// ConsoleTicket is POST /vms/:uuid/console/ticket: a fresh websocket URL for the
// console page's Reconnect button.
func (h *Handlers) ConsoleTicket(c echo.Context) error {
	p, _ := PrincipalOf(c)
	t, err := h.Consoles.Issue(c.Request().Context(), p, c.Param("uuid"))
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]string{"ws_url": consoleWSURL(t.Secret)})
}

// TicketConsolePage is GET /console/:ticket, the page an API caller hands to a
// browser: the ticket is its only credential, and it is used by the websocket,
// not by showing the page.
func (h *Handlers) TicketConsolePage(c echo.Context) error {
	secret := c.Param("ticket")
	target, err := h.Consoles.Peek(c.Request().Context(), secret)
	if err != nil {
		return err
	}
	noStore(c)
	return render(c, http.StatusOK, views.ConsolePage(h.shell(c, "console.title", ""), views.ConsoleView{
		VMUUID: target.VMUUID, VMName: target.DisplayName, WSURL: consoleWSURL(secret),
	}))
}
