package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/services"
)

// ReadyCheck is one dependency /readyz asks about.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// Healthz says the process is alive.
func (h *Handlers) Healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

type readyReport struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
	// Nodes tells the operator each node's state and accelerator, and why.
	Nodes []services.NodeHealth `json:"nodes"`
	// Replicas are the database's replicas, how far behind and why; a replica
	// behind does not make the panel unready (the operator is told apart).
	Replicas []services.ReplicaHealth `json:"replicas,omitempty"`
}

// Readyz asks every registered dependency (the database, the fleet) and says what is missing.
func (h *Handlers) Readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	checks := h.Ready
	rep := readyReport{Status: "ready", Checks: map[string]string{}, Nodes: h.Workers.Nodes()}
	if h.Replicas != nil {
		rep.Replicas = h.Replicas()
	}
	for _, ch := range checks {
		if err := ch.Check(ctx); err != nil {
			rep.Status = "not ready"
			rep.Checks[ch.Name] = err.Error()
		} else {
			rep.Checks[ch.Name] = "ok"
		}
	}
	if rep.Status != "ready" {
		return c.JSON(http.StatusServiceUnavailable, rep)
	}
	return c.JSON(http.StatusOK, rep)
}
