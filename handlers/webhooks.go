package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

type (
	apiWebhook struct {
		ID           int64    `json:"id"`
		URL          string   `json:"url"`
		Events       []string `json:"events"`
		Enabled      bool     `json:"enabled"`
		FailingSince *string  `json:"failing_since"`
		DisabledAt   *string  `json:"disabled_at"`
		CreatedAt    string   `json:"created_at"`
		// Secret is in the answer to POST only: the one time it is shown.
		Secret string `json:"secret,omitempty"`
	}
	apiWebhookBody struct {
		Webhook apiWebhook `json:"webhook"`
	}
	apiWebhookList struct {
		Webhooks []apiWebhook `json:"webhooks"`
	}
	// apiWebhookInput is POST /api/v1/webhooks's body and PATCH's (absent: unchanged).
	apiWebhookInput struct {
		URL     *string  `json:"url"`
		Events  []string `json:"events"`
		Enabled *bool    `json:"enabled"`
	}
	apiDelivery struct {
		ID          int64   `json:"id"`
		EventID     string  `json:"event_id"`
		Type        string  `json:"type"`
		Status      string  `json:"status"`
		Attempts    int     `json:"attempts"`
		StatusCode  *int    `json:"status_code"`
		DurationMS  int64   `json:"duration_ms"`
		Error       *string `json:"error"`
		CreatedAt   string  `json:"created_at"`
		LastAttempt *string `json:"last_attempt_at"`
		NextAttempt *string `json:"next_attempt_at"`
	}
	apiDeliveryList struct {
		Deliveries []apiDelivery `json:"deliveries"`
	}
)

// optTime is a time in the API's form, or null when there is none.
func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := rfc3339(t)
	return &s
}

func webhookJSON(w services.Webhook) apiWebhook {
	return apiWebhook{ID: w.ID, URL: w.URL, Events: w.Events, Enabled: w.Enabled,
		FailingSince: optTime(w.FailingSince), DisabledAt: optTime(w.DisabledAt),
		CreatedAt: rfc3339(w.CreatedAt), Secret: w.Secret}
}

func deliveryJSON(d services.WebhookDelivery) apiDelivery {
	out := apiDelivery{ID: d.ID, EventID: d.EventID, Type: d.Type, Status: d.Status, Attempts: d.Attempts,
		DurationMS: d.Duration.Milliseconds(), CreatedAt: rfc3339(d.CreatedAt), LastAttempt: optTime(d.LastTry)}
	if d.StatusCode != 0 {
		out.StatusCode = &d.StatusCode
	}
	if d.Error != "" {
		out.Error = &d.Error
	}
	if d.Status == "pending" {
		out.NextAttempt = optTime(d.NextTry)
	}
	return out
}

// APIWebhooks is GET /api/v1/webhooks.
func (h *Handlers) APIWebhooks(c echo.Context) error {
	p, _ := PrincipalOf(c)
	list, err := h.Webhooks.List(c.Request().Context(), p)
	if err != nil {
		return err
	}
	out := apiWebhookList{Webhooks: make([]apiWebhook, 0, len(list))}
	for _, w := range list {
		out.Webhooks = append(out.Webhooks, webhookJSON(w))
	}
	return c.JSON(http.StatusOK, out)
}

// APIWebhook is GET /api/v1/webhooks/{id}.
func (h *Handlers) APIWebhook(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	w, err := h.Webhooks.Get(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiWebhookBody{webhookJSON(w)})
}

// APICreateWebhook is POST /api/v1/webhooks: the answer carries the secret, once.
func (h *Handlers) APICreateWebhook(c echo.Context) error {
	p, _ := PrincipalOf(c)
	var in apiWebhookInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	w, err := h.Webhooks.Create(c.Request().Context(), p, services.WebhookInput{URL: in.URL, Events: in.Events})
	if err != nil {
		return err
	}
	noStore(c)
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/webhooks/"+strconv.FormatInt(w.ID, 10))
	return c.JSON(http.StatusCreated, apiWebhookBody{webhookJSON(w)})
}

// APIUpdateWebhook is PATCH /api/v1/webhooks/{id}.
func (h *Handlers) APIUpdateWebhook(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in apiWebhookInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	w, err := h.Webhooks.Update(c.Request().Context(), p, id, services.WebhookInput{URL: in.URL, Events: in.Events, Enabled: in.Enabled})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiWebhookBody{webhookJSON(w)})
}

// APIDeleteWebhook is DELETE /api/v1/webhooks/{id}.
func (h *Handlers) APIDeleteWebhook(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.Webhooks.Delete(c.Request().Context(), p, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// APIWebhookDeliveries is GET /api/v1/webhooks/{id}/deliveries: the last 50.
func (h *Handlers) APIWebhookDeliveries(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ds, err := h.Webhooks.Deliveries(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	out := apiDeliveryList{Deliveries: make([]apiDelivery, 0, len(ds))}
	for _, d := range ds {
		out.Deliveries = append(out.Deliveries, deliveryJSON(d))
	}
	return c.JSON(http.StatusOK, out)
}

func deliveryParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("delivery"), 10, 64)
	if err != nil || id <= 0 {
		return 0, services.NotFound()
	}
	return id, nil
}

// redeliverWebhook and testWebhook are one operation at both doors; only the
// answer differs (202 to the API, a flash and the deliveries page to the page).
func (h *Handlers) redeliverWebhook(c echo.Context) (int64, error) {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return 0, err
	}
	did, err := deliveryParam(c)
	if err != nil {
		return 0, err
	}
	return id, h.Webhooks.Redeliver(c.Request().Context(), p, id, did)
}

func (h *Handlers) testWebhook(c echo.Context) (int64, error) {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return 0, err
	}
	return id, h.Webhooks.Test(c.Request().Context(), p, id)
}

// APIRedeliverWebhook is POST /api/v1/webhooks/{id}/deliveries/{delivery}/redeliver.
func (h *Handlers) APIRedeliverWebhook(c echo.Context) error {
	if _, err := h.redeliverWebhook(c); err != nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}

// APITestWebhook is POST /api/v1/webhooks/{id}/test: a ping event.
func (h *Handlers) APITestWebhook(c echo.Context) error {
	if _, err := h.testWebhook(c); err != nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}

// The page.

func webhookRow(w services.Webhook) views.WebhookRow {
	return views.WebhookRow{ID: w.ID, URL: w.URL, Events: w.Events, Enabled: w.Enabled, FailingSince: w.FailingSince, CreatedAt: w.CreatedAt}
}

func (h *Handlers) webhooksPage(c echo.Context, status int, v views.WebhooksView) error {
	p, _ := PrincipalOf(c)
	list, err := h.Webhooks.List(c.Request().Context(), p)
	if err != nil {
		return err
	}
	for _, w := range list {
		v.Hooks = append(v.Hooks, webhookRow(w))
	}
	v.Events = services.WebhookEvents
	v.CanChange = p.CanManageTeam()
	return render(c, status, views.WebhooksPage(h.shell(c, "nav.webhooks", "webhooks"), v))
}

// WebhooksPage lists the account's endpoints with the add form.
func (h *Handlers) WebhooksPage(c echo.Context) error {
	return h.webhooksPage(c, http.StatusOK, views.WebhooksView{})
}

// AddWebhook registers an endpoint and shows its secret in this answer only.
func (h *Handlers) AddWebhook(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if err := c.Request().ParseForm(); err != nil {
		return err
	}
	events := c.Request().PostForm["events"]
	u := c.FormValue("url")
	w, err := h.Webhooks.Create(c.Request().Context(), p, services.WebhookInput{URL: &u, Events: events})
	if err != nil {
		f, status, err := formFor(c, err, formValues(c, "url"))
		if err != nil {
			return err
		}
		checked := map[string]bool{}
		for _, ev := range events {
			checked[ev] = true
		}
		return h.webhooksPage(c, status, views.WebhooksView{Form: f, Checked: checked})
	}
	noStore(c)
	return h.webhooksPage(c, http.StatusOK, views.WebhooksView{Created: &views.CreatedWebhook{ID: w.ID, URL: w.URL, Secret: w.Secret}})
}

// WebhookPage is one endpoint's last deliveries.
func (h *Handlers) WebhookPage(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	w, err := h.Webhooks.Get(ctx, p, id)
	if err != nil {
		return err
	}
	ds, err := h.Webhooks.Deliveries(ctx, p, id)
	if err != nil {
		return err
	}
	v := views.WebhookView{Hook: webhookRow(w), CanChange: p.CanManageTeam()}
	for _, d := range ds {
		at := d.LastTry
		if at.IsZero() {
			at = d.CreatedAt
		}
		v.Deliveries = append(v.Deliveries, views.DeliveryRow{ID: d.ID, Type: d.Type, Status: d.Status, Attempts: d.Attempts,
			StatusCode: d.StatusCode, Duration: d.Duration, Error: d.Error, At: at})
	}
	return render(c, http.StatusOK, views.WebhookPage(h.shell(c, "webhooks.deliveries_title", "webhooks"), v))
}

// TestWebhook sends the endpoint a ping and shows its deliveries.
func (h *Handlers) TestWebhook(c echo.Context) error {
	id, err := h.testWebhook(c)
	return h.backToDeliveries(c, id, err, "webhooks.test_sent")
}

// RedeliverWebhook sends one delivery's event again.
func (h *Handlers) RedeliverWebhook(c echo.Context) error {
	id, err := h.redeliverWebhook(c)
	return h.backToDeliveries(c, id, err, "webhooks.redelivered")
}

// backToDeliveries ends a page's webhook operation: its error, or what was
// done said on the endpoint's deliveries.
func (h *Handlers) backToDeliveries(c echo.Context, id int64, err error, said string) error {
	if err != nil {
		return err
	}
	h.flash(c, said)
	return redirect(c, "/webhooks/"+strconv.FormatInt(id, 10))
}

// SetWebhookEnabled turns an endpoint off or on.
func (h *Handlers) SetWebhookEnabled(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	on, err := boolParam(c, "enabled")
	if err != nil {
		return err
	}
	if _, err := h.Webhooks.Update(c.Request().Context(), p, id, services.WebhookInput{Enabled: &on}); err != nil {
		return err
	}
	h.flash(c, map[bool]string{true: "webhooks.turned_on", false: "webhooks.turned_off"}[on])
	return redirect(c, "/webhooks")
}

// DeleteWebhook removes an endpoint.
func (h *Handlers) DeleteWebhook(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.Webhooks.Delete(c.Request().Context(), p, id); err != nil {
		return err
	}
	h.flash(c, "webhooks.deleted")
	return redirect(c, "/webhooks")
}
