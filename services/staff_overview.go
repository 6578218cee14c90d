package services

import (
	"context"
	"sort"
	"time"

	"abrak/calendar"
	"abrak/store"
)

// Overview is the operator's first page: each figure links to where it is
// looked into.
type Overview struct {
	Nodes       []NodeHealth
	NodesUp     int
	NodesDown   int
	VMsByStatus []StatusCount
	store.StaffCounts
	// PoolsNearFull: IPv4 pools with less than a tenth of their addresses
	// (and fewer than 16) free.
	PoolsNearFull int
	// Month is the calendar month the revenue counts (Jalali for a reader in fa).
	Month calendar.Month
	// InMaintenance names the nodes in planned maintenance (no new placements).
	InMaintenance []string
}

// StatusCount is how many VMs are in one status.
type StatusCount struct {
	Status string
	Count  int
}

// lowWalletHours matches the first low-balance warning (low_balance.go).
const lowWalletHours = 72

// Overview reads the figures of the operator's first page; jalali counts the
// day and month in Tehran's Jalali calendar, otherwise in UTC.
func (s *Staff) Overview(ctx context.Context, p Principal, now time.Time, jalali bool) (Overview, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return Overview{}, err
	}
	var o Overview
	if s.fleet != nil {
		o.Nodes = s.fleet.Nodes()
	}
	for _, n := range o.Nodes {
		if n.Up {
			o.NodesUp++
		} else {
			o.NodesDown++
		}
	}
	loc := time.UTC
	if jalali {
		loc = calendar.Tehran
	}
	t := now.In(loc)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	o.Month = calendar.At(now, jalali)
	c, err := s.db.StaffCounts(ctx, [2]time.Time{day, day.AddDate(0, 0, 1)}, [2]time.Time{o.Month.From, o.Month.To}, lowWalletHours)
	if err != nil {
		return Overview{}, Internal(err)
	}
	o.StaffCounts = c
	for st, n := range c.VMsByStatus {
		o.VMsByStatus = append(o.VMsByStatus, StatusCount{st, n})
	}
	sort.Slice(o.VMsByStatus, func(i, j int) bool { return o.VMsByStatus[i].Status < o.VMsByStatus[j].Status })
	maint, err := s.db.NodesMaintenance(ctx)
	if err != nil {
		return Overview{}, Internal(err)
	}
	nodes, err := s.db.AllNodes(ctx)
	if err != nil {
		return Overview{}, Internal(err)
	}
	for _, n := range nodes {
		if maint[n.ID].On {
			o.InMaintenance = append(o.InMaintenance, n.Name)
		}
	}
	pools, err := s.db.Pools(ctx, s.quarantine)
	if err != nil {
		return Overview{}, Internal(err)
	}
	for _, pl := range pools {
		if poolNearFull(pl) {
			o.PoolsNearFull++
		}
	}
	return o, nil
}
