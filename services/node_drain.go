package services

import (
	"context"
	"errors"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// Emptying a node for maintenance. The operator asks (abrak admin drain-node,
// another process, or DrainNode here): the node is marked draining in the
// database, so no new VM is placed there (place), and the running panel's
// drain loop moves its VMs to other nodes of its region, one at a time, live
// where both nodes allow it, cold otherwise. Each move is recorded (vm_moves),
// which is what the operator's command reads back. The same loop settles the
// moves no node could tell the end of and removes what moves left behind.

// DrainRequest is one request to empty a node: the moves it makes are those
// from the node after AfterMove, and it is over once the node's DrainDone
// reaches Asked.
type DrainRequest struct {
	NodeID    int64
	Node      string
	Asked     int64
	AfterMove int64
}

// DrainNode marks a node draining and asks the drain loop to move its VMs
// away; ErrNotFound (404) for an unknown name. A failed move leaves its VM
// where it was and the node draining; asking again retries what is left.
func (s *Workers) DrainNode(ctx context.Context, name string) (DrainRequest, error) {
	n, last, err := s.db.AskDrain(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return DrainRequest{}, NotFound()
	}
	if err != nil {
		return DrainRequest{}, Internal(err)
	}
	s.noteDraining(n.ID, true)
	select {
	case s.drainWake <- struct{}{}:
	default:
	}
	return DrainRequest{NodeID: n.ID, Node: n.Name, Asked: n.DrainAsked, AfterMove: last}, nil
}

// Undrain lets a node take new VMs again; a drain under way stops before its
// next VM.
func (s *Workers) Undrain(ctx context.Context, name string) error {
	n, err := s.db.NodeByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return NotFound()
	}
	if err != nil {
		return Internal(err)
	}
	if err := s.db.Undrain(ctx, name); err != nil {
		return Internal(err)
	}
	s.noteDraining(n.ID, false)
	return nil
}

// DrainProgress is what a drain has done so far: the moves it made (or could
// not begin), and whether it is over.
func (s *Workers) DrainProgress(ctx context.Context, r DrainRequest) ([]Move, bool, error) {
	moves, err := s.db.MovesFrom(ctx, r.NodeID, r.AfterMove)
	if err != nil {
		return nil, false, Internal(err)
	}
	n, err := s.db.NodeByName(ctx, r.Node)
	if err != nil {
		return nil, false, Internal(err)
	}
	return convert(moves, moveOf), n.DrainDone >= r.Asked, nil
}

// noteDraining keeps the draining nodes /readyz shows in step with a change
// made here; a change made by another process shows after the next SyncNodes.
func (s *vmCore) noteDraining(id int64, on bool) {
	next := map[int64]bool{}
	if d := s.draining.Load(); d != nil {
		for k, v := range *d {
			next[k] = v
		}
	}
	if on {
		next[id] = true
	} else {
		delete(next, id)
	}
	s.draining.Store(&next)
}

// RunDrains empties the nodes an operator asked to, and tidies after moves,
// every DrainInterval (or when a drain is asked here) until ctx ends.
func (s *Workers) RunDrains(ctx context.Context) {
	s.awaitNodes(ctx, 10*time.Second)
	s.every(ctx, s.cfg.DrainInterval, s.drainWake, func() {
		s.settleMoves(ctx)
		s.removeRests(ctx)
		s.drainAsked(ctx)
	})
}

// drainAsked goes through every drain asked and not done yet.
func (s *Workers) drainAsked(ctx context.Context) {
	nodes, err := s.db.DrainsAsked(ctx)
	if err != nil {
		s.log.Error("listing nodes to empty", "err", err)
		return
	}
	for _, n := range nodes {
		s.drain(ctx, n)
	}
}

// drain moves every VM off the node, one at a time, and records that the
// request was gone through, whatever became of each. It stops early when the
// node is undrained (the undrain records the request done) or the panel stops.
func (s *Workers) drain(ctx context.Context, n store.Node) {
	vms, err := s.db.VMsOnNode(ctx, n.ID)
	if err != nil {
		s.log.Error("listing a draining node's VMs", "node", n.Name, "err", err)
		return
	}
	s.log.Info("emptying a node", "node", n.Name, "vms", len(vms))
	for _, listed := range vms {
		if ctx.Err() != nil {
			return
		}
		if cur, err := s.db.NodeByName(ctx, n.Name); err != nil || !cur.Draining {
			s.log.Info("a node's drain stopped: it takes VMs again", "node", n.Name)
			return
		}
		vm, err := s.db.VMByID(ctx, listed.ID)
		if err != nil || vm.NodeID != n.ID || vm.Status == vmstatus.Destroyed {
			continue
		}
		if vm.Status == vmstatus.Failed && vm.OrderStatus != vmstatus.OrderProvisioned {
			continue // never built: nothing of it on the node
		}
		mv, from, to, err := s.beginMove(ctx, vm, "")
		if err != nil {
			why := operatorWords(err)
			s.log.Warn("a draining node's VM cannot move", "node", n.Name, "vm", vm.UUID, "why", why)
			if err := s.db.MoveNotBegun(ctx, vm, why); err != nil {
				s.log.Error("recording a move not begun", "vm", vm.UUID, "err", err)
			}
			continue
		}
		s.runMove(mv, vm, from, to)
	}
	if err := s.db.DrainDone(ctx, n.ID, n.DrainAsked); err != nil {
		s.log.Error("recording a drain done", "node", n.Name, "err", err)
	}
}

// operatorWords is why a VM could not begin to move, for the operator.
func operatorWords(err error) string {
	e := AsError(err)
	switch {
	case e.Status == 409 && e.Key == "vm.locked":
		return "another operation holds the VM; drain again once it is done"
	case e.Key == "vm.still_creating":
		return "the VM is still being built; drain again once it runs"
	case e.Err != nil:
		return e.Err.Error()
	}
	return e.Key
}

// settleMoves ends the moves no node could tell the end of once both nodes
// answer: the VM is where it runs; if it runs on neither, where its definition
// is (the source first: its disk is the one the guest last wrote), started
// again if it ran before the move. The copy on the other node is a rest.
func (s *Workers) settleMoves(ctx context.Context) {
	moves, err := s.db.UnsettledMoves(ctx)
	if err != nil {
		s.log.Error("listing unsettled moves", "err", err)
		return
	}
	for _, mv := range moves {
		if !s.moving.start(mv.VMUUID) {
			continue
		}
		s.settleMove(ctx, mv)
		s.moving.done(mv.VMUUID)
	}
}

// whereabouts says whether a node holds the VM and runs it; err when it cannot tell.
func whereabouts(ctx context.Context, n *hypervisor.Node, uuid string) (defined, active bool, err error) {
	st, err := n.State(ctx, uuid)
	if errors.Is(err, hypervisor.ErrNotFound) {
		return false, false, nil
	}
	return err == nil, err == nil && st.Active(), err
}

func (s *Workers) settleMove(ctx context.Context, mv store.Move) {
	from, err := s.fleet.Node(mv.FromNodeID)
	if err != nil {
		return
	}
	to, err := s.fleet.Node(mv.ToNodeID)
	if err != nil {
		return
	}
	fromDefined, fromActive, err := whereabouts(ctx, from, mv.VMUUID)
	if err != nil {
		return
	}
	toDefined, toActive, err := whereabouts(ctx, to, mv.VMUUID)
	if err != nil {
		return
	}
	onTarget := false
	switch {
	case fromActive && toActive:
		s.log.Error("a VM runs on two nodes after a move; the operator must stop one", "vm", mv.VMUUID, "nodes", mv.FromNode+", "+mv.ToNode)
		return
	case toActive:
		onTarget = true
	case fromActive:
	case fromDefined:
		if mv.WasRunning {
			if err := from.Start(ctx, mv.VMUUID); err != nil {
				s.log.Warn("starting a VM again where it was after a move", "vm", mv.VMUUID, "err", err)
			}
		}
	case toDefined:
		onTarget = true
		if mv.WasRunning {
			if err := to.Start(ctx, mv.VMUUID); err != nil {
				s.log.Warn("starting a moved VM", "vm", mv.VMUUID, "err", err)
			}
		}
	default:
		s.log.Error("a VM is on neither node of its move", "vm", mv.VMUUID, "nodes", mv.FromNode+", "+mv.ToNode)
		return
	}
	end := store.MoveEnd{Error: mv.Error}
	if onTarget {
		if fromDefined {
			end.RestNodeID = mv.FromNodeID
		}
		status := statusAfterMove(ctx, mv.VMStatus, to, mv.VMUUID, mv.WasRunning)
		err = s.db.MoveDone(ctx, mv, status, end)
		if err == nil && s.consoles != nil {
			s.consoles.CloseVM(mv.VMUUID, CloseVMMoved)
		}
	} else {
		if toDefined {
			end.RestNodeID = mv.ToNodeID
		}
		end.ActionError = ActionErrMigrateFailed
		err = s.db.MoveFailed(ctx, mv, end)
	}
	if err != nil {
		s.log.Error("recording a settled move", "vm", mv.VMUUID, "err", err)
		return
	}
	s.log.Warn("an unsettled move settled", "vm", mv.VMUUID, "on_target", onTarget)
}

// removeRests deletes what moves left of their VMs on nodes the VMs no longer
// (or never came to) live on, once those nodes answer. The VM is locked
// meanwhile, so no move can bring it back to that node under the delete.
func (s *Workers) removeRests(ctx context.Context) {
	moves, err := s.db.MoveRests(ctx)
	if err != nil {
		s.log.Error("listing moves' rests", "err", err)
		return
	}
	for _, mv := range moves {
		vm, err := s.db.VMByID(ctx, mv.VMID)
		if err != nil {
			continue
		}
		if vm.NodeID == mv.RestNodeID {
			// The VM lives there again (moved back): its domain is no rest.
			_ = s.db.ClearMoveRest(ctx, mv.ID)
			continue
		}
		node, err := s.fleet.Node(mv.RestNodeID)
		if err != nil || !s.moving.start(vm.UUID) {
			continue
		}
		if ok, err := s.db.TryLockVM(ctx, vm.ID); err != nil || !ok {
			s.moving.done(vm.UUID)
			continue
		}
		err = node.Delete(ctx, vm.UUID)
		s.unlock(vm)
		s.moving.done(vm.UUID)
		if err != nil && !errors.Is(err, hypervisor.ErrNotFound) {
			s.log.Warn("removing what a move left on a node; tried again later", "vm", vm.UUID, "node", node.Config().Name, "err", err)
			continue
		}
		_ = s.db.ClearMoveRest(ctx, mv.ID)
		s.log.Info("removed what a move left on a node", "vm", vm.UUID, "node", node.Config().Name)
	}
}
