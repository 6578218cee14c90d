package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"abrak/services"
)

// A client that hangs up mid-request is not the panel's failure: no ERROR line
// (under load there were dozens a second), a 499 in the request log.
func TestAClientThatLeftIsNotAnError(t *testing.T) {
	var logged bytes.Buffer
	h := New(Deps{Log: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("GET", "/api/v1/vms", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(req, rec)
	h.HandleError(services.Internal(context.Canceled), c)
	if c.Response().Status != statusClientClosed {
		t.Errorf("status %d, want 499", c.Response().Status)
	}
	if strings.Contains(logged.String(), "level=ERROR") {
		t.Errorf("logged as an error:\n%s", logged.String())
	}

	// The same error while the client still waits is ours, and logged.
	logged.Reset()
	c = echo.New().NewContext(httptest.NewRequest("GET", "/api/v1/vms", nil), httptest.NewRecorder())
	h.HandleError(services.Internal(context.Canceled), c)
	if c.Response().Status != 500 || !strings.Contains(logged.String(), "level=ERROR") {
		t.Errorf("an internal cancellation with the client waiting: status %d, log %q", c.Response().Status, logged.String())
	}
}

// An error made without a status (a bug where it was made) is the panel's
// failure: 500 on both doors, logged; not a 200 carrying an error, nor a
// status net/http refuses to write (it panicked, and the connection dropped).
func TestAnErrorWithoutAStatusIsA500(t *testing.T) {
	var logged bytes.Buffer
	h := New(Deps{Log: slog.New(slog.NewTextHandler(&logged, nil))})
	for _, path := range []string{"/vms", "/api/v1/vms"} {
		logged.Reset()
		rec := httptest.NewRecorder()
		c := echo.New().NewContext(httptest.NewRequest("GET", path, nil), rec)
		c.Response().Header().Set(echo.HeaderXRequestID, "req-1")
		h.HandleError(&services.Error{Code: "conflict", Key: "error.conflict"}, c)
		if rec.Code != 500 || !strings.Contains(rec.Body.String(), "req-1") {
			t.Errorf("%s: %d %q, want 500 naming the request", path, rec.Code, rec.Body.String())
		}
		if !strings.Contains(logged.String(), "level=ERROR") {
			t.Errorf("%s: the failure was not logged:\n%s", path, logged.String())
		}
	}
}
