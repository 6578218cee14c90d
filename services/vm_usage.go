package services

import (
	"context"
	"math"
	"time"

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
	if node, err := s.nodeOf(vm); err == nil {
		if d, err := node.DiskUse(ctx, vm.UUID); err == nil {
			u.DiskPercent = percent(float64(d.Used)/float64(d.Total)*100, 1)
		}
	}
	return u, nil
}

// percent rounds a share to decimals, held within 0–100: a balloon or a
// clock's jitter can read a little over.
func percent(v float64, decimals int) *float64 {
	pow := math.Pow10(decimals)
	v = math.Round(min(max(v, 0), 100)*pow) / pow
	return &v
}
