package services_test

import (
	"abrak/testkit"
	"bytes"
	"fmt"
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
)

// The samples of a real guest at work are what libvirt counted: a guest
// writes and reads 16 MiB on its disk, runs a busy loop and is pinged from
// its network while the sampler's interval runs; each rate it stores, times
// the interval, lies between what `virsh domstats` counted over the
// narrowest and the widest windows around its two readings, and is at least
// the work done. After the guest is powered off and on (its counters from
// zero), the next interval has no sample, not a spike, and the one after has.
func TestUsageSamplesOfAGuestAtWorkAreWhatLibvirtCounted(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "qemu")
	e.onTheBridge()
	clock := testkit.NewClock(time.Now().Truncate(time.Minute))
	e.cfg.Now = clock.Now
	owner := e.customer("busy@example.com", 100*vmtPrice)
	p := e.openReady(true)
	vm := e.runningVM(p, owner, "busy")
	guest := guestShell{netns: e.daemon.Netns, addr: vm.PublicIP}
	guest.wait(t)
	stats := domstats{uri: "qemu+unix:///system?socket=" + e.daemon.Socket, uuid: vm.UUID}

	const interval = 300 * time.Second // the sampler's interval, on its clock
	a := stats.read(t)
	t0 := clock.Now()
	p.SampleUsage(e.ctx, t0)
	b := stats.read(t)
	guest.run(t, "dd if=/dev/zero of=/data/sixteen bs=1M count=16 conv=fsync 2>/dev/null; sync")
	guest.run(t, "sync; echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/vda of=/dev/null bs=1M skip=600 count=16 2>/dev/null")
	guest.run(t, "i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done")
	ping, err := exec.Command("ip", "netns", "exec", e.daemon.Netns, "ping", "-q", "-c", "300", "-i", "0.002", "-s", "1000", vm.PublicIP).CombinedOutput()
	must(t, err)
	replies := pingReplies(t, string(ping))
	c := stats.read(t)
	p.SampleUsage(e.ctx, clock.Set(t0.Add(interval)))
	d := stats.read(t)

	secs := interval.Seconds()
	// within checks a stored rate against the counter's growth over the inner
	// (c-b) and outer (d-a) windows, each turned into the stored unit as the
	// sampler turns it (scale, then rounded to decimals).
	within := func(what string, got float64, counter string, scale float64, decimals int) {
		t.Helper()
		unit := func(n int64) float64 {
			pow := math.Pow10(decimals)
			return math.Round(float64(n)*scale/secs*pow) / pow
		}
		lo, hi := unit(c.sum(counter)-b.sum(counter)), unit(d.sum(counter)-a.sum(counter))
		if got < lo || got > hi {
			t.Errorf("%s: %v, but libvirt's %s grew by %v to %v over the interval", what, got, counter, lo, hi)
		}
	}
	at := t0.Add(interval)
	cpu := metricAt(t, p, owner, vm.UUID, "cpu", at)
	within("cpu percent", cpu["cpu"], "cpu.time", 100.0/1e9, 2)
	disk := metricAt(t, p, owner, vm.UUID, "disk", at)
	within("disk write bytes/s", disk["write"], ".wr.bytes", 1, 0)
	within("disk read bytes/s", disk["read"], ".rd.bytes", 1, 0)
	within("disk write operations/s", disk["write_iops"], ".wr.reqs", 1, 2)
	within("disk read operations/s", disk["read_iops"], ".rd.reqs", 1, 2)
	net := metricAt(t, p, owner, vm.UUID, "network", at)
	within("network in bytes/s (bits/8)", net["in"]/8, ".rx.bytes", 1, 0)
	within("network out bytes/s (bits/8)", net["out"]/8, ".tx.bytes", 1, 0)
	within("packets in/s", net["in_packets"], ".rx.pkts", 1, 2)
	within("packets out/s", net["out_packets"], ".tx.pkts", 1, 2)

	// And the work done shows: 16 MiB each way, 300 pings of 1,042 bytes a
	// frame in and a reply out for each answered.
	const mib = 1 << 20
	if disk["write"]*secs < 16*mib-secs || disk["read"]*secs < 16*mib-secs {
		t.Errorf("16 MiB written and read, but the samples say %.0f and %.0f bytes", disk["write"]*secs, disk["read"]*secs)
	}
	if net["in"]/8*secs < 300*1042-secs || net["out"]/8*secs < float64(replies)*1042-secs {
		t.Errorf("300 pings of 1,042 bytes in and %d replies out, but the samples say %.0f and %.0f bytes", replies, net["in"]/8*secs, net["out"]/8*secs)
	}
	if cpu["cpu"] <= 0 {
		t.Errorf("a busy loop, but the CPU sample is %v", cpu["cpu"])
	}
	mem := metricAt(t, p, owner, vm.UUID, "memory", at)["used"]
	t.Logf("over %s: cpu %v, disk %v, network %v (%d ping replies), memory %.0f bytes", interval, cpu, disk, net, replies, mem)
	lo, hi := min(c.memoryUsed(), d.memoryUsed()), max(c.memoryUsed(), d.memoryUsed())
	if mem < 0.9*lo || mem > 1.1*hi || mem > 256*mib {
		t.Errorf("memory used %v bytes; libvirt said %v to %v of the guest's 256 MiB", mem, lo, hi)
	}

	// Off and on behind the panel's back: a new domain, its counters from zero.
	must(t, e.keeper.PowerOff(e.ctx, vm.UUID))
	must(t, e.keeper.Start(e.ctx, vm.UUID))
	p.SampleUsage(e.ctx, clock.Set(t0.Add(2*interval)))
	if got := metricAt(t, p, owner, vm.UUID, "cpu", t0.Add(2*interval)); len(got) != 0 {
		t.Errorf("the interval of a restart has a sample: %v", got)
	}
	p.SampleUsage(e.ctx, clock.Set(t0.Add(3*interval)))
	after := metricAt(t, p, owner, vm.UUID, "disk", t0.Add(3*interval))
	if len(after) == 0 || after["write"]*secs > 16*mib {
		t.Errorf("the interval after a restart: %v, want a sample of what the new domain did", after)
	}
}

// metricAt is a type's series' values at one sample's slot, by name; empty
// when the slot has no sample.
func metricAt(t testing.TB, p *panel, who services.Principal, uuid, typ string, at time.Time) map[string]float64 {
	t.Helper()
	m, err := p.Metrics(p.ctx, who, uuid, services.MetricsQuery{Type: typ, Start: strconv.FormatInt(at.Unix(), 10),
		End: strconv.FormatInt(at.Unix()+store.MetricStep30s, 10), Step: "30"})
	must(t, err)
	out := map[string]float64{}
	for _, s := range m.Series {
		for _, pt := range s.Points {
			if pt.At.Equal(at) {
				out[s.Name] = pt.Value
			}
		}
	}
	return out
}

// domstats reads a domain's counters with virsh, as an operator would: not
// through the panel's connection or its reading of the answer.
type domstats struct{ uri, uuid string }

type counters map[string]int64

func (s domstats) read(t testing.TB) counters {
	t.Helper()
	out, err := exec.Command("virsh", "-c", s.uri, "domstats", "--raw", "--cpu-total", "--balloon", "--block", "--interface", s.uuid).CombinedOutput()
	if err != nil {
		t.Fatalf("virsh domstats: %v: %s", err, out)
	}
	c := counters{}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if n, err := strconv.ParseInt(v, 10, 64); ok && err == nil {
			c[k] = n
		}
	}
	if _, ok := c["cpu.time"]; !ok {
		t.Fatalf("virsh domstats shows no cpu.time:\n%s", out)
	}
	return c
}

// sum adds the counters named so or ending so (".wr.bytes": every disk's).
func (c counters) sum(name string) int64 {
	var n int64
	for k, v := range c {
		if k == name || strings.HasPrefix(name, ".") && strings.HasSuffix(k, name) && !strings.Contains(k, ".backingIndex") {
			n += v
		}
	}
	return n
}

// memoryUsed is what QEMU holds for the guest (the tiny guest has no balloon
// driver to count its own), up to the guest's memory, in bytes.
func (c counters) memoryUsed() float64 {
	return float64(min(c["balloon.rss"], c["balloon.current"]) * 1024)
}

var received = regexp.MustCompile(`(\d+) (?:packets )?received`)

func pingReplies(t testing.TB, out string) int {
	t.Helper()
	m := received.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("ping said:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// guestShell runs commands on a guest over SSH from the node's namespace,
// logged in as root with the order's password.
type guestShell struct{ netns, addr string }

func (g guestShell) ssh(command string) (string, error) {
	cmd := exec.Command("ip", "netns", "exec", g.netns, "sshpass", "-p", vmtPassword, "ssh", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR", "-o", "PubkeyAuthentication=no",
		"root@"+g.addr, command)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("ssh %q: %v: %s", command, err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// wait waits until the guest lets root in; the bound only catches a guest
// that never boots.
func (g guestShell) wait(t testing.TB) {
	t.Helper()
	eventually(t, 3*time.Minute, "an SSH login to the guest", func() (bool, string) {
		_, err := g.ssh("true")
		if err != nil {
			time.Sleep(time.Second)
			return false, err.Error()
		}
		return true, ""
	})
}

func (g guestShell) run(t testing.TB, command string) {
	t.Helper()
	if out, err := g.ssh(command); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
