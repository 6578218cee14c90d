package services

import (
	"context"
	"math"
	"sync"
	"time"

	"abrak/hypervisor"
	"abrak/store"

	"abrak/vmstatus"
)

// usageFresh is how old the latest sample may be and still say what a VM is
// doing now: two of the sampler's 30-second passes and a little more, so
// one late pass does not blank it.
const usageFresh = 90 * time.Second

// ResourceUsage is what a VM uses now: CPU and memory from its latest
// sample, the disk from its guest agent, and the month's traffic. A nil
// figure is one not known (the VM off, no recent sample, no agent).
type ResourceUsage struct {
	CPUPercent, MemoryPercent, DiskPercent *float64
	// BandwidthUsed is the calendar month's traffic (UTC), received and sent, in bytes.
	BandwidthUsed int64
}

// Usage reads what one of the principal's VMs uses now. The guest agent is
// asked only while the VM runs, and its silence is no error: the disk
// figure is then unknown.
func (s *VMs) Usage(ctx context.Context, p Principal, uuid string) (ResourceUsage, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return ResourceUsage{}, err
	}
	vm, err := s.own(ctx, p, uuid)
	if err != nil {
		return ResourceUsage{}, err
	}
	v := s.vmOf(vm)
	u := ResourceUsage{BandwidthUsed: v.Received + v.Sent}
	if vm.Status != vmstatus.Running {
		return u, nil
	}
	since := s.cfg.Now().Add(-usageFresh).Unix()
	sample, ok, err := s.db.LatestMetricSample(ctx, vm.ID, since)
	if err != nil {
		return u, Internal(err)
	}
	if ok {
		u.CPUPercent = percent(float64(sample.CPU)/100, 1)
		if vm.MemoryMB > 0 {
			u.MemoryPercent = percent(float64(sample.Memory)/float64(int64(vm.MemoryMB)<<20)*100, 1)
		}
	}
	if d, ok := s.diskUseOf(ctx, vm); ok {
		u.DiskPercent = percent(float64(d.Used)/float64(d.Total)*100, 1)
	}
	return u, nil
}

// diskUseFresh is how long a guest agent's answer, or its silence, is kept:
// a guest whose agent is wedged makes libvirt wait its timeout, which a
// script polling the VM's body must not pay on every call. A disk fills
// slowly; a minute late is still true.
const diskUseFresh = time.Minute

// diskUseCache holds the last agent answer of each VM asked.
type diskUseCache struct {
	mu sync.Mutex
	m  map[string]diskUseAnswer
}

type diskUseAnswer struct {
	use hypervisor.DiskUse
	ok  bool
	at  time.Time
}

// diskUseOf is how full a running VM's file systems are, from its guest
// agent or the answer kept from the last minute; false when unknown.
func (s *vmCore) diskUseOf(ctx context.Context, vm store.VM) (hypervisor.DiskUse, bool) {
	now := time.Now()
	c := &s.diskUse
	c.mu.Lock()
	a, kept := c.m[vm.UUID]
	c.mu.Unlock()
	if kept && now.Sub(a.at) < diskUseFresh {
		return a.use, a.ok
	}
	a = diskUseAnswer{at: now}
	if node, err := s.fleet.Node(vm.NodeID); err == nil {
		use, err := node.DiskUse(ctx, vm.UUID)
		a.use, a.ok = use, err == nil
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) > 10_000 {
		c.m = map[string]diskUseAnswer{} // bounded: forgetting costs one more question
	}
	c.m[vm.UUID] = a
	c.mu.Unlock()
	return a.use, a.ok
}

// percent rounds a share to decimals, held within 0–100: a balloon or a
// clock's jitter can read a little over.
func percent(v float64, decimals int) *float64 {
	pow := math.Pow10(decimals)
	v = math.Round(min(max(v, 0), 100)*pow) / pow
	return &v
}
