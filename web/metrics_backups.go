package web

import "github.com/prometheus/client_golang/prometheus"

// backupCollector reports failed backups by region (abrak_backup_failures_total).
type backupCollector struct {
	failures func() map[string]int64
	desc     *prometheus.Desc
}

func newBackupCollector(failures func() map[string]int64) *backupCollector {
	return &backupCollector{failures: failures,
		desc: prometheus.NewDesc("abrak_backup_failures_total", "Backups that failed (each try), since the panel started.", []string{"region"}, nil)}
}

func (c *backupCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *backupCollector) Collect(ch chan<- prometheus.Metric) {
	for region, n := range c.failures() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(n), region)
	}
}
