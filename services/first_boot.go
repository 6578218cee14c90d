package services

import (
	"context"
	"errors"
	"fmt"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// errFirstBootCrash is a guest that QEMU stopped during its first boot.
var errFirstBootCrash = errors.New("the guest crashed during its first boot")

// watchFirstBoot fulfils an order only once its guest has shown that it boots:
// its agent answers, or it has run VMConfig.FirstBoot without crashing. A guest
// that crashes on an internal error of kvm, on a node where kvm was Abrak's
// choice, is rebuilt under software emulation rather than handed over broken;
// any other crash is a failed attempt, retried and at last refunded as usual.
// The order stays "provisioning" meanwhile (touched, so it is not taken for one a
// crash left behind); a restart of the panel builds it again, which is a no-op,
// and watches again.
func (s *Workers) watchFirstBoot(ctx context.Context, o store.Order, vm store.VM, node *hypervisor.Node, spec hypervisor.DomainSpec) {
	caps, err := node.Capabilities(ctx)
	if err != nil || !caps.RunsGuests() {
		s.finish(ctx, o, vm) // the test driver's domains never boot anything
		return
	}
	deadline := time.Now().Add(s.cfg.FirstBoot)
	touched := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		st, detail, err := node.StateDetail(ctx, vm.UUID)
		switch {
		case err == nil && st == vmstatus.Crashed:
			s.firstBootCrash(ctx, o, vm, node, spec, detail)
			return
		case err == nil && st != vmstatus.Running,
			err == nil && node.AgentAnswers(ctx, vm.UUID),
			time.Now().After(deadline):
			// Off or paused by itself, booted, or quiet for long enough: it is the
			// customer's now, and the reconciler follows its status from here.
			s.finish(ctx, o, vm)
			return
		}
		if time.Since(touched) > 20*time.Second {
			_ = s.db.TouchOrder(ctx, o.ID)
			touched = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-s.bg.Done():
			return
		case <-tick.C:
		}
	}
}

func (s *Workers) firstBootCrash(ctx context.Context, o store.Order, vm store.VM, node *hypervisor.Node, spec hypervisor.DomainSpec, detail string) {
	s.crashes.add(vm.NodeID)
	s.log.Warn("vm crashed during its first boot", "vm", vm.UUID, "node", node.Config().Name, "qemu_status", detail)
	if detail == "internal-error" && node.DemoteKVM(fmt.Sprintf("guest %s crashed during its first boot", vm.UUID)) {
		if err := node.Rebuild(ctx, spec); err != nil {
			s.retryOrFail(ctx, o, vm, err)
			return
		}
		s.watchFirstBoot(ctx, o, vm, node, spec)
		return
	}
	// Built again from scratch at the next attempt: a crashed domain is not one to start.
	if err := node.Delete(ctx, vm.UUID); err != nil && !errors.Is(err, hypervisor.ErrNotFound) {
		s.log.Error("removing a crashed first boot", "vm", vm.UUID, "err", err)
	}
	s.retryOrFail(ctx, o, vm, fmt.Errorf("%w (QEMU: %s)", errFirstBootCrash, detail))
}

func (s *Workers) finish(ctx context.Context, o store.Order, vm store.VM) {
	if err := s.db.FinishOrder(ctx, o.ID, s.cfg.Now()); err != nil {
		s.log.Error("finishing order", "order", o.ID, "err", err)
		return
	}
	s.log.Info("vm provisioned", "vm", vm.UUID, "node_id", vm.NodeID, "attempts", o.Attempts)
	if fresh, err := s.db.VMByID(ctx, vm.ID); err == nil {
		s.vmReady(ctx, fresh)
	}
}
