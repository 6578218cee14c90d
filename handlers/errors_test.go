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
