package services

import (
	"context"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"abrak/store"
	"abrak/vmstatus"
)

// Seed 003's actions by type: POST /api/v1/vms/{uuid}/actions {"type": …}.
// Each type is a door to an operation the panel already has, under that
// operation's own name (power_off is kill, power_cycle is reset): the action
// it records, its audit and its rules are the operation's.

// ActionTypes are seed 003's types, in the seed's order.
var ActionTypes = []string{"reboot", "power_cycle", "shutdown", "power_off", "power_on", "password_reset", "resize", "rename", "snapshot"}

// powerTypes maps seed 003's power types to the power actions they are.
var powerTypes = map[string]vmstatus.Action{
	"reboot":      vmstatus.Reboot,
	"power_cycle": vmstatus.Reset,
	"shutdown":    vmstatus.Shutdown,
	"power_off":   vmstatus.Kill,
	"power_on":    vmstatus.Start,
}

// ActionRequest is one typed action. Name is rename's and snapshot's; resize
// takes Resource and Size (one of cpu, ram, disk) or Need (any of them).
type ActionRequest struct {
	Type     string
	Name     string
	Resource string
	Size     *float64
	Need     *Size
	// WaitFor is seed 002's wait_for for shutdown and resize, in minutes (PowerWait).
	WaitFor *float64
}

// Size is what a resize asks for: vCPUs, memory and disk in GB; 0 is "as now".
type Size struct {
	CPU, RAM, Disk float64
}

// ActionDone is what a typed action started; Password is password_reset's new
// root password, shown in this answer only.
type ActionDone struct {
	Action   Action
	Password string
}

// RunAction runs one of seed 003's typed actions on the VM.
func (s *VMs) RunAction(ctx context.Context, p Principal, uuid string, req ActionRequest) (ActionDone, error) {
	// Who may act on the VM first, as every operation does; then what is asked.
	if err := p.Require(ScopeVMWrite); err != nil {
		return ActionDone{}, err
	}
	if _, err := s.own(ctx, p, uuid); err != nil {
		return ActionDone{}, err
	}
	typ := strings.TrimSpace(req.Type)
	if !slices.Contains(ActionTypes, typ) {
		k := "form.required"
		if typ != "" {
			k = "api.action_type_unknown"
		}
		return ActionDone{}, InvalidWith("api.action_types", map[string]string{"type": k}, "types", strings.Join(ActionTypes, ", "))
	}
	if _, err := s.shutdownWait(req.WaitFor); err != nil {
		return ActionDone{}, err
	}
	var a Action
	var err error
	switch {
	case powerTypes[typ] != "":
		a, err = s.PowerWait(ctx, p, uuid, string(powerTypes[typ]), req.WaitFor)
	case typ == "rename":
		_, a, err = s.rename(ctx, p, uuid, req.Name)
		err = renamed(err, "display_name", "name")
	case typ == "snapshot":
		a, err = s.CreateSnapshot(ctx, p, uuid, req.Name)
	case typ == "password_reset":
		var pw string
		a, pw, err = s.ResetPassword(ctx, p, uuid)
		if err == nil {
			return ActionDone{Action: a, Password: pw}, nil
		}
	case typ == "resize":
		var plan string
		if plan, err = s.planFor(ctx, p, uuid, req); err == nil {
			a, err = s.ResizeWait(ctx, p, uuid, plan, req.WaitFor)
			err = renamed(err, "plan_slug", "size")
		}
	}
	if err != nil {
		return ActionDone{}, err
	}
	return ActionDone{Action: a}, nil
}

// renamed moves a validation error's field from the operation's name for it
// to the typed action's.
func renamed(err error, from, to string) error {
	e, ok := err.(*Error)
	if !ok || e.Fields[from] == "" {
		return err
	}
	out := *e
	out.Fields = map[string]string{to: e.Fields[from]}
	return &out
}

// planFor is the smallest active plan (the cheapest, then the first listed)
// holding what a typed resize asks for; what it leaves out stays as the VM
// has it now, and the disk is at least the VM's (it never shrinks). None
// holding it is a 422 naming the nearest plans.
func (s *VMs) planFor(ctx context.Context, p Principal, uuid string, req ActionRequest) (string, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return "", err
	}
	need := Size{}
	switch {
	case req.Need != nil && (req.Resource != "" || req.Size != nil):
		return "", Invalid(map[string]string{"data": "api.resize_one_way"})
	case req.Need != nil:
		need = *req.Need
		if need.CPU < 0 || need.RAM < 0 || need.Disk < 0 || need == (Size{}) {
			return "", Invalid(map[string]string{"data": "api.resize_size"})
		}
	default:
		if req.Size == nil || *req.Size <= 0 {
			return "", Invalid(map[string]string{"size": "api.resize_size"})
		}
		switch req.Resource {
		case "cpu":
			need.CPU = *req.Size
		case "ram":
			need.RAM = *req.Size
		case "disk":
			need.Disk = *req.Size
		default:
			return "", InvalidWith("api.resize_resources", map[string]string{"resource": "api.resize_resource"})
		}
	}
	// What the request leaves out stays as it is now.
	cpu, ram, disk := float64(vm.VCPUs), float64(vm.MemoryMB)/1024, float64(vm.DiskGB)
	if need.CPU > 0 {
		cpu = need.CPU
	}
	if need.RAM > 0 {
		ram = need.RAM
	}
	if need.Disk > 0 {
		// A disk never shrinks (Resize): a plan with less than the VM's disk could not take it.
		disk = max(need.Disk, disk)
	}
	return s.planHolding(ctx, cpu, ram, disk)
}

// planHolding is the smallest active plan (the cheapest, then the first
// listed) with at least cpu vCPUs, ram GB of memory and disk GB of disk; none
// is a 422 on size naming the nearest plans. A typed resize and an order by
// size (seed 001) both pick with it.
func (s *VMs) planHolding(ctx context.Context, cpu, ram, disk float64) (string, error) {
	plans, err := s.db.Plans(ctx)
	if err != nil {
		return "", Internal(err)
	}
	holds := func(pl store.Plan) bool {
		return float64(pl.VCPUs) >= cpu && float64(pl.MemoryMB) >= ram*1024 && float64(pl.DiskGB) >= disk
	}
	var best *store.Plan
	for i, pl := range plans {
		if holds(pl) && (best == nil || pl.PriceHourlyRials < best.PriceHourlyRials) {
			best = &plans[i]
		}
	}
	if best != nil {
		return best.Slug, nil
	}
	return "", InvalidWith("api.resize_no_plan", map[string]string{"size": "api.resize_no_plan_field"},
		"size", sizeWords(cpu, ram, disk), "plans", strings.Join(nearestPlans(plans, cpu, ram, disk), ", "))
}

// nearestPlans are up to three plans that come closest to holding cpu, ram
// and disk: the smallest shortfall, as a share of what is asked, summed.
func nearestPlans(plans []store.Plan, cpu, ram, disk float64) []string {
	short := func(have, want float64) float64 {
		if want <= 0 || have >= want {
			return 0
		}
		return (want - have) / want
	}
	type scored struct {
		slug  string
		score float64
	}
	var all []scored
	for _, pl := range plans {
		all = append(all, scored{pl.Slug, short(float64(pl.VCPUs), cpu) + short(float64(pl.MemoryMB)/1024, ram) + short(float64(pl.DiskGB), disk)})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].score < all[j].score })
	var out []string
	for _, s := range all[:min(3, len(all))] {
		out = append(out, s.slug)
	}
	return out
}

func sizeWords(cpu, ram, disk float64) string {
	f := func(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }
	return f(cpu) + " vCPU, " + f(ram) + " GB RAM, " + f(disk) + " GB disk"
}
