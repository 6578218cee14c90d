package services

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"abrak/hypervisor"
	"abrak/mail"
	"abrak/store"
	"abrak/vmstatus"
)

// Moving a VM to another node of its region, for an operator: one VM through
// the admin door (Migrate), or every VM of a node being emptied (node_drain.go).
// The hypervisor decides live or cold (hypervisor/migrate.go); here the VM is
// locked for the whole move, the target picked, the outcome recorded in one
// transaction, the customer told, and what a move left behind remembered.

// moveTimeout bounds one move; the copies inside it have their own stall watchdog.
const moveTimeout = 4 * time.Hour

// Migrate moves one VM to another node of its region: target names the node,
// or "" lets the panel pick the least loaded one that can take it. Only an
// admin may (with the admin scope on a token). The answer is the VM's migrate
// action, which its owner sees in the VM's action list.
func (s *VMs) Migrate(ctx context.Context, p Principal, uuid, target string) (Action, error) {
	if err := p.RequireAdmin(); err != nil {
		return Action{}, err
	}
	vm, err := s.db.VMByUUID(ctx, strings.TrimSpace(uuid))
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && vm.Status == vmstatus.Destroyed:
		return Action{}, NotFound()
	case err != nil:
		return Action{}, Internal(err)
	}
	mv, from, to, err := s.beginMove(ctx, vm, strings.TrimSpace(target))
	if err != nil {
		return Action{}, err
	}
	s.audit.Record(ctx, p, "vm.migrate", SeverityWarning, "vm", vm.UUID, mv.FromNode+" → "+mv.ToNode)
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		s.runMove(mv, vm, from, to)
	}()
	a, err := s.db.ActionByID(ctx, mv.ActionID)
	if err != nil {
		return Action{}, Internal(err)
	}
	return actionOf(a), nil
}

// beginMove checks that the VM can move, picks its target and records the
// move with the VM locked; the caller runs it (runMove). The refusals are the
// API's: 409 for a VM with nothing to move or busy, 422 for a target that
// cannot be, 503 when no node can take it now.
func (s *vmCore) beginMove(ctx context.Context, vm store.VM, target string) (store.Move, *hypervisor.Node, *hypervisor.Node, error) {
	var mv store.Move
	if err := built(vm); err != nil {
		return mv, nil, nil, err
	}
	if vm.NodeID == 0 {
		return mv, nil, nil, Conflict("vm.still_creating")
	}
	if vm.Locked {
		return mv, nil, nil, Conflict("vm.locked")
	}
	from, err := s.fleet.Node(vm.NodeID)
	if err != nil {
		return mv, nil, nil, Unavailable("vm.node_unavailable", err)
	}
	to, err := s.moveTarget(ctx, vm, target)
	if err != nil {
		return mv, nil, nil, err
	}
	s.ensureTemplates(ctx, vm, to)
	if !s.moving.start(vm.UUID) {
		return mv, nil, nil, Conflict("vm.locked")
	}
	mv, err = s.db.StartMove(ctx, vm, to.Config().ID)
	switch {
	case errors.Is(err, store.ErrLocked):
		s.moving.done(vm.UUID)
		return mv, nil, nil, Conflict("vm.locked")
	case err != nil:
		s.moving.done(vm.UUID)
		return mv, nil, nil, Internal(err)
	}
	mv.FromNode, mv.ToNode = from.Config().Name, to.Config().Name
	return mv, from, to, nil
}

// moveTarget is the node a VM moves to: the one named, which must be another
// node of its region that takes new VMs; or, unnamed, the least loaded such
// node with room, those that hold the VM's template first. Either must be up
// and have room for it.
func (s *vmCore) moveTarget(ctx context.Context, vm store.VM, name string) (*hypervisor.Node, error) {
	nodes, err := s.db.AllNodes(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	candidate := map[int64]bool{}
	var named *store.Node
	for i, n := range nodes {
		if name != "" && n.Name == name {
			named = &nodes[i]
		}
		if n.Enabled && n.Region == vm.Region && n.ID != vm.NodeID && !n.Draining && (name == "" || n.Name == name) {
			candidate[n.ID] = true
		}
	}
	if name != "" {
		switch {
		case named == nil || !named.Enabled:
			return nil, Invalid(map[string]string{"target_node": "admin.migrate.unknown_node"})
		case named.ID == vm.NodeID:
			return nil, Invalid(map[string]string{"target_node": "admin.migrate.same_node"})
		case named.Region != vm.Region:
			return nil, Invalid(map[string]string{"target_node": "admin.migrate.other_region"})
		case named.Draining:
			return nil, Conflict("admin.migrate.target_draining")
		}
	}
	used, err := s.nodeUsage(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	need := hypervisor.Resources{VCPUs: vm.VCPUs, MemoryMB: vm.MemoryMB, DiskGB: vm.DiskGB}
	holders, err := s.nodesWithTemplate(ctx, vm.OSTemplateSlug)
	if err != nil {
		return nil, Internal(err)
	}
	id, err := s.fleet.PlaceAmong(vm.Region, need, used, func(id int64) bool { return candidate[id] && (holders == nil || holders(id)) })
	if err != nil && holders != nil {
		// None of those: any node with room, which gets the template first (ensureTemplates).
		id, err = s.fleet.PlaceAmong(vm.Region, need, used, func(id int64) bool { return candidate[id] })
	}
	if err != nil {
		e := Unavailable("admin.migrate.no_target", err)
		e.Code = "no_target"
		return nil, e
	}
	node, err := s.fleet.Node(id)
	if err != nil {
		return nil, Unavailable("vm.node_unavailable", err)
	}
	return node, nil
}

// ensureTemplates puts on the target the imported templates the VM may need
// there: its OS template (a later rebuild uses it) and the ISO or rescue
// system it boots from (its definition names that volume, and a move without
// it is refused). An upload that fails is logged: the template worker tries
// again, and a VM booting from the missing volume fails its move, saying so.
func (s *vmCore) ensureTemplates(ctx context.Context, vm store.VM, to *hypervisor.Node) {
	id := to.Config().ID
	for _, slug := range []string{vm.OSTemplateSlug, vm.BootISO} {
		if slug == "" {
			continue
		}
		t, err := s.db.OSTemplate(ctx, slug)
		if err != nil || !t.Imported() {
			continue
		}
		ready, err := s.db.NodesWithTemplate(ctx, slug)
		if err != nil || ready[id] {
			continue
		}
		key := fmt.Sprintf("%s/%d", slug, id)
		if !s.uploads.start(key) {
			continue // the template worker is at it
		}
		err = PushTemplate(ctx, s.db, to, t, nil)
		s.uploads.done(key)
		if err != nil {
			s.log.Warn("a moving VM's template did not reach its new node", "vm", vm.UUID, "template", slug, "node", to.Config().Name, "err", err)
		}
	}
}

// runMove moves the VM the move recorded and records how it ended: on the
// target, with its status there, in one transaction with the end of its action
// (its consoles close and its owner gets a letter); or where it was, its
// action errored. A copy the move could not remove is remembered for the
// drain loop (removeRests); a move no node can tell the end of stays open,
// the VM locked, until both nodes answer (settleMoves).
func (s *vmCore) runMove(mv store.Move, vm store.VM, from, to *hypervisor.Node) store.Move {
	defer s.moving.done(vm.UUID)
	ctx, cancel := context.WithTimeout(s.bg, moveTimeout)
	defer cancel()
	last := -1
	progress := func(done, total uint64) {
		if total == 0 {
			return
		}
		if pct := int(done * 100 / total); pct != last {
			last = pct
			_ = s.db.SetActionProgress(ctx, mv.ActionID, min(pct, 99))
		}
	}
	res, err := from.Migrate(ctx, vm.UUID, to, hypervisor.MigrateOptions{BandwidthMiB: s.cfg.MigrationBandwidthMiB,
		ShutdownTimeout: s.cfg.ShutdownDeadline, Progress: progress})
	end := store.MoveEnd{Mode: string(res.Mode), ColdReason: string(res.Cold), Downtime: res.Downtime, Took: res.Took}
	// The outcome is recorded whatever became of the move's context.
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer wcancel()
	switch {
	case err == nil:
		if res.SourceDirty {
			end.RestNodeID = mv.FromNodeID
		}
		status := statusAfterMove(wctx, vm.Status, to, vm.UUID, res.Running)
		if err := s.db.MoveDone(wctx, mv, status, end); err != nil {
			s.log.Error("recording a VM's move", "vm", vm.UUID, "to", mv.ToNode, "err", err)
		}
		if s.consoles != nil {
			s.consoles.CloseVM(vm.UUID, CloseVMMoved)
		}
		s.movedNotice(wctx, vm, res)
		s.log.Info("vm moved", "vm", vm.UUID, "from", mv.FromNode, "to", mv.ToNode, "mode", res.Mode, "cold_reason", res.Cold,
			"downtime", res.Downtime, "took", res.Took.Round(time.Millisecond))
		mv.Status, mv.VMStatus = store.MoveMoved, status
	case res.Unsettled:
		s.log.Error("a VM's move ended where no node can tell where it is; it stays locked until both answer",
			"vm", vm.UUID, "from", mv.FromNode, "to", mv.ToNode, "err", err)
		if err := s.db.MoveUnsettled(wctx, mv.ID, err.Error()); err != nil {
			s.log.Error("recording an unsettled move", "vm", vm.UUID, "err", err)
		}
		mv.Status = store.MoveUnsettled
	default:
		end.Error, end.ActionError = err.Error(), ActionErrMigrateFailed
		if res.TargetDirty {
			end.RestNodeID = mv.ToNodeID
		}
		s.log.Warn("a VM's move failed; it stays where it was", "vm", vm.UUID, "from", mv.FromNode, "to", mv.ToNode, "err", err)
		if err := s.db.MoveFailed(wctx, mv, end); err != nil {
			s.log.Error("recording a failed move", "vm", vm.UUID, "err", err)
		}
		mv.Status = store.MoveFailed
	}
	mv.Mode, mv.ColdReason, mv.Downtime, mv.Took, mv.Error = end.Mode, end.ColdReason, end.Downtime, end.Took, end.Error
	return mv
}

// statusAfterMove is what to record of a VM that now lives on node: the state
// the node reports (or, when it does not answer, what the move says), except
// that a VM in the recycle bin stays there and a crashed one that was moved
// off stays crashed until it is started, as the reconciler keeps it.
func statusAfterMove(ctx context.Context, before vmstatus.Status, node *hypervisor.Node, uuid string, running bool) vmstatus.Status {
	st, err := node.State(ctx, uuid)
	if err != nil {
		st = vmstatus.Stopped
		if running {
			st = vmstatus.Running
		}
	}
	switch {
	case before == vmstatus.Deleted:
		return vmstatus.Deleted
	case before == vmstatus.Crashed && st == vmstatus.Stopped:
		return vmstatus.Crashed
	}
	return st
}

// movedNotice tells the owner their VM was moved for maintenance and whether
// it kept running, was restarted, or stayed off; where it is now is the
// provider's business. A VM in the recycle bin runs for nobody.
func (s *vmCore) movedNotice(ctx context.Context, vm store.VM, res hypervisor.MigrateResult) {
	if vm.Status == vmstatus.Deleted {
		return
	}
	l := mail.Letter{Kind: "vm_moved_off", Args: []string{"vm", letterName(vm)}, Link: s.mail.URL("/vms/" + vm.UUID)}
	switch {
	case res.Running && res.Mode == hypervisor.LiveMove:
		l.Kind = "vm_moved"
	case res.Running:
		l.Kind = "vm_moved_restarted"
		l.Counts = map[string]int64{"seconds": int64(math.Ceil(res.Downtime.Seconds()))}
	}
	s.mail.Notify(ctx, vm.UserID, l)
}
