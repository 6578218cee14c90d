package services

import (
	"context"
	"math"
	"time"

	"abrak/hypervisor"
	"abrak/store"
)

// MaxShutdownWait bounds seed 002's wait_for: how long a shutdown (or the
// shutdown a resize of a running VM begins with) lets the guest stop on its
// own before it is powered off. An action waits in the panel's workers, so a
// wait is never open-ended.
const MaxShutdownWait = 15 * time.Minute

// shutdownWait is the wait a request asks for, in minutes (seed 002's
// wait_for; fractions allowed), or the panel's own deadline when it asks for
// none (VMConfig.ShutdownDeadline, a minute unless the operator set another).
func (s *VMs) shutdownWait(minutes *float64) (time.Duration, error) {
	if minutes == nil {
		return s.cfg.ShutdownDeadline, nil
	}
	m := *minutes
	if math.IsNaN(m) || m <= 0 || m > MaxShutdownWait.Minutes() {
		return 0, Invalid(map[string]string{"wait_for": "api.wait_for_range"})
	}
	return time.Duration(m * float64(time.Minute)), nil
}

// shutDown asks the guest to stop (ACPI), powers it off when it has not
// within wait, and records on the action which of the two happened.
func (s *VMs) shutDown(ctx context.Context, node *hypervisor.Node, vmUUID string, actionID int64, wait time.Duration) error {
	forced, err := node.ShutdownReport(ctx, vmUUID, wait)
	if err != nil {
		return err
	}
	result := store.ActionResultACPI
	if forced {
		result = store.ActionResultForced
	}
	return s.db.SetActionResult(ctx, actionID, result)
}
