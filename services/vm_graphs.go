package services

import (
	"context"
	"time"
)

// GraphRanges are the ranges the VM page's Graphs tab offers, shortest
// first; the first is the one it opens on.
var GraphRanges = []string{"1h", "24h", "7d", "30d", "13mo"}

// graphStart is where a range of the Graphs tab begins, and false for a
// range it does not offer.
func graphStart(name string, now time.Time) (time.Time, bool) {
	switch name {
	case "1h":
		return now.Add(-time.Hour), true
	case "24h":
		return now.Add(-24 * time.Hour), true
	case "7d":
		return now.AddDate(0, 0, -7), true
	case "30d":
		return now.AddDate(0, 0, -30), true
	case "13mo":
		return now.AddDate(0, -13, 0), true
	}
	return time.Time{}, false
}

// Graphs are every type of a VM's metrics over one of GraphRanges, on one
// grid of buckets: what the Graphs tab draws.
type Graphs struct {
	Range string
	Start time.Time
	Step  time.Duration
	// Slots is the number of buckets from Start to now; a series' point
	// falls in bucket (At-Start)/Step.
	Slots int
	// Types holds the metrics of cpu, memory, disk and network, in that order.
	Types []Metrics
}

// Empty reports graphs without a single point: a VM too new to have been sampled.
func (g Graphs) Empty() bool {
	for _, m := range g.Types {
		for _, s := range m.Series {
			if len(s.Points) > 0 {
				return false
			}
		}
	}
	return true
}

// Graphs reads every type of one of the principal's VMs' metrics over a
// range of the Graphs tab (an unknown range is the first): the API's
// answers, with the step it would choose. The samples are read once for the
// four types: they share their buckets.
func (s *VMs) Graphs(ctx context.Context, p Principal, uuid, rangeName string) (Graphs, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return Graphs{}, err
	}
	vm, err := s.own(ctx, p, uuid)
	if err != nil {
		return Graphs{}, err
	}
	now := s.cfg.Now()
	start, ok := graphStart(rangeName, now)
	if !ok {
		rangeName = GraphRanges[0]
		start, _ = graphStart(rangeName, now)
	}
	m, err := checkMetricsQuery(MetricsQuery{Type: metricTypes[0],
		Start: start.UTC().Format(time.RFC3339), End: now.UTC().Format(time.RFC3339)}, now)
	if err != nil {
		return Graphs{}, err
	}
	buckets, err := s.metricBuckets(ctx, vm.ID, m, now)
	if err != nil {
		return Graphs{}, Internal(err)
	}
	g := Graphs{Range: rangeName, Start: m.Start, Step: m.Step, Slots: int(now.Sub(m.Start)/m.Step) + 1}
	for _, typ := range metricTypes {
		t := m
		t.Type, t.Series = typ, metricSeries(typ, buckets)
		g.Types = append(g.Types, t)
	}
	return g, nil
}
