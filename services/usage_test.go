package services_test

import (
	"abrak/testkit"
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
)

// cpuPointTimes are the times of a VM's CPU points between from and to, at step.
func cpuPointTimes(t testing.TB, vms *services.VMs, who services.Principal, uuid string, from, to time.Time, step int) []int64 {
	t.Helper()
	m, err := vms.Metrics(context.Background(), who, uuid, services.MetricsQuery{Type: "cpu",
		Start: strconv.FormatInt(from.Unix(), 10), End: strconv.FormatInt(to.Unix(), 10), Step: strconv.Itoa(step)})
	must(t, err)
	var out []int64
	for _, p := range m.Series[0].Points {
		out = append(out, p.At.Unix())
	}
	return out
}

// The sampler reads each node once a pass, whatever its number of domains
// (70 each here: more than one batch of writes), and writes a sample for
// every running VM from its second pass on; a VM
// stopped has no sample, and one restarted (a new domain, counters from zero)
// none for the interval of its restart, then samples again.
func TestTheSamplerReadsEachNodeOnceAPassAndSkipsTheIntervalOfARestart(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(time.Date(2030, 1, 10, 12, 0, 0, 0, time.UTC))
	const perNode = 70
	m := newManyDomains(t, 2, perNode, services.VMConfig{Now: clock.Now})
	ctx := context.Background()
	before := m.statsCalls(t)
	pass := func() services.UsagePass {
		t.Helper()
		p := m.workers.SampleUsage(ctx, clock.Now())
		if p.Nodes != 2 || p.Domains != 2*perNode {
			t.Fatalf("a pass read %d nodes and %d domains, want 2 and %d", p.Nodes, p.Domains, 2*perNode)
		}
		return p
	}
	t0 := clock.Now()
	if p := pass(); p.Samples != 0 {
		t.Fatalf("the first pass wrote %d samples: it has no interval yet", p.Samples)
	}
	clock.Add(30 * time.Second)
	if p := pass(); p.Samples != 2*perNode {
		t.Fatalf("the second pass wrote %d samples, want one for each of the %d VMs", p.Samples, 2*perNode)
	}

	var nodeID int64
	for id := range m.uuids {
		nodeID = max(nodeID, id)
	}
	stopped, restarted := m.uuids[nodeID][0], m.uuids[nodeID][1]
	node, err := m.fleet.Node(nodeID)
	must(t, err)
	must(t, node.PowerOff(ctx, stopped))
	must(t, node.PowerOff(ctx, restarted))
	must(t, node.Start(ctx, restarted))
	clock.Add(30 * time.Second)
	if p := pass(); p.Samples != 2*perNode-2 {
		t.Fatalf("the pass after a stop and a restart wrote %d samples, want %d", p.Samples, 2*perNode-2)
	}
	clock.Add(30 * time.Second)
	if p := pass(); p.Samples != 2*perNode-1 {
		t.Fatalf("the next pass wrote %d samples, want %d (all but the stopped VM)", p.Samples, 2*perNode-1)
	}

	after := m.statsCalls(t)
	for id := range m.uuids {
		if calls := after[id] - before[id]; calls != 4 {
			t.Errorf("node %d was asked for its domains' stats %d times in 4 passes, want 4", id, calls)
		}
	}
	s := t0.Unix()
	end := t0.Add(2 * time.Minute)
	if got, want := cpuPointTimes(t, m.vms, m.owner, restarted, t0, end, 30), []int64{s + 30, s + 90}; !slices.Equal(got, want) {
		t.Errorf("the restarted VM has points at %v, want %v (none for the interval of its restart)", got, want)
	}
	if got, want := cpuPointTimes(t, m.vms, m.owner, stopped, t0, end, 30), []int64{s + 30}; !slices.Equal(got, want) {
		t.Errorf("the stopped VM has points at %v, want %v", got, want)
	}
	if got, want := cpuPointTimes(t, m.vms, m.owner, m.uuids[nodeID][2], t0, end, 30), []int64{s + 30, s + 60, s + 90}; !slices.Equal(got, want) {
		t.Errorf("a VM running throughout has points at %v, want %v", got, want)
	}
}

// A customer's graphs outlive the 30-second samples: the worker rolls them up
// into 5-minute, hour and day averages (each sample weighing the same), which
// answer once the finer ones are gone; each step is deleted after its
// retention (24 h, 14 days, 13 months), so the table does not grow.
func TestUsageSamplesAreRolledUpAndDeletedAfterTheirRetention(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "")
	t0 := time.Date(2030, 1, 10, 0, 0, 0, 0, time.UTC)
	clock := testkit.NewClock(t0)
	e.cfg.Now = clock.Now
	owner := e.customer("graphs@example.com", 100*vmtPrice)
	p := e.open(false)
	vm, err := p.Create(e.ctx, owner, vmOrder("graphs"))
	if errStatus(err) != 503 {
		t.Fatalf("an order without a node: %v", err)
	}
	// Two hours of samples, one each 30 s, as the sampler writes them: the CPU
	// climbs 1 % a sample through each 5 minutes and by 10 % an hour.
	for i := range 240 {
		at := t0.Add(time.Duration(i) * 30 * time.Second)
		cpu := int64(100*(i%10) + 1000*(i/120))
		must(t, e.db.RecordMetricSamples(e.ctx, at.Unix(), []store.MetricSample{{VMID: vm.ID, CPU: cpu, Memory: int64(i) << 20,
			DiskWrite: 1000, NetIn: 125}}))
		p.SampleUsage(e.ctx, clock.Set(at.Add(time.Second)))
	}
	p.SampleUsage(e.ctx, clock.Set(t0.Add(2*time.Hour)))

	type point struct {
		at    time.Duration
		value float64
	}
	series := func(typ string, step int, from, to time.Duration) ([]point, services.Metrics) {
		t.Helper()
		m, err := p.Metrics(e.ctx, owner, vm.UUID, services.MetricsQuery{Type: typ, Start: t0.Add(from).Format(time.RFC3339),
			End: t0.Add(to).Format(time.RFC3339), Step: strconv.Itoa(step)})
		must(t, err)
		var out []point
		for _, pt := range m.Series[0].Points {
			out = append(out, point{pt.At.Sub(t0), pt.Value})
		}
		return out, m
	}
	fiveMinutes := func() []point {
		var want []point
		for k := range 24 {
			want = append(want, point{time.Duration(k) * 5 * time.Minute, 4.5 + 10*float64(k/12)})
		}
		return want
	}()
	hours := []point{{0, 4.5}, {time.Hour, 14.5}}
	check := func(when string, got []point, want []point) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: points %v, want %v", when, got, want)
		}
	}
	got, _ := series("cpu", 300, 0, 2*time.Hour)
	check("with the 30-second samples kept", got, fiveMinutes)
	mem, _ := series("memory", 3600, 0, 2*time.Hour)
	check("memory, by the hour", mem, []point{{0, float64(59.5 * (1 << 20))}, {time.Hour, float64(179.5 * (1 << 20))}})

	// A day later the 30-second samples are gone; the rollups answer the same.
	clock.Set(t0.Add(26 * time.Hour))
	p.SampleUsage(e.ctx, clock.Now())
	if n := samplesOf(t, e, store.MetricStep30s); n != 0 {
		t.Errorf("%d 30-second samples left after a day", n)
	}
	got, _ = series("cpu", 300, 0, 2*time.Hour)
	check("a day later, from the 5-minute rollup", got, fiveMinutes)
	net, _ := series("network", 3600, 0, 2*time.Hour)
	check("traffic in, bits/s", net, []point{{0, 1000}, {time.Hour, 1000}})

	// After 14 days only the hours are left: a 5-minute step is raised to an hour.
	clock.Set(t0.Add(15 * 24 * time.Hour))
	p.SampleUsage(e.ctx, clock.Now())
	if n := samplesOf(t, e, store.MetricStep5m); n != 0 {
		t.Errorf("%d 5-minute samples left after 14 days", n)
	}
	got, m := series("cpu", 300, 0, 2*time.Hour)
	check("after 14 days, from the hour rollup", got, hours)
	if m.Step != time.Hour {
		t.Errorf("a 5-minute step over samples kept by the hour answered with a step of %s", m.Step)
	}
	days, _ := series("cpu", 86400, 0, 24*time.Hour)
	check("the day, rolled up from its hours", days, []point{{0, 9.5}})
	var samples []int64
	rows, err := e.db.R.QueryContext(e.ctx, `SELECT samples FROM metric_samples WHERE step = ?`, store.MetricStep1h)
	must(t, err)
	for rows.Next() {
		var n int64
		must(t, rows.Scan(&n))
		samples = append(samples, n)
	}
	rows.Close()
	if !slices.Equal(samples, []int64{120, 120}) {
		t.Errorf("the hour rows hold %v samples each, want 120 and 120 (each rolled up once)", samples)
	}

	// After 13 months nothing is left.
	clock.Set(t0.AddDate(0, 13, 2))
	p.SampleUsage(e.ctx, clock.Now())
	if n := samplesOf(t, e, 0); n != 0 {
		t.Errorf("%d samples left after 13 months", n)
	}
}

// samplesOf counts the samples kept at step (0: all of them).
func samplesOf(t testing.TB, e *vmEnv, step int64) int {
	t.Helper()
	var n int
	q := `SELECT count(*) FROM metric_samples`
	args := []any{}
	if step != 0 {
		q += ` WHERE step = ?`
		args = append(args, step)
	}
	must(t, e.db.R.QueryRowContext(e.ctx, q, args...).Scan(&n))
	return n
}
