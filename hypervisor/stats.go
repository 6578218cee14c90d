package hypervisor

import (
	"context"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"abrak/vmstatus"
)

// DomainInfo is one domain's state and usage. Figures a driver does not report
// for a domain (most of them while it is off; all but the state on the test
// driver) stay zero.
type DomainInfo struct {
	UUID  string
	Name  string
	State vmstatus.Status
	// Detail says why a crashed domain crashed (QEMU's run state).
	Detail   string
	VCPUs    int
	MemoryMB int
	CPUTime  time.Duration
	// DomainID is libvirt's number for the running domain, new at every start;
	// every counter below starts from zero with a new DomainID.
	DomainID int
	// Received and Sent are its interfaces' byte counters as the guest sees
	// them, and ReceivedPackets and SentPackets their packet counters.
	Received, Sent               int64
	ReceivedPackets, SentPackets int64
	// ReadBytes, WrittenBytes, Reads and Writes are its disks' counters (bytes
	// and requests), all disks together. Only Usage reads them.
	ReadBytes, WrittenBytes, Reads, Writes int64
	// MemoryUsed is what the guest uses, in bytes: its own count when its
	// balloon driver reports one (total less what it could still use), else
	// what QEMU holds of the host's memory for it. Only Usage reads it.
	MemoryUsed int64
}

// statsWanted are the groups the reconciler reads: state, and the traffic it
// records in the same pass.
const statsWanted = libvirt.DomainStatsState | libvirt.DomainStatsCPUTotal |
	libvirt.DomainStatsBalloon | libvirt.DomainStatsVCPU | libvirt.DomainStatsInterface

// usageWanted adds the disks' counters, for the usage sampler.
const usageWanted = statsWanted | libvirt.DomainStatsBlock

// States returns every domain of the node with its state and usage, in one call,
// plus one call per domain paused for a reason libvirt does not know (a crash,
// perhaps: see pausedState).
func (n *Node) States(ctx context.Context) ([]DomainInfo, error) {
	out, paused, err := n.allStats(ctx, statsWanted)
	if err != nil {
		return nil, err
	}
	if len(paused) > 0 {
		_ = n.call(ctx, func(lv *libvirt.Libvirt) error {
			for _, p := range paused {
				out[p.i].State, out[p.i].Detail = pausedState(lv, p.dom, p.reason)
			}
			return nil
		})
	}
	return out, nil
}

// Usage returns every domain of the node with all its counters, disks'
// included, in exactly one call: why a domain is paused does not matter to
// what it used.
func (n *Node) Usage(ctx context.Context) ([]DomainInfo, error) {
	out, _, err := n.allStats(ctx, usageWanted)
	return out, err
}

// StatsCalls counts the node's all-domain stats calls since it was added to
// the fleet: the reconciler's and the sampler's passes make one each.
func (n *Node) StatsCalls() int64 { return n.statsCalls.Load() }

// unexplained is a domain paused for a reason libvirt does not know.
type unexplained struct {
	i      int
	dom    libvirt.Domain
	reason int32
}

func (n *Node) allStats(ctx context.Context, groups libvirt.DomainStatsTypes) ([]DomainInfo, []unexplained, error) {
	var recs []libvirt.DomainStatsRecord
	err := n.call(ctx, func(lv *libvirt.Libvirt) (err error) {
		n.statsCalls.Add(1)
		// Nowait: a domain busy with a long job reports what is at hand instead of
		// holding up the whole listing.
		recs, err = lv.ConnectGetAllDomainStats(nil, uint32(groups), uint32(libvirt.ConnectGetAllDomainsStatsNowait))
		return err
	})
	if err != nil {
		return nil, nil, wrapf(err, "domain states of %s", n.Config().Name)
	}
	var paused []unexplained
	out := make([]DomainInfo, 0, len(recs))
	for _, r := range recs {
		if strings.HasPrefix(r.Dom.Name, probePrefix) {
			continue
		}
		info, reason := domainInfo(r)
		if info.State == vmstatus.Paused && libvirt.DomainPausedReason(reason) != libvirt.DomainPausedUser {
			paused = append(paused, unexplained{len(out), r.Dom, reason})
		}
		out = append(out, info)
	}
	return out, paused, nil
}

// domainInfo reads one domain's record, and the reason of its state.
func domainInfo(r libvirt.DomainStatsRecord) (DomainInfo, int32) {
	info := DomainInfo{UUID: uuidString(r.Dom.UUID), Name: r.Dom.Name, State: vmstatus.Stopped, DomainID: int(r.Dom.ID)}
	reason := int32(0)
	var mem balloon
	for _, p := range r.Params {
		v, ok := paramInt(p.Value)
		if !ok {
			continue
		}
		switch p.Field {
		case "state.state":
			info.State = domainState(libvirt.DomainState(v))
		case "state.reason":
			reason = int32(v)
		case "vcpu.current":
			info.VCPUs = int(v)
		case "balloon.current":
			info.MemoryMB = int(v / 1024)
			mem.current = v
		case "balloon.rss":
			mem.rss = v
		case "balloon.available":
			mem.available = v
		case "balloon.unused":
			mem.unused = v
		case "balloon.usable":
			mem.usable = v
		case "cpu.time":
			info.CPUTime = time.Duration(v)
		default:
			switch {
			case strings.HasPrefix(p.Field, "net."):
				// net.N.rx.bytes: libvirt already swaps a tap's counters into the
				// guest's view (what the host sends, the guest receives).
				switch {
				case strings.HasSuffix(p.Field, ".rx.bytes"):
					info.Received += v
				case strings.HasSuffix(p.Field, ".tx.bytes"):
					info.Sent += v
				case strings.HasSuffix(p.Field, ".rx.pkts"):
					info.ReceivedPackets += v
				case strings.HasSuffix(p.Field, ".tx.pkts"):
					info.SentPackets += v
				}
			case strings.HasPrefix(p.Field, "block."):
				switch {
				case strings.HasSuffix(p.Field, ".rd.bytes"):
					info.ReadBytes += v
				case strings.HasSuffix(p.Field, ".wr.bytes"):
					info.WrittenBytes += v
				case strings.HasSuffix(p.Field, ".rd.reqs"):
					info.Reads += v
				case strings.HasSuffix(p.Field, ".wr.reqs"):
					info.Writes += v
				}
			}
		}
	}
	info.MemoryUsed = mem.used()
	return info, reason
}

// balloon is what the balloon group says of a domain's memory, in KiB.
type balloon struct{ current, rss, available, unused, usable int64 }

// used prefers the guest's own count (a guest whose balloon driver reports:
// total less MemAvailable, or less MemFree from an older guest), which leaves
// out its caches; else QEMU's resident memory, which a guest never gives back
// and which also holds QEMU's own, bounded by the guest's memory.
func (b balloon) used() int64 {
	switch {
	case b.available > 0 && b.usable > 0:
		return max(b.available-b.usable, 0) * 1024
	case b.available > 0 && b.unused > 0:
		return max(b.available-b.unused, 0) * 1024
	case b.current > 0:
		return min(b.rss, b.current) * 1024
	}
	return b.rss * 1024
}

func paramInt(v libvirt.TypedParamValue) (int64, bool) {
	switch x := v.I.(type) {
	case int32:
		return int64(x), true
	case uint32:
		return int64(x), true
	case int64:
		return x, true
	case uint64:
		return int64(x), true
	}
	return 0, false
}
