package handlers

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
)

// graphsBody is what the Graphs tab's script draws: one grid of buckets
// (x, unix seconds) and each series' value in every bucket, null where the
// VM has no sample, so a gap is drawn as a gap. Keys are "type.series",
// the API's names ("cpu.cpu", "disk.read_iops", "network.in").
type graphsBody struct {
	Range  string                `json:"range"`
	Step   int64                 `json:"step"`
	X      []int64               `json:"x"`
	Empty  bool                  `json:"empty"`
	Series map[string][]*float64 `json:"series"`
}

// VMGraphs is GET /vms/{uuid}/graphs?range=: the Graphs tab's data for the
// session, from the same service as the API's metrics. The page asks again
// every 30 s with the tag it has; an answer unchanged (no new sample, the
// same buckets) is a 304.
func (h *Handlers) VMGraphs(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	g, err := h.VMs.Graphs(c.Request().Context(), p, c.Param("uuid"), c.QueryParam("range"))
	if err != nil {
		return err
	}
	step := int64(g.Step.Seconds())
	body := graphsBody{Range: g.Range, Step: step, X: make([]int64, g.Slots), Empty: g.Empty(),
		Series: map[string][]*float64{}}
	start := g.Start.Unix()
	for i := range body.X {
		body.X[i] = start + int64(i)*step
	}
	for _, m := range g.Types {
		for _, s := range m.Series {
			values := make([]*float64, g.Slots)
			for _, pt := range s.Points {
				if i := (pt.At.Unix() - start) / step; i >= 0 && i < int64(g.Slots) {
					v := pt.Value
					values[i] = &v
				}
			}
			body.Series[m.Type+"."+s.Name] = values
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	if fresh(c, `"`+base64.RawURLEncoding.EncodeToString(sum[:12])+`"`) {
		return notModified(c)
	}
	return blob(c, http.StatusOK, echo.MIMEApplicationJSON, b)
}
