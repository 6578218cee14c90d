package services

import (
	"context"
	"slices"
	"strconv"
	"time"

	"abrak/mail"
	"abrak/store"
	"abrak/vmstatus"
)

// AlertKinds are what a customer can be told of: CPU above N % for M
// minutes, memory above N %, the guest's file systems above N % full, the
// month's traffic over N GB, the VM stopped without its owner asking.
var AlertKinds = []string{"cpu", "memory", "disk", "traffic", "stopped"}

// maxAlertsPerVM bounds a VM's alerts: each is looked at every pass.
const maxAlertsPerVM = 20

// Alert is a customer's alert as the doors show it.
type Alert struct {
	ID                 int64
	VMUUID, VMName     string
	Kind               string
	Threshold, Minutes int
	Firing             bool
	FiredAt            time.Time
	ResolvedAt         time.Time
	CreatedAt          time.Time
}

// AlertInput is a new alert as sent: the threshold and minutes as typed.
type AlertInput struct {
	VMUUID, Kind, Threshold, Minutes string
}

func alertOf(a store.Alert) Alert {
	return Alert{ID: a.ID, VMUUID: a.VMUUID, VMName: a.VMName, Kind: a.Kind, Threshold: a.Threshold, Minutes: a.Minutes,
		Firing: a.Firing, FiredAt: a.FiredAt, ResolvedAt: a.ResolvedAt, CreatedAt: a.CreatedAt}
}

// Alerts lists the principal's alerts, of one VM when uuid is not empty.
func (s *VMs) Alerts(ctx context.Context, p Principal, uuid string) ([]Alert, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return nil, err
	}
	var vmID int64
	if uuid != "" {
		vm, err := s.own(ctx, p, uuid)
		if err != nil {
			return nil, err
		}
		vmID = vm.ID
	}
	rows, err := s.db.AlertsOf(ctx, p.UserID, vmID)
	if err != nil {
		return nil, Internal(err)
	}
	out := make([]Alert, 0, len(rows))
	for _, a := range rows {
		out = append(out, alertOf(a))
	}
	return out, nil
}

// CreateAlert adds an alert on one of the principal's live VMs.
func (s *VMs) CreateAlert(ctx context.Context, p Principal, in AlertInput) (Alert, error) {
	if err := p.Require(ScopeVMWrite); err != nil {
		return Alert{}, err
	}
	a, err := checkAlert(in)
	if err != nil {
		return Alert{}, err
	}
	vm, err := s.own(ctx, p, in.VMUUID)
	if err != nil {
		return Alert{}, err
	}
	if !vm.Status.Live() {
		return Alert{}, Conflict("alert.vm_gone")
	}
	have, err := s.db.AlertsOf(ctx, p.UserID, vm.ID)
	if err != nil {
		return Alert{}, Internal(err)
	}
	if len(have) >= maxAlertsPerVM {
		return Alert{}, Conflict("alert.too_many", "n", strconv.Itoa(maxAlertsPerVM))
	}
	a.UserID, a.VMID = p.UserID, vm.ID
	id, err := s.db.CreateAlert(ctx, a, s.cfg.Now())
	if err != nil {
		return Alert{}, Internal(err)
	}
	rows, err := s.db.AlertsOf(ctx, p.UserID, vm.ID)
	if err != nil {
		return Alert{}, Internal(err)
	}
	for _, r := range rows {
		if r.ID == id {
			return alertOf(r), nil
		}
	}
	return Alert{}, NotFound()
}

// DeleteAlert removes one of the principal's alerts.
func (s *VMs) DeleteAlert(ctx context.Context, p Principal, id int64) error {
	if err := p.Require(ScopeVMWrite); err != nil {
		return err
	}
	ok, err := s.db.DeleteAlert(ctx, p.UserID, id)
	if err != nil {
		return Internal(err)
	}
	if !ok {
		return NotFound()
	}
	return nil
}

// checkAlert reads an alert's fields, naming each that is wrong.
func checkAlert(in AlertInput) (store.Alert, error) {
	fields := map[string]string{}
	a := store.Alert{Kind: in.Kind}
	if !slices.Contains(AlertKinds, in.Kind) {
		fields["kind"] = "alert.kind_invalid"
		return a, Invalid(fields)
	}
	number := func(field, s string, lo, hi int, key string) int {
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			fields[field] = key
		}
		return n
	}
	switch in.Kind {
	case "cpu":
		a.Threshold = number("threshold", in.Threshold, 1, 99, "alert.percent_invalid")
		a.Minutes = number("minutes", in.Minutes, 1, 1440, "alert.minutes_invalid")
	case "memory", "disk":
		a.Threshold = number("threshold", in.Threshold, 1, 99, "alert.percent_invalid")
	case "traffic":
		a.Threshold = number("threshold", in.Threshold, 1, 1_000_000, "alert.gb_invalid")
	}
	if len(fields) > 0 {
		return a, Invalid(fields)
	}
	return a, nil
}

// CheckAlerts looks at every alert after a pass of the sampler: an alert
// whose condition now holds begins an episode (one letter), one firing whose
// condition no longer holds ends it (one letter). An alert whose figures are
// unknown (no recent sample) keeps its state.
func (s *Workers) CheckAlerts(ctx context.Context, now time.Time) {
	alerts, err := s.db.LiveAlerts(ctx)
	if err != nil {
		s.log.Error("reading alerts", "err", err)
		return
	}
	for _, a := range alerts {
		holds, known := s.alertHolds(ctx, a, now)
		if !known || holds == a.Firing {
			continue
		}
		changed, err := s.db.SetAlertFiring(ctx, a.ID, holds, now)
		if err != nil {
			s.log.Error("recording an alert", "alert", a.ID, "err", err)
			continue
		}
		if changed {
			a.Firing = holds
			typ := EventAlertResolved
			if holds {
				typ, a.FiredAt = EventAlertFired, now
			} else {
				a.ResolvedAt = now
			}
			s.hooks.emit(ctx, a.UserID, a.VMID, typ, alertEventData(a))
			s.alertLetter(ctx, a, holds)
		}
	}
}

// alertHolds tells whether an alert's condition holds at now, and false for
// known when the figures it needs are not there.
func (s *Workers) alertHolds(ctx context.Context, a store.Alert, now time.Time) (holds, known bool) {
	switch a.Kind {
	case "cpu":
		if a.VMStatus != string(vmstatus.Running) {
			return false, true
		}
		// Every sample of the last M minutes above N, and most of them there
		// (one late pass does not hide a busy VM).
		window := time.Duration(a.Minutes) * time.Minute
		n, lowest, err := s.db.CPUSince(ctx, a.VMID, now.Add(-window).Unix())
		if err != nil || n == 0 {
			return false, err == nil
		}
		want := int(window / (store.MetricStep30s * time.Second))
		return n >= want*4/5 && lowest > int64(a.Threshold)*100, true
	case "memory":
		if a.VMStatus != string(vmstatus.Running) {
			return false, true
		}
		sample, ok, err := s.db.LatestMetricSample(ctx, a.VMID, now.Add(-usageFresh).Unix())
		if err != nil || !ok || a.MemoryMB == 0 {
			return false, false
		}
		return sample.Memory*100 > int64(a.Threshold)*int64(a.MemoryMB)<<20, true
	case "disk":
		// The guest agent's file-system figures, as resource_usage's
		// disk_percent reads them; no answer (no agent, the VM off) is no
		// evaluation: the alert keeps its state.
		if a.VMStatus != string(vmstatus.Running) {
			return false, false
		}
		use, ok := s.diskUseOf(ctx, store.VM{ID: a.VMID, UUID: a.VMUUID, NodeID: a.NodeID})
		if !ok || use.Total == 0 {
			return false, false
		}
		return use.Used*100 > uint64(a.Threshold)*use.Total, true
	case "traffic":
		return a.Traffic > int64(a.Threshold)<<30, true
	case "stopped":
		// Crashed, or off without its owner's shutdown or power-off (and not
		// held for want of funds, which has its own letter).
		switch vmstatus.Status(a.VMStatus) {
		case vmstatus.Crashed:
			return true, true
		case vmstatus.Stopped:
			return !a.Held && a.LastAction != string(vmstatus.Shutdown) && a.LastAction != string(vmstatus.Kill), true
		}
		return false, true
	}
	return false, false
}

// alertLetter tells the owner an alert fired or resolved, in their language.
func (s *Workers) alertLetter(ctx context.Context, a store.Alert, fired bool) {
	kind := "alert_" + a.Kind + "_resolved"
	if fired {
		kind = "alert_" + a.Kind + "_fired"
	}
	s.mail.Notify(ctx, a.UserID, mail.Letter{Kind: kind, Link: s.mail.URL("/vms/" + a.VMUUID + "?tab=graphs"),
		Args:   []string{"vm", a.VMName},
		Counts: map[string]int64{"threshold": int64(a.Threshold), "minutes": int64(a.Minutes)}})
}
