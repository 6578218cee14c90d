package hypervisor

import (
	"context"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
)

// DomainInfo is one domain's state and usage. Figures a driver does not report
// for a domain (most of them while it is off) stay zero.
type DomainInfo struct {
	UUID     string
	Name     string
	State    State
	VCPUs    int
	MemoryMB int
	CPUTime  time.Duration
}

const statsWanted = libvirt.DomainStatsState | libvirt.DomainStatsCPUTotal |
	libvirt.DomainStatsBalloon | libvirt.DomainStatsVCPU

// States returns every domain of the node with its state and usage, in one call.
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
	out := make([]DomainInfo, 0, len(recs))
	for _, r := range recs {
		info := DomainInfo{UUID: uuidString(r.Dom.UUID), Name: r.Dom.Name, State: StateStopped}
		for _, p := range r.Params {
			v, ok := paramInt(p.Value)
			if !ok {
				continue
			}
			switch p.Field {
			case "state.state":
				info.State = domainState(libvirt.DomainState(v))
			case "vcpu.current":
				info.VCPUs = int(v)
			case "balloon.current":
				info.MemoryMB = int(v / 1024)
			case "cpu.time":
				info.CPUTime = time.Duration(v)
			}
		}
		out = append(out, info)
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
