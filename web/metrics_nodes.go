package web

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abrak/services"
)

// nodeCollector reports each node's health and accelerator at scrape time, from
// what the fleet knows then, so there is nothing to keep in step.
type nodeCollector struct {
	nodes    func() []services.NodeHealth
	up       *prometheus.Desc
	accel    *prometheus.Desc
	crashes  *prometheus.Desc
	draining *prometheus.Desc
}

func newNodeCollector(nodes func() []services.NodeHealth) *nodeCollector {
	return &nodeCollector{
		nodes: nodes,
		up:    prometheus.NewDesc("abrak_node_up", "1 while the panel's connection to the node is up.", []string{"node", "region"}, nil),
		accel: prometheus.NewDesc("abrak_node_accelerator", "The accelerator the node's domains get (1 for the one in use).",
			[]string{"node", "virt_type", "virt_mode"}, nil),
		crashes: prometheus.NewDesc("abrak_guest_crashes_total", "Guests QEMU stopped on an internal error or a panic, since the panel started.",
			[]string{"node"}, nil),
		draining: prometheus.NewDesc("abrak_node_draining", "1 while the node is being emptied: it takes no new VM.", []string{"node", "region"}, nil),
	}
}

func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.up
	ch <- c.accel
	ch <- c.crashes
	ch <- c.draining
}

func (c *nodeCollector) Collect(ch chan<- prometheus.Metric) {
	for _, n := range c.nodes() {
		up := 0.0
		if n.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up, n.Name, n.Region)
		if n.VirtType != "" {
			ch <- prometheus.MustNewConstMetric(c.accel, prometheus.GaugeValue, 1, n.Name, n.VirtType, n.VirtMode)
		}
		ch <- prometheus.MustNewConstMetric(c.crashes, prometheus.CounterValue, float64(n.Crashes), n.Name)
		draining := 0.0
		if n.Draining {
			draining = 1
		}
		ch <- prometheus.MustNewConstMetric(c.draining, prometheus.GaugeValue, draining, n.Name, n.Region)
	}
}

// poolCollector reports each address pool's free addresses and, per region, the
// orders that found its pools full, read at scrape time.
type poolCollector struct {
	pools     func(context.Context) ([]services.PoolHealth, map[string]int64, error)
	free      *prometheus.Desc
	live      *prometheus.Desc
	shortages *prometheus.Desc
}

func newPoolCollector(pools func(context.Context) ([]services.PoolHealth, map[string]int64, error)) *poolCollector {
	return &poolCollector{
		pools: pools,
		free: prometheus.NewDesc("abrak_address_pool_free", "Addresses an IPv4 pool can hand out now (neither live nor in quarantine).",
			[]string{"region", "network"}, nil),
		live: prometheus.NewDesc("abrak_address_pool_live", "Addresses of the pool that live VMs hold.", []string{"region", "network"}, nil),
		shortages: prometheus.NewDesc("abrak_address_pool_exhausted_total", "Orders that found their region's pools full, since the panel started.",
			[]string{"region"}, nil),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.free
	ch <- c.live
	ch <- c.shortages
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pools, short, err := c.pools(ctx)
	if err != nil {
		return
	}
	for _, p := range pools {
		if p.Free >= 0 {
			ch <- prometheus.MustNewConstMetric(c.free, prometheus.GaugeValue, float64(p.Free), p.Region, p.Network)
		}
		ch <- prometheus.MustNewConstMetric(c.live, prometheus.GaugeValue, float64(p.Live), p.Region, p.Network)
	}
	for region, n := range short {
		ch <- prometheus.MustNewConstMetric(c.shortages, prometheus.CounterValue, float64(n), region)
	}
}
