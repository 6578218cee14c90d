package handlers

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"
)

// PowerVM is POST /api/v1/vms/{uuid}/power/{action} and POST /vms/{uuid}/power/{action}.
func (h *Handlers) PowerVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	var body apiPower
	if apiDoor(c) {
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
	}
	a, err := h.VMs.PowerWait(c.Request().Context(), p, uuid, c.Param("action"), body.WaitFor)
	if apiDoor(c) {
		if err != nil {
			return err
		}
		if a.VMUUID == "" {
			a.VMUUID = uuid
		}
		return c.JSON(http.StatusOK, apiActionBody{Action: actionJSON(LocaleOf(c), a)})
	}
	if err != nil {
		return h.refusal(c, uuid, err)
	}
	// The page follows this action to its end, rather than flashing that it started.
	return redirect(c, followPower(vmBack(c, uuid, ""), a.ID))
}

// followPower is the VM page's address asking it to report on action id.
func followPower(page string, id int64) string {
	u, err := url.Parse(page)
	if err != nil || id == 0 {
		return page
	}
	q := u.Query()
	q.Set("power", strconv.FormatInt(id, 10))
	u.RawQuery = q.Encode()
	return u.String()
}
