package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// The VM handlers serve both doors: the same handler answers /api/v1/… with
// JSON and the dashboard's path with a page (or, for htmx, the part of it that
// changed). Input comes from a JSON body on the API and from form fields in
// the dashboard; either way the same service method does the work. Here is
// what the operations share: reading an input, and answering on either door.

// field reads one input of an operation: the JSON body's on the API, the
// form's in the dashboard. body is the JSON body's type, get its value.
func field[T any](c echo.Context, name string, get func(T) string) (string, error) {
	if !apiDoor(c) {
		return c.FormValue(name), nil
	}
	var body T
	if err := decodeJSON(c, &body); err != nil {
		return "", err
	}
	return get(body), nil
}

// actionAnswer answers an operation that started an action: the action as
// JSON with status on the API; on the dashboard a 422 beside the form's
// fields (set puts it in place), a refusal above the page, or back to the
// page with a flash.
func (h *Handlers) actionAnswer(c echo.Context, uuid string, a services.Action, err error, status int, flash, anchor string,
	values map[string]string, set func(*views.VMPageView, views.Form)) error {
	if apiDoor(c) {
		if err != nil {
			return err
		}
		if a.VMUUID == "" {
			a.VMUUID = uuid
		}
		return c.JSON(status, apiActionBody{Action: actionJSON(LocaleOf(c), a)})
	}
	if err != nil {
		f, code, ferr := formFor(c, err, values)
		if ferr != nil {
			return h.refusal(c, uuid, ferr)
		}
		return h.vmPage(c, code, uuid, func(v *views.VMPageView) { set(v, f) })
	}
	h.flash(c, flash)
	return redirect(c, vmBack(c, uuid, anchor))
}

// refusal shows an operation's refusal (a conflict, an unavailable node) on
// the VM page, where the customer pressed the button; anything else goes to
// the one error handler.
func (h *Handlers) refusal(c echo.Context, uuid string, err error) error {
	e := services.AsError(err)
	switch e.Status {
	case http.StatusConflict, http.StatusServiceUnavailable, http.StatusForbidden:
		return h.vmPage(c, e.Status, uuid, func(v *views.VMPageView) { v.Message, v.MessageArgs = e.Key, e.Args })
	}
	return err
}

// vmBack is where a dashboard form on the VM page leads after it succeeds:
// the page at the tab the form was sent from, at anchor.
func vmBack(c echo.Context, uuid, anchor string) string {
	return views.VMPageURL(uuid, views.ParseVMTab(c.FormValue("tab"))) + anchor
}

// vmJSONResponse answers the API with one VM.
func (h *Handlers) vmJSONResponse(c echo.Context, status int, vm services.VM) error {
	return c.JSON(status, apiVMBody{VM: vmJSON(vm, h.backupPrice(vm))})
}
