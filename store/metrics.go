package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
)

// The steps metric samples are kept at, finest first: the sampler's 30-second
// slot and the rollups of it. The day is kept as long as the hour, for the
// answers over months: a VM's points are read a slot at a time (see
// MetricSums), and 13 months are 9,500 hours but 395 days.
const (
	MetricStep30s = 30
	MetricStep5m  = 300
	MetricStep1h  = 3600
	MetricStep1d  = 86400
)

// MetricSteps are the kept steps, finest first.
var MetricSteps = []int64{MetricStep30s, MetricStep5m, MetricStep1h, MetricStep1d}

// MetricSample is what one VM used over one interval, in the units
// metric_samples keeps (migration 0032): rates, scaled to integers.
type MetricSample struct {
	VMID int64
	// CPU is in hundredths of a percent of the VM's vCPUs.
	CPU int64
	// Memory is bytes in use.
	Memory int64
	// DiskRead and DiskWrite are bytes/s; DiskReads and DiskWrites hundredths
	// of a request/s.
	DiskRead, DiskWrite, DiskReads, DiskWrites int64
	// NetIn and NetOut are bytes/s received and sent by the VM; NetInPackets
	// and NetOutPackets hundredths of a packet/s.
	NetIn, NetOut, NetInPackets, NetOutPackets int64
}

// metricColumns are the values of a sample, in MetricSample's order.
const metricColumns = `cpu, memory, disk_read, disk_write, disk_reads, disk_writes, net_in, net_out, net_in_packets, net_out_packets`

// metricBatch bounds the rows of one INSERT (14 parameters each, far below
// SQLite's limit): one statement per batch instead of one per row.
const metricBatch = 64

// RecordMetricSamples writes a pass's samples, all of the 30-second slot that
// starts at at (unix seconds), in one transaction. A slot written twice keeps
// the later sample.
func (db *DB) RecordMetricSamples(ctx context.Context, at int64, samples []MetricSample) error {
	if len(samples) == 0 {
		return nil
	}
	// Prepared before the transaction: the writer's one connection is the
	// transaction's until it ends.
	full, err := db.written(ctx, fullInsert())
	if err != nil {
		return err
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		args := make([]any, 0, metricBatch*14)
		for start := 0; start < len(samples); start += metricBatch {
			batch := samples[start:min(start+metricBatch, len(samples))]
			args = args[:0]
			for _, s := range batch {
				args = append(args, MetricStep30s, at, s.VMID, 1, s.CPU, s.Memory, s.DiskRead, s.DiskWrite, s.DiskReads, s.DiskWrites,
					s.NetIn, s.NetOut, s.NetInPackets, s.NetOutPackets)
			}
			var err error
			if len(batch) == metricBatch {
				_, err = tx.StmtContext(ctx, full).ExecContext(ctx, args...)
			} else {
				_, err = tx.ExecContext(ctx, buildInsert(len(batch)), args...)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// fullInsert is the statement of a whole batch, built once (and prepared
// once: written); a shorter last batch builds its own.
var fullInsert = sync.OnceValue(func() string { return buildInsert(metricBatch) })

func buildInsert(rows int) string {
	var b strings.Builder
	b.WriteString(`INSERT OR REPLACE INTO metric_samples (step, at, vm_id, samples, ` + metricColumns + `) VALUES `)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
	}
	return b.String()
}

// averaged is each value column averaged over the rows grouped, weighted by
// the samples each holds.
var averaged = func() string {
	var cols []string
	for _, c := range strings.Split(metricColumns, ", ") {
		cols = append(cols, "CAST(round(sum("+c+" * samples) * 1.0 / sum(samples)) AS INTEGER)")
	}
	return strings.Join(cols, ", ")
}()

// KeepMetricSamples makes every whole slot of each coarser step that ended
// by now (unix seconds) from the step below it (5-minute slots from
// 30-second ones, hours from 5 minutes, days from hours), then deletes each
// step's samples older than before[step], all in one transaction. Each slot
// is made once (metric_rollups remembers how far each step has gone), and a
// step's samples are only deleted once made into the next; slots with no
// samples below them stay absent.
func (db *DB) KeepMetricSamples(ctx context.Context, now int64, before map[int64]int64) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		for i := 1; i < len(MetricSteps); i++ {
			if err := rollUp(ctx, tx, MetricSteps[i-1], MetricSteps[i], now); err != nil {
				return err
			}
		}
		for _, step := range MetricSteps {
			if cut, ok := before[step]; ok {
				if _, err := tx.ExecContext(ctx, `DELETE FROM metric_samples WHERE step = ? AND at < ?`, step, cut); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// rollUp makes the slots of step to that ended by now from those of step from.
func rollUp(ctx context.Context, tx *sql.Tx, from, to, now int64) error {
	until := now / to * to
	var done sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT done_until FROM metric_rollups WHERE step = ?`, to).Scan(&done)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if !done.Valid {
		// The first rollup starts at the first sample below it.
		var first sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT min(at) FROM metric_samples WHERE step = ?`, from).Scan(&first); err != nil {
			return err
		}
		if !first.Valid {
			return nil
		}
		done.Int64 = first.Int64 / to * to
	}
	if done.Int64 >= until {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO metric_samples (step, at, vm_id, samples, `+metricColumns+`)
		SELECT ?1, at / ?1 * ?1, vm_id, sum(samples), `+averaged+`
		FROM metric_samples WHERE step = ?2 AND at >= ?3 AND at < ?4 GROUP BY at / ?1, vm_id`,
		to, from, done.Int64, until); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO metric_rollups (step, done_until) VALUES (?, ?)
		ON CONFLICT (step) DO UPDATE SET done_until = excluded.done_until`, to, until)
	return err
}

// MetricRollups is how far each rolled-up step has gone: its slots before
// the time given (unix seconds) are made. A step not rolled up yet is absent.
func (db *DB) MetricRollups(ctx context.Context) (map[int64]int64, error) {
	rows, err := db.read(ctx, `SELECT step, done_until FROM metric_rollups`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var step, until int64
		if err := rows.Scan(&step, &until); err != nil {
			return nil, err
		}
		out[step] = until
	}
	return out, rows.Err()
}

// MetricSum is a VM's rows of one step summed into one bucket: each value
// weighted by the samples of its row, so Sum.CPU / Samples is the bucket's
// average CPU, and so on.
type MetricSum struct {
	At      int64 // unix second the bucket starts at
	Samples int64
	Sum     MetricSample
}

// MetricSums reads a VM's rows of step with from <= at < to, summed into
// buckets of bucket seconds (a multiple of step), oldest first; buckets
// without rows are absent. It looks each slot up by its key, so its cost
// follows the slots asked for, whatever the number of VMs.
func (db *DB) MetricSums(ctx context.Context, vmID, step, from, to, bucket int64) ([]MetricSum, error) {
	first := (from + step - 1) / step * step
	if first >= to {
		return nil, nil
	}
	var sums []string
	for _, c := range strings.Split(metricColumns, ", ") {
		sums = append(sums, "sum(m."+c+" * m.samples)")
	}
	// CROSS JOIN keeps the slots outside: one lookup of (step, at, vm_id) each.
	rows, err := db.read(ctx, `WITH RECURSIVE slot(at) AS (SELECT ?1 UNION ALL SELECT at + ?2 FROM slot WHERE at + ?2 < ?3)
		SELECT m.at / ?4 * ?4 AS bucket, sum(m.samples), `+strings.Join(sums, ", ")+`
		FROM slot CROSS JOIN metric_samples m ON m.step = ?2 AND m.at = slot.at AND m.vm_id = ?5
		GROUP BY bucket ORDER BY bucket`, first, step, to, bucket, vmID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MetricSum
	for rows.Next() {
		var m MetricSum
		s := &m.Sum
		if err := rows.Scan(&m.At, &m.Samples, &s.CPU, &s.Memory, &s.DiskRead, &s.DiskWrite, &s.DiskReads, &s.DiskWrites,
			&s.NetIn, &s.NetOut, &s.NetInPackets, &s.NetOutPackets); err != nil {
			return nil, err
		}
		m.Sum.VMID = vmID
		out = append(out, m)
	}
	return out, rows.Err()
}

// SampledVM is what the usage sampler needs of a VM on a node.
type SampledVM struct {
	ID     int64
	UUID   string
	NodeID int64
	VCPUs  int
}

// SampledVMs are the VMs placed on a node and not destroyed: the domains
// whose usage the sampler records. A narrow read: the sampler runs every 30 s
// beside the pages.
func (db *DB) SampledVMs(ctx context.Context) ([]SampledVM, error) {
	rows, err := db.read(ctx, `SELECT id, uuid, node_id, vcpus FROM vms WHERE node_id IS NOT NULL AND status <> `+sqlDestroyed)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SampledVM
	for rows.Next() {
		var v SampledVM
		if err := rows.Scan(&v.ID, &v.UUID, &v.NodeID, &v.VCPUs); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// LatestMetricSample is a VM's newest 30-second sample at or after since
// (unix seconds), and false when it has none so recent. It reads the few
// slots since then by their key.
func (db *DB) LatestMetricSample(ctx context.Context, vmID, since int64) (MetricSample, bool, error) {
	rows, err := db.read(ctx, `SELECT `+metricColumns+` FROM metric_samples
		WHERE step = ?1 AND at >= ?2 AND vm_id = ?3 ORDER BY at DESC LIMIT 1`, MetricStep30s, since, vmID)
	if err != nil {
		return MetricSample{}, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return MetricSample{}, false, rows.Err()
	}
	s := MetricSample{VMID: vmID}
	err = rows.Scan(&s.CPU, &s.Memory, &s.DiskRead, &s.DiskWrite, &s.DiskReads, &s.DiskWrites,
		&s.NetIn, &s.NetOut, &s.NetInPackets, &s.NetOutPackets)
	return s, err == nil, err
}
