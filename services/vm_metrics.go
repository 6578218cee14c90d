package services

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"abrak/store"
)

// MaxMetricPoints bounds the points of each series of an answer: enough for
// a chart across a wide screen, small enough to draw and send at once.
const MaxMetricPoints = 500

// maxMetricRange bounds an answer's range: a little more than the 13 months
// the hour samples are kept.
const maxMetricRange = 400 * 24 * time.Hour

// metricSteps are the steps chosen for a range when none is asked for: the
// smallest one that keeps the answer within MaxMetricPoints.
var metricSteps = []int64{30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400}

// The kinds of metrics an answer holds, one or more series each.
var metricTypes = []string{"cpu", "memory", "disk", "network"}

// MetricsQuery is what a caller asks of a VM's metrics, as given: type (cpu,
// memory, disk or network), start and end (unix seconds or RFC 3339; the last
// hour by default) and step (seconds; chosen from the range by default).
type MetricsQuery struct {
	Type, Start, End, Step string
}

// Metrics are a VM's samples of one type over a range, in buckets of Step
// from Start (a multiple of Step) to End.
type Metrics struct {
	Type       string
	Start, End time.Time
	Step       time.Duration
	Series     []MetricSeries
}

// MetricSeries is one measure over time. Its points are the averages of the
// buckets that hold samples, oldest first; a bucket without any (the VM off,
// or not yet built) has no point.
type MetricSeries struct {
	Name, Unit string
	Points     []MetricPoint
}

// MetricPoint is one bucket's average; At is where the bucket starts.
type MetricPoint struct {
	At    time.Time
	Value float64
}

// Metrics reads one of the principal's VMs' samples for a chart or a script.
// The samples come from the finest step still kept at the range's start (30
// s for the last 24 h, 5 minutes for the last 14 days, an hour before), and
// from finer steps for the latest slots not rolled up yet.
func (s *VMs) Metrics(ctx context.Context, p Principal, uuid string, q MetricsQuery) (Metrics, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return Metrics{}, err
	}
	vm, err := s.own(ctx, p, uuid)
	if err != nil {
		return Metrics{}, err
	}
	now := s.cfg.Now()
	m, err := checkMetricsQuery(q, now)
	if err != nil {
		return Metrics{}, err
	}
	buckets, err := s.metricBuckets(ctx, vm.ID, m, now)
	if err != nil {
		return Metrics{}, Internal(err)
	}
	m.Series = metricSeries(m.Type, buckets)
	return m, nil
}

// checkMetricsQuery reads the query, naming each field that is wrong, and
// chooses the step when none is asked for.
func checkMetricsQuery(q MetricsQuery, now time.Time) (Metrics, error) {
	fields := map[string]string{}
	m := Metrics{Type: q.Type, End: now.Truncate(time.Second)}
	if !slices.Contains(metricTypes, q.Type) {
		fields["type"] = "metrics.type_invalid"
	}
	if q.End != "" {
		t, ok := parseMetricTime(q.End)
		if !ok {
			fields["end"] = "metrics.time_invalid"
		}
		m.End = t
	}
	m.Start = m.End.Add(-time.Hour)
	if q.Start != "" {
		t, ok := parseMetricTime(q.Start)
		if !ok {
			fields["start"] = "metrics.time_invalid"
		}
		m.Start = t
	}
	var step int64
	if q.Step != "" {
		n, err := strconv.ParseInt(q.Step, 10, 64)
		if err != nil || n < store.MetricStep30s || n > int64(maxMetricRange/time.Second) {
			fields["step"] = "metrics.step_invalid"
		}
		step = n
	}
	if len(fields) > 0 {
		return m, Invalid(fields)
	}
	span := m.End.Unix() - m.Start.Unix()
	switch {
	case span <= 0:
		fields["start"] = "metrics.range_invalid"
	case time.Duration(span)*time.Second > maxMetricRange:
		fields["start"] = "metrics.range_too_long"
	case step != 0 && span/step > MaxMetricPoints:
		fields["step"] = "metrics.step_too_small"
	}
	if len(fields) > 0 {
		return m, Invalid(fields)
	}
	// A step is a whole number of the finest step kept at the start, so that
	// every bucket is made of whole samples.
	fine := int64(store.MetricStep1h)
	for _, st := range store.MetricSteps {
		if !m.Start.Before(usageKept(st, now)) {
			fine = st
			break
		}
	}
	if step == 0 {
		step = (span + MaxMetricPoints - 1) / MaxMetricPoints
		if i := slices.IndexFunc(metricSteps, func(n int64) bool { return n >= step && n%fine == 0 }); i >= 0 {
			step = metricSteps[i]
		}
	}
	step = (step + fine - 1) / fine * fine
	m.Step = time.Duration(step) * time.Second
	m.Start = time.Unix(m.Start.Unix()/step*step, 0)
	return m, nil
}

// parseMetricTime reads unix seconds or an RFC 3339 time.
func parseMetricTime(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > 1<<40 {
			return time.Time{}, false
		}
		return time.Unix(n, 0), true
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, false
	}
	return t.Truncate(time.Second), true
}

// metricBuckets sums the VM's samples into m's buckets: from the coarsest
// kept step that divides the bucket, and for the slots that step has not
// rolled up yet, from the steps below it.
func (s *VMs) metricBuckets(ctx context.Context, vmID int64, m Metrics, now time.Time) ([]store.MetricSum, error) {
	bucket := int64(m.Step / time.Second)
	lo := max(m.Start.Unix(), usageKept(store.MetricStep1h, now).Unix())
	hi := min(m.End.Unix(), now.Unix()+1)
	// The coarsest step that divides the bucket: the fewest rows, and kept
	// longest (the steps' retention grows with them).
	level := 0
	for i, st := range store.MetricSteps {
		if bucket%st == 0 {
			level = i
		}
	}
	done, err := s.db.MetricRollups(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.MetricSum
	for i := level; i >= 0 && lo < hi; i-- {
		st := store.MetricSteps[i]
		upto := hi
		if i > 0 {
			upto = min(hi, done[st]) // a step never rolled up holds nothing yet
		}
		if lo >= upto {
			continue
		}
		sums, err := s.db.MetricSums(ctx, vmID, st, lo, upto, bucket)
		if err != nil {
			return nil, err
		}
		out = mergeSums(out, sums)
		lo = upto
	}
	return out, nil
}

// mergeSums adds b's buckets to a's, both oldest first.
func mergeSums(a, b []store.MetricSum) []store.MetricSum {
	if len(a) == 0 {
		return b
	}
	for _, x := range b {
		if last := &a[len(a)-1]; last.At == x.At {
			last.Samples += x.Samples
			s, y := &last.Sum, x.Sum
			s.CPU += y.CPU
			s.Memory += y.Memory
			s.DiskRead += y.DiskRead
			s.DiskWrite += y.DiskWrite
			s.DiskReads += y.DiskReads
			s.DiskWrites += y.DiskWrites
			s.NetIn += y.NetIn
			s.NetOut += y.NetOut
			s.NetInPackets += y.NetInPackets
			s.NetOutPackets += y.NetOutPackets
			continue
		}
		a = append(a, x)
	}
	return a
}

// metricSeries are the series of a type, in their units: the stored
// integers (hundredths, bytes) averaged over each bucket.
func metricSeries(typ string, buckets []store.MetricSum) []MetricSeries {
	type measure struct {
		name, unit string
		value      func(store.MetricSample) int64
		scale      float64 // from the stored unit to the answer's
		decimals   int
	}
	var ms []measure
	switch typ {
	case "cpu":
		ms = []measure{{"cpu", "percent", func(s store.MetricSample) int64 { return s.CPU }, 0.01, 2}}
	case "memory":
		ms = []measure{{"used", "bytes", func(s store.MetricSample) int64 { return s.Memory }, 1, 0}}
	case "disk":
		ms = []measure{
			{"read", "bytes/s", func(s store.MetricSample) int64 { return s.DiskRead }, 1, 0},
			{"write", "bytes/s", func(s store.MetricSample) int64 { return s.DiskWrite }, 1, 0},
			{"read_iops", "ops/s", func(s store.MetricSample) int64 { return s.DiskReads }, 0.01, 2},
			{"write_iops", "ops/s", func(s store.MetricSample) int64 { return s.DiskWrites }, 0.01, 2},
		}
	case "network":
		ms = []measure{
			{"in", "bits/s", func(s store.MetricSample) int64 { return s.NetIn }, 8, 0},
			{"out", "bits/s", func(s store.MetricSample) int64 { return s.NetOut }, 8, 0},
			{"in_packets", "packets/s", func(s store.MetricSample) int64 { return s.NetInPackets }, 0.01, 2},
			{"out_packets", "packets/s", func(s store.MetricSample) int64 { return s.NetOutPackets }, 0.01, 2},
		}
	}
	out := make([]MetricSeries, 0, len(ms))
	for _, m := range ms {
		series := MetricSeries{Name: m.name, Unit: m.unit, Points: make([]MetricPoint, 0, len(buckets))}
		pow := math.Pow10(m.decimals)
		for _, b := range buckets {
			if b.Samples == 0 {
				continue
			}
			v := float64(m.value(b.Sum)) / float64(b.Samples) * m.scale
			series.Points = append(series.Points, MetricPoint{At: time.Unix(b.At, 0), Value: math.Round(v*pow) / pow})
		}
		out = append(out, series)
	}
	return out
}
