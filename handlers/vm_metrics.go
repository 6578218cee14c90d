package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"abrak/services"
)

// VMMetrics is GET /api/v1/vms/{uuid}/metrics.
func (h *Handlers) VMMetrics(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	m, err := h.VMs.Metrics(c.Request().Context(), p, c.Param("uuid"),
		services.MetricsQuery{Type: q.Get("type"), Start: q.Get("start"), End: q.Get("end"), Step: q.Get("step")})
	if err != nil {
		return err
	}
	body := apiMetricsBody{Metrics: apiMetrics{Type: m.Type, Start: m.Start.Unix(), End: m.End.Unix(),
		Step: int64(m.Step.Seconds()), Series: make([]apiMetricSeries, 0, len(m.Series))}}
	for _, s := range m.Series {
		series := apiMetricSeries{Name: s.Name, Unit: s.Unit, Points: make([]apiMetricPoint, 0, len(s.Points))}
		for _, pt := range s.Points {
			series.Points = append(series.Points, apiMetricPoint{At: pt.At.Unix(), Value: pt.Value})
		}
		body.Metrics.Series = append(body.Metrics.Series, series)
	}
	return c.JSON(http.StatusOK, body)
}

// The metrics' API bodies (kept here rather than in apimodel.go: this
// answer is its own).
type (
	apiMetricsBody struct {
		Metrics apiMetrics `json:"metrics"`
	}
	apiMetrics struct {
		Type   string            `json:"type"`
		Start  int64             `json:"start"`
		End    int64             `json:"end"`
		Step   int64             `json:"step"`
		Series []apiMetricSeries `json:"series"`
	}
	apiMetricSeries struct {
		Name   string           `json:"name"`
		Unit   string           `json:"unit"`
		Points []apiMetricPoint `json:"points"`
	}
	// apiMetricPoint is written as [unix, value].
	apiMetricPoint struct {
		At    int64
		Value float64
	}
)

func (p apiMetricPoint) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 32)
	b = append(b, '[')
	b = strconv.AppendInt(b, p.At, 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, p.Value, 'f', -1, 64)
	return append(b, ']'), nil
}
