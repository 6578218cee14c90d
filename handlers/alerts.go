package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// The alerts' API bodies.
type (
	apiAlert struct {
		ID         int64   `json:"id"`
		VMUUID     string  `json:"vm_uuid"`
		Kind       string  `json:"kind"`
		Threshold  int     `json:"threshold"`
		Minutes    int     `json:"minutes"`
		Firing     bool    `json:"firing"`
		FiredAt    *string `json:"fired_at"`
		ResolvedAt *string `json:"resolved_at"`
		CreatedAt  string  `json:"created_at"`
	}
	apiAlertList struct {
		Alerts []apiAlert `json:"alerts"`
	}
	apiAlertBody struct {
		Alert apiAlert `json:"alert"`
	}
	// apiCreateAlert is POST /api/v1/alerts's body.
	apiCreateAlert struct {
		VMUUID    string `json:"vm_uuid"`
		Kind      string `json:"kind"`
		Threshold *int   `json:"threshold"`
		Minutes   *int   `json:"minutes"`
	}
)

func alertJSON(a services.Alert) apiAlert {
	out := apiAlert{ID: a.ID, VMUUID: a.VMUUID, Kind: a.Kind, Threshold: a.Threshold, Minutes: a.Minutes,
		Firing: a.Firing, CreatedAt: rfc3339(a.CreatedAt)}
	if !a.FiredAt.IsZero() {
		t := rfc3339(a.FiredAt)
		out.FiredAt = &t
	}
	if !a.ResolvedAt.IsZero() {
		t := rfc3339(a.ResolvedAt)
		out.ResolvedAt = &t
	}
	return out
}

func intField(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// APIAlerts is GET /api/v1/alerts (?vm_uuid= for one VM's).
func (h *Handlers) APIAlerts(c echo.Context) error {
	p, _ := PrincipalOf(c)
	alerts, err := h.VMs.Alerts(c.Request().Context(), p, c.QueryParam("vm_uuid"))
	if err != nil {
		return err
	}
	body := apiAlertList{Alerts: make([]apiAlert, 0, len(alerts))}
	for _, a := range alerts {
		body.Alerts = append(body.Alerts, alertJSON(a))
	}
	return c.JSON(http.StatusOK, body)
}

// APICreateAlert is POST /api/v1/alerts.
func (h *Handlers) APICreateAlert(c echo.Context) error {
	p, _ := PrincipalOf(c)
	var in apiCreateAlert
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a, err := h.VMs.CreateAlert(c.Request().Context(), p, services.AlertInput{VMUUID: in.VMUUID, Kind: in.Kind,
		Threshold: intField(in.Threshold), Minutes: intField(in.Minutes)})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiAlertBody{Alert: alertJSON(a)})
}

// APIDeleteAlert is DELETE /api/v1/alerts/{id}.
func (h *Handlers) APIDeleteAlert(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.VMs.DeleteAlert(c.Request().Context(), p, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// alertFields are the alert form's fields copied back when it is refused.
var alertFields = []string{"kind", "threshold", "minutes"}

// AddAlert is POST /vms/{uuid}/alerts, the Graphs tab's form.
func (h *Handlers) AddAlert(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	uuid := c.Param("uuid")
	_, err = h.VMs.CreateAlert(c.Request().Context(), p, services.AlertInput{VMUUID: uuid, Kind: c.FormValue("kind"),
		Threshold: digitsValue(c, "threshold"), Minutes: digitsValue(c, "minutes")})
	if err != nil {
		f, status, ferr := formFor(c, err, formValues(c, alertFields...))
		if ferr != nil {
			return h.refusal(c, uuid, ferr)
		}
		return h.vmPage(c, status, uuid, func(v *views.VMPageView) { v.Alerts.Form = f })
	}
	h.flash(c, "alert.added")
	return redirect(c, vmBack(c, uuid, ""))
}

// RemoveAlert is POST /vms/{uuid}/alerts/{id}/delete, an alert's delete button.
func (h *Handlers) RemoveAlert(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.VMs.DeleteAlert(c.Request().Context(), p, id); err != nil {
		return err
	}
	h.flash(c, "alert.deleted")
	return redirect(c, vmBack(c, c.Param("uuid"), ""))
}
