package web

import (
	"github.com/prometheus/client_golang/prometheus"

	"abrak/services"
)

// nodeCollector reports each node's health and accelerator at scrape time, from
// what the fleet knows then, so there is nothing to keep in step.
type nodeCollector struct {
	nodes   func() []services.NodeHealth
	up      *prometheus.Desc
	accel   *prometheus.Desc
	crashes *prometheus.Desc
}

func newNodeCollector(nodes func() []services.NodeHealth) *nodeCollector {
	return &nodeCollector{
		nodes: nodes,
		up:    prometheus.NewDesc("abrak_node_up", "1 while the panel's connection to the node is up.", []string{"node", "region"}, nil),
		accel: prometheus.NewDesc("abrak_node_accelerator", "The accelerator the node's domains get (1 for the one in use).",
			[]string{"node", "virt_type", "virt_mode"}, nil),
		crashes: prometheus.NewDesc("abrak_guest_crashes_total", "Guests QEMU stopped on an internal error or a panic, since the panel started.",
			[]string{"node"}, nil),
	}
}

func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.up
	ch <- c.accel
	ch <- c.crashes
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
	}
}
