package services_test

import (
	"abrak/testkit"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
)

// BenchmarkUsagePass1000Domains is one pass of the usage sampler over 2 nodes
// of libvirt's test driver with 500 running domains each, beside one
// reconcile pass over the same domains (the yardstick: the worker that already
// reads every node this often). The sampler's clock moves 30 s a pass, so its
// rollups (every 10th pass, every 120th) weigh in as they do in a day. Reported
// per pass: the panel's CPU, libvirtd's CPU, and for the sampler its time in
// SQLite. The test driver reports only states: the sampler writes zeros,
// which SQLite stores in fewer bytes than real rates (BenchmarkUsageStorage
// measures those).
//
//	go test -run '^$' -bench UsagePass1000 -benchtime 120x ./services
func BenchmarkUsagePass1000Domains(b *testing.B) {
	clock := testkit.NewClock(time.Date(2030, 1, 10, 0, 0, 0, 0, time.UTC))
	m := newManyDomains(b, 2, 500, services.VMConfig{ReconcileInterval: time.Hour, Now: clock.Now})
	ctx := context.Background()
	daemonCPU := func() time.Duration {
		pid, err := os.ReadFile(filepath.Join(m.daemon.Dir, "libvirtd.pid"))
		must(b, err)
		stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/stat")
		must(b, err)
		f := strings.Fields(string(stat)[strings.LastIndexByte(string(stat), ')')+2:])
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		return time.Duration(ut+st) * time.Second / 100 // clock ticks (USER_HZ 100)
	}
	measure := func(b *testing.B, pass func() time.Duration) {
		pass() // the sampler's first pass only reads; the reconciler's settles
		c0, d0 := cpu(), daemonCPU()
		var sqlite time.Duration
		b.ResetTimer()
		for b.Loop() {
			sqlite += pass()
		}
		b.StopTimer()
		n := float64(b.N)
		b.ReportMetric(float64((cpu()-c0).Microseconds())/1000/n, "panel-cpu-ms/pass")
		b.ReportMetric(float64((daemonCPU()-d0).Microseconds())/1000/n, "libvirtd-cpu-ms/pass")
		if sqlite > 0 {
			b.ReportMetric(float64(sqlite.Microseconds())/1000/n, "sqlite-ms/pass")
		}
	}
	b.Run("sampler", func(b *testing.B) {
		calls := m.statsCalls(b)
		var samples int
		measure(b, func() time.Duration {
			p := m.workers.SampleUsage(ctx, clock.Add(30*time.Second))
			samples = p.Samples
			return p.SQLiteTime
		})
		if samples != 1000 {
			b.Fatalf("a pass wrote %d samples, want 1000", samples)
		}
		for id, n := range m.statsCalls(b) {
			if got := n - calls[id]; got != int64(b.N)+1 {
				b.Fatalf("node %d: %d stats calls in %d passes", id, got, b.N+1)
			}
		}
	})
	b.Run("reconcile", func(b *testing.B) {
		measure(b, func() time.Duration { m.workers.Reconcile(ctx); return 0 })
	})
}

// realisticSample is one VM's rates in a busy fleet: CPU and traffic that
// vary, memory mostly steady.
func realisticSample(r *rand.Rand, vmID int64) store.MetricSample {
	return store.MetricSample{VMID: vmID, CPU: r.Int64N(10_000), Memory: 200<<20 + r.Int64N(800<<20),
		DiskRead: r.Int64N(2 << 20), DiskWrite: r.Int64N(1 << 20), DiskReads: r.Int64N(5_000), DiskWrites: r.Int64N(3_000),
		NetIn: r.Int64N(1 << 20), NetOut: r.Int64N(4 << 20), NetInPackets: r.Int64N(100_000), NetOutPackets: r.Int64N(100_000)}
}

// BenchmarkUsageStorage writes three days of 30-second samples of 100 VMs
// with varied rates as the sampler does (a pass at a time, the worker rolling
// up and deleting after each), and measures what SQLite holds with its page
// accounting (dbstat): bytes a row, bytes a VM writes a day, bytes a VM holds
// once every step is full (24 h of 30 s, 14 days of 5 min, 13 months of hours
// and days),
// and the file's pages after each day: the 30-second level stops growing after
// its 24 h, its freed pages taken again.
//
//	go test -run '^$' -bench UsageStorage -benchtime 1x ./services
func BenchmarkUsageStorage(b *testing.B) {
	const vms, days = 100, 3
	for b.Loop() {
		e := newVMEnv(b, "")
		t0 := time.Date(2030, 1, 10, 0, 0, 0, 0, time.UTC)
		clock := testkit.NewClock(t0)
		e.cfg.Now = clock.Now
		p := e.open(false)
		r := rand.New(rand.NewPCG(1, 2))
		batch := make([]store.MetricSample, vms)
		tableBytes := func() (bytes, rows int64) {
			must(b, e.db.R.QueryRowContext(e.ctx, `SELECT sum(pgsize) FROM dbstat WHERE name = 'metric_samples'`).Scan(&bytes))
			must(b, e.db.R.QueryRowContext(e.ctx, `SELECT count(*) FROM metric_samples`).Scan(&rows))
			return bytes, rows
		}
		pages := func() string {
			var pc, free int64
			must(b, e.db.R.QueryRowContext(e.ctx, `SELECT * FROM pragma_page_count`).Scan(&pc))
			must(b, e.db.R.QueryRowContext(e.ctx, `SELECT * FROM pragma_freelist_count`).Scan(&free))
			return fmt.Sprintf("%d pages (%d free)", pc, free)
		}
		var perRow float64
		for day := range days {
			for slot := range 2880 {
				at := t0.Add(time.Duration(day)*24*time.Hour + time.Duration(slot)*30*time.Second)
				for i := range batch {
					batch[i] = realisticSample(r, int64(i+1))
				}
				must(b, e.db.RecordMetricSamples(e.ctx, at.Unix(), batch))
				p.SampleUsage(e.ctx, clock.Set(at.Add(time.Second)))
			}
			bytes, rows := tableBytes()
			if day == 0 {
				perRow = float64(bytes) / float64(rows)
			}
			b.Logf("after day %d: metric_samples %d bytes in %d rows; the file %s", day+1, bytes, rows, pages())
		}
		perDay := (2880 + 288 + 24 + 1) * perRow
		held := (2880 + 14*288 + 395*(24+1)) * perRow
		b.ReportMetric(perRow, "bytes/row")
		b.ReportMetric(perDay, "bytes/VM/day")
		b.ReportMetric(held, "bytes/VM-held")
	}
}

// BenchmarkMetrics is a CPU answer over the ranges of the graphs (the 30-day
// one: step 2 h, 360 points from the hour rows, the last hours from the
// 5-minute and 30-second ones) for one VM of 100 whose samples fill every
// step for 13 months, through the service (ownership, parsing, the reads and
// the averages).
//
//	go test -run '^$' -bench BenchmarkMetrics ./services
func BenchmarkMetrics(b *testing.B) {
	const vms = 100
	e := newVMEnv(b, "")
	now := time.Date(2030, 1, 10, 12, 34, 56, 0, time.UTC)
	e.cfg.Now = func() time.Time { return now }
	owner := e.customer("graphs@example.com", 100*vmtPrice)
	p := e.open(false)
	vm, err := p.Create(e.ctx, owner, vmOrder("graphs"))
	if errStatus(err) != 503 {
		b.Fatalf("an order without a node: %v", err)
	}
	n := now.Unix()
	levels := []struct{ step, from, to int64 }{
		{86400, now.AddDate(0, -13, 0).Unix()/86400*86400 + 86400, n / 86400 * 86400},
		{3600, now.AddDate(0, -13, 0).Unix()/3600*3600 + 3600, n / 3600 * 3600},
		{300, (n-14*86400)/300*300 + 300, n / 300 * 300},
		{30, (n-86400)/30*30 + 30, n/30*30 + 30},
	}
	for _, l := range levels {
		// Every VM's rows of a slot together, as the sampler writes them.
		_, err := e.db.W.ExecContext(e.ctx, `WITH RECURSIVE s(at) AS (SELECT ?1 UNION ALL SELECT at + ?2 FROM s WHERE at + ?2 < ?3),
			v(id) AS (SELECT ?4 UNION ALL SELECT id + 1 FROM v WHERE id < ?4 + ?5 - 1)
			INSERT INTO metric_samples (step, at, vm_id, samples, cpu, memory, disk_read, disk_write, disk_reads, disk_writes,
				net_in, net_out, net_in_packets, net_out_packets)
			SELECT ?2, at, id, ?2 / 30, abs(random() % 10000), 500000000 + abs(random() % 500000000), abs(random() % 2000000),
				abs(random() % 1000000), abs(random() % 5000), abs(random() % 3000), abs(random() % 1000000), abs(random() % 4000000),
				abs(random() % 100000), abs(random() % 100000) FROM s, v`, l.from, l.step, l.to, vm.ID, vms)
		must(b, err)
	}
	_, err = e.db.W.ExecContext(e.ctx, `INSERT INTO metric_rollups (step, done_until) VALUES (300, ?), (3600, ?), (86400, ?)`,
		n/300*300, n/3600*3600, n/86400*86400)
	must(b, err)
	for _, c := range []struct {
		name   string
		span   time.Duration
		points int
	}{
		{"1h", time.Hour, 120},
		{"24h", 24 * time.Hour, 288},
		{"7d", 7 * 24 * time.Hour, 336},
		{"30d", 30 * 24 * time.Hour, 360},
		{"13mo", 395 * 24 * time.Hour, 395},
	} {
		b.Run(c.name, func(b *testing.B) {
			q := services.MetricsQuery{Type: "cpu", Start: strconv.FormatInt(n-int64(c.span/time.Second), 10), End: strconv.FormatInt(n, 10)}
			var points int
			for b.Loop() {
				m, err := p.Metrics(e.ctx, owner, vm.UUID, q)
				must(b, err)
				points = len(m.Series[0].Points)
			}
			if points < c.points || points > c.points+1 {
				b.Fatalf("%d points, want %d", points, c.points)
			}
			b.ReportMetric(float64(points), "points")
		})
	}
}
