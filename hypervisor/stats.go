package hypervisor

import (
	"context"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"abrak/vmstatus"
)

// DomainInfo is one domain's state and usage. Figures a driver does not report
// for a domain (most of them while it is off) stay zero.
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
	// Received and Sent are its interfaces' byte counters as the guest sees them,
	// which start from zero with every new DomainID.
	DomainID       int
	Received, Sent int64
}

const statsWanted = libvirt.DomainStatsState | libvirt.DomainStatsCPUTotal |
	libvirt.DomainStatsBalloon | libvirt.DomainStatsVCPU | libvirt.DomainStatsInterface

// States returns every domain of the node with its state and usage, in one call,
// plus one call per domain paused for a reason libvirt does not know (a crash,
// perhaps: see pausedState).
func (n *Node) States(ctx context.Context) ([]DomainInfo, error) {
	var recs []libvirt.DomainStatsRecord
	err := n.call(ctx, func(lv *libvirt.Libvirt) (err error) {
		// Nowait: a domain busy with a long job reports what is at hand instead of
		// holding up the whole listing.
		recs, err = lv.ConnectGetAllDomainStats(nil, uint32(statsWanted), uint32(libvirt.ConnectGetAllDomainsStatsNowait))
		return err
	})
	if err != nil {
		return nil, wrapf(err, "domain states of %s", n.Config().Name)
	}
	type unexplained struct {
		i      int
		dom    libvirt.Domain
		reason int32
	}
	var paused []unexplained
	out := make([]DomainInfo, 0, len(recs))
	for _, r := range recs {
		if strings.HasPrefix(r.Dom.Name, probePrefix) {
			continue
		}
		info := DomainInfo{UUID: uuidString(r.Dom.UUID), Name: r.Dom.Name, State: vmstatus.Stopped, DomainID: int(r.Dom.ID)}
		reason := int32(0)
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
			case "cpu.time":
				info.CPUTime = time.Duration(v)
			default:
				// net.N.rx.bytes: libvirt already swaps a tap's counters into the
				// guest's view (what the host sends, the guest receives).
				if strings.HasPrefix(p.Field, "net.") {
					switch {
					case strings.HasSuffix(p.Field, ".rx.bytes"):
						info.Received += v
					case strings.HasSuffix(p.Field, ".tx.bytes"):
						info.Sent += v
					}
				}
			}
		}
		if info.State == vmstatus.Paused && libvirt.DomainPausedReason(reason) != libvirt.DomainPausedUser {
			paused = append(paused, unexplained{len(out), r.Dom, reason})
		}
		out = append(out, info)
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
