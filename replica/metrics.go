package replica

import "github.com/prometheus/client_golang/prometheus"

var (
	lagDesc = prometheus.NewDesc("abrak_replica_lag_seconds",
		"How long ago the newest moment was before which every commit is on the replica.", []string{"replica"}, nil)
	syncDesc = prometheus.NewDesc("abrak_replica_last_sync_timestamp_seconds",
		"When the replica last answered a pass in full (unix time; 0 never).", []string{"replica"}, nil)
	upDesc = prometheus.NewDesc("abrak_replica_up",
		"1 when the latest attempt to update the replica worked.", []string{"replica"}, nil)
)

// Collector reports each replica's lag, last sync and state to Prometheus.
func (r *Replicator) Collector() prometheus.Collector { return collector{r} }

type collector struct{ r *Replicator }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- lagDesc
	ch <- syncDesc
	ch <- upDesc
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.r.Status() {
		up, last := 0.0, 0.0
		if s.Error == "" {
			up = 1
		}
		if !s.LastSync.IsZero() {
			last = float64(s.LastSync.UnixNano()) / 1e9
		}
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, s.Lag.Seconds(), s.URL)
		ch <- prometheus.MustNewConstMetric(syncDesc, prometheus.GaugeValue, last, s.URL)
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, up, s.URL)
	}
}
