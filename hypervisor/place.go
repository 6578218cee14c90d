package hypervisor

import (
	"fmt"
)

// Resources is an amount of vCPUs, memory and disk.
type Resources struct {
	VCPUs    int
	MemoryMB int
	DiskGB   int
}

func (r Resources) add(o Resources) Resources {
	return Resources{r.VCPUs + o.VCPUs, r.MemoryMB + o.MemoryMB, r.DiskGB + o.DiskGB}
}

// Place picks the node of region where need fits beside used (what the panel has
// already placed, by node id), skipping nodes that do not answer. Among those that
// fit it takes the least loaded after placement, so VMs spread over the region. A
// capacity of 0 on a node means that resource is not limited there.
func (f *Fleet) Place(region string, need Resources, used map[int64]Resources) (int64, error) {
	return f.PlaceAmong(region, need, used, nil)
}

// PlaceAmong is Place over the nodes allowed admits (nil: all), such as those
// that hold the VM's template.
func (f *Fleet) PlaceAmong(region string, need Resources, used map[int64]Resources, allowed func(id int64) bool) (int64, error) {
	best, bestLoad, bestMem := int64(0), 2.0, 0
	seen := 0
	for _, n := range f.all() {
		cfg := n.Config()
		if cfg.Region != region || allowed != nil && !allowed(cfg.ID) {
			continue
		}
		seen++
		if up, _ := n.Up(); !up {
			n.poke()
			continue
		}
		after := used[cfg.ID].add(need)
		load, fits := 0.0, true
		for _, d := range []struct{ have, capacity int }{
			{after.VCPUs, cfg.VCPUs}, {after.MemoryMB, cfg.MemoryMB}, {after.DiskGB, cfg.DiskGB},
		} {
			if d.capacity <= 0 {
				continue
			}
			if d.have > d.capacity {
				fits = false
				break
			}
			load = max(load, float64(d.have)/float64(d.capacity))
		}
		// Equal loads (nodes without limits) go by memory already placed.
		if fits && (load < bestLoad || load == bestLoad && after.MemoryMB < bestMem) {
			best, bestLoad, bestMem = cfg.ID, load, after.MemoryMB
		}
	}
	if bestLoad > 1 {
		return 0, fmt.Errorf("%w: no node in region %q has room for %d vCPUs, %d MB, %d GB (%d nodes in region)",
			ErrUnavailable, region, need.VCPUs, need.MemoryMB, need.DiskGB, seen)
	}
	return best, nil
}
