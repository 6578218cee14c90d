package services

import (
	"context"
	"strings"
	"time"

	"abrak/vmstatus"
)

// Resize moves a stopped VM to another plan: vCPUs and memory change, the disk
// grows (it never shrinks, so the plan must have at least the VM's disk). The
// new plan is recorded only once the node has done it; from then on the
// hourly charge is the new plan's price (the hour already paid is not settled
// again).
func (s *VMs) Resize(ctx context.Context, p Principal, uuid, planSlug string) (Action, error) {
	return s.ResizeWait(ctx, p, uuid, planSlug, nil)
}

// ResizeWait is Resize with seed 002's wait_for: a running VM is first shut
// down (ACPI, then powered off after waitFor minutes; the action's Result says
// which) and stays stopped after the resize, as one resized stopped does.
// Without wait_for a running VM is refused, as before.
func (s *VMs) ResizeWait(ctx context.Context, p Principal, uuid, planSlug string, waitFor *float64) (Action, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return Action{}, err
	}
	wait, err := s.shutdownWait(waitFor)
	if err != nil {
		return Action{}, err
	}
	running := waitFor != nil && vm.Status == vmstatus.Running
	planSlug = strings.TrimSpace(planSlug)
	plan, ok, err := s.activePlan(ctx, planSlug)
	switch {
	case planSlug == "":
		return Action{}, Invalid(map[string]string{"plan_slug": "form.required"})
	case err != nil:
		return Action{}, err
	case !ok:
		return Action{}, Invalid(map[string]string{"plan_slug": "vm.plan_unknown"})
	case plan.DiskGB < vm.DiskGB:
		return Action{}, Invalid(map[string]string{"plan_slug": "vm.resize_disk_shrinks"})
	}
	if err := built(vm); err != nil {
		return Action{}, err
	}
	if vm.Status != vmstatus.Stopped && !running {
		return Action{}, Conflict("vm.must_be_stopped")
	}
	// Backups that are on are priced anew from the new plan's price.
	backups := int64(0)
	if vm.BackupsEnabled {
		backups = s.BackupPrice(plan.PriceHourlyRials)
	}
	if cost := plan.PriceHourlyRials + backups; cost > vm.HourlyCost() {
		// A larger plan only with its next hour in the wallet.
		if err := s.canPay(ctx, vm, cost); err != nil {
			return Action{}, err
		}
	}
	if plan.Slug == vm.PlanSlug {
		sa, err := s.db.CompletedAction(ctx, p.UserID, vm.ID, "resize")
		if err != nil {
			return Action{}, Internal(err)
		}
		a := actionOf(sa)
		a.VMUUID = vm.UUID
		return a, nil
	}
	// A snapshot keeps the domain's old size: reverting one after a resize
	// would run one plan while the record and the bill say another.
	node, err := s.nodeOf(vm)
	if err != nil {
		return Action{}, err
	}
	if snaps, err := s.snapshotsOn(ctx, node, vm); err != nil {
		return Action{}, err
	} else if len(snaps) > 0 {
		return Action{}, Conflict("vm.resize_has_snapshots")
	}
	s.audit.Record(ctx, p, "vm.resize", SeverityInfo, "vm", vm.UUID, vm.PlanSlug+" → "+plan.Slug)
	disk := max(plan.DiskGB, vm.DiskGB)
	timeout := 5 * time.Minute
	if running {
		timeout += wait
	}
	return s.exclusiveAction(ctx, p, vm, "resize", timeout, func(ctx context.Context, actionID int64) error {
		if running {
			if err := s.shutDown(ctx, node, vm.UUID, actionID, wait); err != nil {
				return err
			}
			if err := s.db.SetVMStatus(ctx, vm.ID, vmstatus.Stopped); err != nil {
				return err
			}
		}
		if err := node.Resize(ctx, vm.UUID, plan.VCPUs, plan.MemoryMB, disk); err != nil {
			return err
		}
		if err := s.db.SetVMSize(ctx, vm.ID, plan.Slug, plan.VCPUs, plan.MemoryMB, disk); err != nil {
			return err
		}
		if vm.BackupsEnabled {
			return s.db.SetBackups(ctx, vm.ID, true, backups)
		}
		return nil
	})
}
