package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
	"abrak/views/i18n"
)

// apiError is the JSON error body.
type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`
	} `json:"error"`
	RequestID string `json:"request_id"`
	// RootPassword is an order's generated root password when the order was
	// kept but waits (503): the one answer it is shown in.
	RootPassword string `json:"root_password,omitempty"`
}

// rootPasswordKey holds, in the request's context, a generated root password
// the answer must show, whether it is the VM or an error document.
const rootPasswordKey = "abrak.root_password"

// writeAPIError is the one writer of the API's error body: code, message and
// each field's message, in the request's language, with the request id.
func writeAPIError(c echo.Context, e *services.Error) error {
	l := LocaleOf(c)
	var body apiError
	body.Error.Code = e.Code
	body.Error.Message = i18n.T(l, e.Key, e.Args...)
	if len(e.Fields) > 0 {
		body.Error.Fields = make(map[string]string, len(e.Fields))
		for f, k := range e.Fields {
			body.Error.Fields[f] = i18n.T(l, k)
		}
	}
	body.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
	if pw, ok := c.Get(rootPasswordKey).(string); ok {
		body.RootPassword = pw
	}
	return c.JSON(e.Status, body)
}

// setRetryAfter is the one place Retry-After is set, from the error that asks the caller to wait.
func setRetryAfter(c echo.Context, e *services.Error) {
	if e.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())))
	}
}

// toServiceError turns anything a handler or middleware returned into the one error type.
func toServiceError(err error) *services.Error {
	var esc url.EscapeError
	if errors.As(err, &esc) {
		return &services.Error{Status: http.StatusBadRequest, Code: "bad_request", Key: "error.bad_request", Err: err}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			e := services.NotFound()
			e.Status = he.Code
			return e
		case http.StatusRequestEntityTooLarge:
			return &services.Error{Status: he.Code, Code: "too_large", Key: "error.too_large"}
		case http.StatusUnsupportedMediaType, http.StatusBadRequest:
			return &services.Error{Status: http.StatusBadRequest, Code: "bad_request", Key: "error.bad_request", Err: err}
		case http.StatusForbidden:
			return &services.Error{Status: he.Code, Code: "csrf", Key: "error.csrf", Err: err}
		case http.StatusUnauthorized:
			return services.Unauthorized("error.unauthorized")
		case http.StatusTooManyRequests:
			return services.RateLimited(0)
		}
		return services.Internal(err)
	}
	return services.AsError(err)
}

// statusClientClosed is nginx's 499, what logs and metrics call a request whose client left first.
const statusClientClosed = 499

// HandleError is the one place errors become responses: JSON for the API, a
// fragment for htmx, a page otherwise; messages translated at render time.
// It answers whatever middleware did or did not run before the error: in the
// language the request asks for when none was decided, without the session
// when none was loaded, and, should drawing the answer itself fail, with a
// bare 500 rather than a dropped connection.
func (h *Handlers) HandleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	reqID := c.Response().Header().Get(echo.HeaderXRequestID)
	defer func() {
		if r := recover(); r != nil {
			h.Log.Error("error answer failed", "request_id", reqID, "path", c.Request().URL.Path, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if !c.Response().Committed {
				hd := c.Response().Header()
				hd.Del(echo.HeaderContentLength)
				hd.Set(echo.HeaderContentType, echo.MIMETextPlainCharsetUTF8)
				c.Response().WriteHeader(http.StatusInternalServerError)
				_, _ = c.Response().Write([]byte("500 " + http.StatusText(http.StatusInternalServerError) + " (" + reqID + ")\n"))
			}
		}
	}()
	e := toServiceError(err)
	if e.Status < 400 || e.Status > 599 {
		// An error made without an error's status is a bug of ours.
		e = services.Internal(e)
	}
	if !localeSet(c) {
		SetLocale(c, AskedLocale(c))
	}
	if errors.Is(e.Err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client hung up: nobody reads an answer, and it is not our failure.
		h.Log.Debug("client went away", "request_id", reqID, "path", c.Request().URL.Path)
		c.Response().WriteHeader(statusClientClosed)
		return
	}
	if e.Status >= 500 {
		h.Log.Error("request failed", "request_id", reqID, "path", c.Request().URL.Path, "code", e.Code, "err", e.Err)
	}
	setRetryAfter(c, e)
	if wantsJSON(c) {
		_ = writeAPIError(c, e)
		return
	}
	s := h.shell(c, "page.error", "")
	v := views.ErrorView{Status: e.Status, Message: e.Key, Args: e.Args, RequestID: reqID}
	if c.Request().Header.Get("HX-Request") == "true" {
		// htmx swaps only 2xx by default; the client swaps 4xx/5xx fragments into #flash.
		_ = render(c, e.Status, views.ErrorFragment(s, v))
		return
	}
	_ = render(c, e.Status, views.ErrorPage(s, v))
}
