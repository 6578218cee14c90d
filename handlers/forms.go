package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
	"abrak/views/i18n"
)

// formFor turns a service error into a form that shows it: field messages
// beside their fields, anything else above the form. Errors that are not about
// the input or its rate (500) go to the one error handler instead.
func formFor(c echo.Context, err error, values map[string]string) (views.Form, int, error) {
	e := services.AsError(err)
	if e.Status != http.StatusUnprocessableEntity && e.Status != http.StatusTooManyRequests {
		return views.Form{}, 0, err
	}
	setRetryAfter(c, e)
	f := views.Form{Values: values, Errors: e.Fields}
	if e.Key != "error.validation" || len(e.Fields) == 0 {
		f.Message, f.Args = e.Key, e.Args
	}
	return f, e.Status, nil
}

// digitsValue is a form field in which the customer may type Persian (۰–۹) or
// Arabic-Indic (٠–٩) digits: they are read as Latin ones.
func digitsValue(c echo.Context, name string) string {
	return i18n.LatinDigits(strings.TrimSpace(c.FormValue(name)))
}

// formValues copies the named fields for redisplay.
func formValues(c echo.Context, names ...string) map[string]string {
	v := make(map[string]string, len(names))
	for _, n := range names {
		v[n] = c.FormValue(n)
	}
	return v
}

// boolParam reads a yes/no of the query (or, failing that, the form): absent
// is false; anything but true/false, 1/0 is a 422 naming it.
func boolParam(c echo.Context, name string) (bool, error) {
	v := c.QueryParam(name)
	if v == "" {
		v = c.FormValue(name)
	}
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, services.Invalid(map[string]string{name: "form.bool_invalid"})
	}
	return b, nil
}
