package services

import (
	"context"
	"math"
	"sync"
	"time"

	"abrak/hypervisor"
	"abrak/store"
)

// The usage samples: every UsageInterval the sampler reads each node's
// domains in one call (hypervisor.Node.Usage), turns their counters into
// rates over the interval since its last reading and writes them, one
// transaction per node, into the 30-second slot of the pass. It then rolls the
// slots up (5 minutes, an hour, a day) and deletes what is past its retention.
const (
	// usageMaxInterval is the longest interval a rate is worked out over: a
	// reading older than that (a node away, the panel stopped) only becomes
	// the start of the next interval.
	usageMaxInterval = 5 * time.Minute
)

// usageKept is how long the samples of each step are kept, before now: 24 h
// of 30 s, 14 days of 5 minutes, 13 months of hours and of days.
func usageKept(step int64, now time.Time) time.Time {
	switch step {
	case store.MetricStep30s:
		return now.Add(-24 * time.Hour)
	case store.MetricStep5m:
		return now.Add(-14 * 24 * time.Hour)
	}
	return now.AddDate(0, -13, 0)
}

// usageReading is a domain's counters as one pass read them.
type usageReading struct {
	node     int64
	domainID int
	at       time.Time
	d        hypervisor.DomainInfo
}

// usageReadings are the last readings of each VM, the start of its next
// interval. They live in memory: after a restart of the panel, the first
// pass only reads.
type usageReadings struct {
	mu   sync.Mutex
	last map[int64]usageReading // by VM id
}

// UsagePass is what one pass of the sampler did, and what it cost: the
// time spent waiting on the nodes and in SQLite (reads and writes).
type UsagePass struct {
	Nodes, Domains, Samples int
	NodeTime, SQLiteTime    time.Duration
}

// RunUsageSampler samples every UsageInterval until ctx ends, first giving the
// nodes just dialled a moment to answer.
func (s *Workers) RunUsageSampler(ctx context.Context) {
	s.awaitNodes(ctx, 10*time.Second)
	s.every(ctx, s.cfg.UsageInterval, nil, func() {
		now := s.cfg.Now()
		s.SampleUsage(ctx, now)
		s.CheckAlerts(ctx, now) // on the samples just written
	})
}

// SampleUsage is one pass of the sampler at now: one stats call per node with
// VMs, one write per node, then the rollups and retention.
func (s *Workers) SampleUsage(ctx context.Context, now time.Time) UsagePass {
	var pass UsagePass
	t0 := time.Now()
	vms, err := s.db.SampledVMs(ctx)
	pass.SQLiteTime += time.Since(t0)
	if err != nil {
		s.log.Error("listing vms to sample", "err", err)
		return pass
	}
	byNode := map[int64][]store.SampledVM{}
	for _, vm := range vms {
		byNode[vm.NodeID] = append(byNode[vm.NodeID], vm)
	}
	slot := now.Unix() / store.MetricStep30s * store.MetricStep30s
	for nodeID, list := range byNode {
		node, err := s.fleet.Node(nodeID)
		if err != nil {
			continue // its VMs' next interval starts when it answers again
		}
		t0 := time.Now()
		domains, err := node.Usage(ctx)
		pass.NodeTime += time.Since(t0)
		if err != nil {
			continue
		}
		pass.Nodes++
		pass.Domains += len(domains)
		samples := s.usage.rates(nodeID, list, domains, now)
		t0 = time.Now()
		err = s.db.RecordMetricSamples(ctx, slot, samples)
		pass.SQLiteTime += time.Since(t0)
		if err != nil {
			s.log.Error("recording usage samples", "node_id", nodeID, "err", err)
			continue
		}
		pass.Samples += len(samples)
	}
	t0 = time.Now()
	s.keepUsage(ctx, now)
	pass.SQLiteTime += time.Since(t0)
	return pass
}

// keepUsage rolls the samples up and deletes those past their retention.
func (s *Workers) keepUsage(ctx context.Context, now time.Time) {
	before := make(map[int64]int64, len(store.MetricSteps))
	for _, step := range store.MetricSteps {
		before[step] = usageKept(step, now).Unix()
	}
	if err := s.db.KeepMetricSamples(ctx, now.Unix(), before); err != nil {
		s.log.Error("rolling up and deleting usage samples", "err", err)
	}
}

// rates turns the node's counters into each of its VMs' rates since the last
// reading, and keeps this reading for the next pass. A VM gets no sample for
// an interval in which its counters began again (a new domain id, another
// node, a counter lower than before: a restart, a migration, a reset), nor
// while its domain is not running or paused: a gap, never a spike.
func (u *usageReadings) rates(nodeID int64, vms []store.SampledVM, domains []hypervisor.DomainInfo, now time.Time) []store.MetricSample {
	byUUID := make(map[string]hypervisor.DomainInfo, len(domains))
	for _, d := range domains {
		byUUID[d.UUID] = d
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.last == nil {
		u.last = map[int64]usageReading{}
	}
	out := make([]store.MetricSample, 0, len(vms))
	for _, vm := range vms {
		d, ok := byUUID[vm.UUID]
		if !ok || !d.State.Active() {
			delete(u.last, vm.ID)
			continue
		}
		prev, had := u.last[vm.ID]
		u.last[vm.ID] = usageReading{node: nodeID, domainID: d.DomainID, at: now, d: d}
		if !had || prev.node != nodeID || prev.domainID != d.DomainID {
			continue
		}
		if sample, ok := rateOf(vm, prev, d, now); ok {
			out = append(out, sample)
		}
	}
	return out
}

// rateOf is the sample of the interval from prev to now, unless a counter
// went back or the interval is empty or too long to say anything of a slot.
func rateOf(vm store.SampledVM, prev usageReading, d hypervisor.DomainInfo, now time.Time) (store.MetricSample, bool) {
	dt := now.Sub(prev.at)
	if dt <= 0 || dt > usageMaxInterval {
		return store.MetricSample{}, false
	}
	p := prev.d
	counters := [][2]int64{{int64(p.CPUTime), int64(d.CPUTime)}, {p.ReadBytes, d.ReadBytes}, {p.WrittenBytes, d.WrittenBytes},
		{p.Reads, d.Reads}, {p.Writes, d.Writes}, {p.Received, d.Received}, {p.Sent, d.Sent},
		{p.ReceivedPackets, d.ReceivedPackets}, {p.SentPackets, d.SentPackets}}
	for _, c := range counters {
		if c[1] < c[0] {
			return store.MetricSample{}, false
		}
	}
	secs := dt.Seconds()
	perSecond := func(before, after int64, scale float64) int64 {
		return int64(math.Round(float64(after-before) * scale / secs))
	}
	vcpus := d.VCPUs
	if vcpus <= 0 {
		vcpus = max(vm.VCPUs, 1)
	}
	// cpu.time counts QEMU's own threads too, so a busy guest can pass 100 %
	// of its vCPUs by a little: the graph says "of its vCPUs", so it stops there.
	cpu := min(perSecond(int64(p.CPUTime), int64(d.CPUTime), 100*100/1e9/float64(vcpus)), 100*100)
	return store.MetricSample{
		VMID:          vm.ID,
		CPU:           cpu,
		Memory:        d.MemoryUsed,
		DiskRead:      perSecond(p.ReadBytes, d.ReadBytes, 1),
		DiskWrite:     perSecond(p.WrittenBytes, d.WrittenBytes, 1),
		DiskReads:     perSecond(p.Reads, d.Reads, 100),
		DiskWrites:    perSecond(p.Writes, d.Writes, 100),
		NetIn:         perSecond(p.Received, d.Received, 1),
		NetOut:        perSecond(p.Sent, d.Sent, 1),
		NetInPackets:  perSecond(p.ReceivedPackets, d.ReceivedPackets, 100),
		NetOutPackets: perSecond(p.SentPackets, d.SentPackets, 100),
	}, true
}
