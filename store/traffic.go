package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"abrak/calendar"
)

// TrafficSample is what a node's interface counters said of one VM's domain.
// Received and sent are the guest's: what it received and what it sent.
type TrafficSample struct {
	VMID     int64
	DomainID int // libvirt's id of the running domain; a new one is a restart
	Received int64
	Sent     int64
}

// TrafficMonth is the calendar month (UTC) traffic is counted in.
func TrafficMonth(t time.Time) string { return t.UTC().Format("2006-01") }

// JalaliTrafficMonth is the Jalali month in Tehran (YYYY-MM) traffic_jalali
// counts in: the month Persian customers read their statements in.
func JalaliTrafficMonth(t time.Time) string { return calendar.At(t, true).String() }

// RecordTraffic adds to each VM's month what its counters grew by since the
// sample before. Counters start again from zero when a domain restarts (a new
// domain id, or counters lower than last seen): then all they show is new.
// Samples that show no change write nothing.
func (db *DB) RecordTraffic(ctx context.Context, samples []TrafficSample, at time.Time) error {
	if len(samples) == 0 {
		return nil
	}
	type last struct {
		dom      int
		rx, tx   int64
		recorded bool
	}
	seen := make(map[int64]last, len(samples))
	rows, err := db.read(ctx, `SELECT vm_id, domain_id, rx_bytes, tx_bytes FROM traffic_counters`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var l last
		if err := rows.Scan(&id, &l.dom, &l.rx, &l.tx); err != nil {
			rows.Close()
			return err
		}
		l.recorded = true
		seen[id] = l
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	month, jalali := TrafficMonth(at), JalaliTrafficMonth(at)
	return db.Tx(ctx, func(tx *sql.Tx) error {
		for _, s := range samples {
			l := seen[s.VMID]
			if l.recorded && l.dom == s.DomainID && l.rx == s.Received && l.tx == s.Sent {
				continue
			}
			drx, dtx := s.Received, s.Sent
			if l.recorded && l.dom == s.DomainID && s.Received >= l.rx && s.Sent >= l.tx {
				drx, dtx = s.Received-l.rx, s.Sent-l.tx
			}
			if drx > 0 || dtx > 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO traffic (vm_id, month, rx_bytes, tx_bytes) VALUES (?, ?, ?, ?)
					ON CONFLICT (vm_id, month) DO UPDATE SET rx_bytes = rx_bytes + excluded.rx_bytes, tx_bytes = tx_bytes + excluded.tx_bytes`,
					s.VMID, month, drx, dtx); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO traffic_jalali (vm_id, month, rx_bytes, tx_bytes) VALUES (?, ?, ?, ?)
					ON CONFLICT (vm_id, month) DO UPDATE SET rx_bytes = rx_bytes + excluded.rx_bytes, tx_bytes = tx_bytes + excluded.tx_bytes`,
					s.VMID, jalali, drx, dtx); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO traffic_counters (vm_id, domain_id, rx_bytes, tx_bytes, seen_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (vm_id) DO UPDATE SET domain_id = excluded.domain_id, rx_bytes = excluded.rx_bytes,
				tx_bytes = excluded.tx_bytes, seen_at = excluded.seen_at`,
				s.VMID, s.DomainID, s.Received, s.Sent, at.Unix()); err != nil {
				return err
			}
		}
		return nil
	})
}

// JalaliTraffic is a VM's received and sent bytes in a Jalali month (JalaliTrafficMonth).
func (db *DB) JalaliTraffic(ctx context.Context, vmID int64, month string) (received, sent int64, err error) {
	err = db.readRow(ctx, `SELECT rx_bytes, tx_bytes FROM traffic_jalali WHERE vm_id = ? AND month = ?`, vmID, month).Scan(&received, &sent)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return received, sent, err
}

// Traffic is a VM's received and sent bytes in a month (TrafficMonth).
func (db *DB) Traffic(ctx context.Context, vmID int64, month string) (received, sent int64, err error) {
	err = db.readRow(ctx, `SELECT rx_bytes, tx_bytes FROM traffic WHERE vm_id = ? AND month = ?`, vmID, month).Scan(&received, &sent)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return received, sent, err
}
