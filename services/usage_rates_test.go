package services

import (
	"testing"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// A counter lower than the last reading of the same domain (a disk or an
// interface detached, a counter reset by the hypervisor) gives no sample for
// that interval, never a negative or a huge rate; the next interval is
// measured from the lower reading.
func TestACounterGoingBackGivesNoSampleForThatInterval(t *testing.T) {
	var u usageReadings
	vm := store.SampledVM{ID: 7, UUID: "u-7", NodeID: 1, VCPUs: 2}
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	reading := func(cpu time.Duration, written, received int64) []hypervisor.DomainInfo {
		return []hypervisor.DomainInfo{{UUID: "u-7", State: vmstatus.Running, DomainID: 3, VCPUs: 2, CPUTime: cpu,
			WrittenBytes: written, Received: received, MemoryUsed: 1 << 20}}
	}
	steps := []struct {
		cpu               time.Duration
		written, received int64
		want              []store.MetricSample
	}{
		{10 * time.Second, 1000, 500, nil},
		// 15 s of CPU over 30 s of 2 vCPUs is 25 %; 3,000 bytes over 30 s 100 bytes/s.
		{25 * time.Second, 4000, 3500, []store.MetricSample{{VMID: 7, CPU: 2500, Memory: 1 << 20, DiskWrite: 100, NetIn: 100}}},
		{26 * time.Second, 100, 3500, nil}, // the disk's counter went back
		{27 * time.Second, 3100, 3500, []store.MetricSample{{VMID: 7, CPU: 167, Memory: 1 << 20, DiskWrite: 100}}},
		// More CPU than the vCPUs can give (QEMU's own threads) stops at 100 %.
		{97 * time.Second, 3100, 3500, []store.MetricSample{{VMID: 7, CPU: 10000, Memory: 1 << 20}}},
	}
	for i, s := range steps {
		got := u.rates(1, []store.SampledVM{vm}, reading(s.cpu, s.written, s.received), t0.Add(time.Duration(i)*30*time.Second))
		if len(got) != len(s.want) || len(got) == 1 && got[0] != s.want[0] {
			t.Errorf("reading %d: samples %+v, want %+v", i, got, s.want)
		}
	}
}
