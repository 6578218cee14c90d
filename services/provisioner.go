package services

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"time"

	"abrak/hypervisor"
	"abrak/store"
)

// RunProvisioner works through paid orders until ctx ends: it places each VM,
// builds its domain, and marks the order provisioned; failures are retried
// with backoff and, past the limits, refunded. Every step can be repeated after
// a crash: the domain is named by the VM's UUID and building it twice is a
// no-op, and order transitions are guarded by the order's state, so a VM is
// never created twice and nobody is charged or refunded twice.
func (s *Workers) RunProvisioner(ctx context.Context) {
	s.every(ctx, s.cfg.PollInterval, s.wake, func() { s.provisionDue(ctx) })
}

func (s *Workers) provisionDue(ctx context.Context) {
	orders, err := s.db.DueOrders(ctx, time.Now(), 20)
	if err != nil {
		s.log.Error("listing due orders", "err", err)
		return
	}
	// A few orders at a time: a slow or hung node delays only its own orders.
	sem := make(chan struct{}, provisionParallel)
	var wg sync.WaitGroup
	for _, o := range orders {
		if ctx.Err() != nil {
			break
		}
		ok, err := s.db.ClaimOrder(ctx, o.ID, o.Status, o.UpdatedAt)
		if err != nil || !ok {
			continue
		}
		o.Attempts++
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			s.provision(ctx, o)
		}()
	}
	wg.Wait()
}

// provisionParallel bounds the domains built at once by one panel.
const provisionParallel = 4

func (s *Workers) provision(ctx context.Context, o store.Order) {
	vm, err := s.db.VMByID(ctx, o.VMID)
	if err != nil {
		s.retryOrFail(ctx, o, vm, err)
		return
	}
	nodeID, err := s.place(ctx, vm)
	if err != nil {
		s.retryOrFail(ctx, o, vm, err)
		return
	}
	vm.NodeID = nodeID
	node, err := s.fleet.Node(nodeID)
	if err != nil {
		s.retryOrFail(ctx, o, vm, err)
		return
	}
	spec, err := s.specFor(ctx, vm)
	if err != nil {
		s.retryOrFail(ctx, o, vm, err)
		return
	}
	if err := node.Create(ctx, spec); err != nil {
		s.retryOrFail(ctx, o, vm, err)
		return
	}
	// The build is done; the first boot, watched apart from the builders, decides.
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		s.watchFirstBoot(ctx, o, vm, node, spec)
	}()
}

// retryOrFail puts the order back with backoff, or refunds it past the limits:
// an unavailable hypervisor is waited for up to GiveUpAfter, any other failure
// is tried MaxAttempts times. The two are counted apart, so the tries spent
// waiting out an outage do not use up the retries of the build that follows.
func (s *Workers) retryOrFail(ctx context.Context, o store.Order, vm store.VM, cause error) {
	msg := cause.Error()
	unavailable := errors.Is(cause, hypervisor.ErrUnavailable)
	failures := o.Failures
	if !unavailable {
		failures++
	}
	giveUp := !unavailable && failures >= s.cfg.MaxAttempts || unavailable && time.Since(o.CreatedAt) > s.cfg.GiveUpAfter
	if !giveUp {
		wait := s.cfg.RetryBase << min(o.Attempts-1, 10)
		wait = min(wait, s.cfg.RetryMax)
		if err := s.db.RetryOrder(ctx, o.ID, time.Now().Add(wait), msg, !unavailable); err != nil {
			s.log.Error("re-queueing order", "order", o.ID, "err", err)
		}
		s.log.Warn("provisioning deferred", "order", o.ID, "vm", vm.UUID, "attempt", o.Attempts, "retry_in", wait, "err", cause)
		return
	}
	// Remove whatever half-built domain there is before refunding, so nothing
	// is left running that nobody pays for.
	if vm.NodeID != 0 {
		if node, err := s.fleet.Node(vm.NodeID); err == nil {
			if err := node.Delete(ctx, vm.UUID); err != nil && !errors.Is(err, hypervisor.ErrNotFound) {
				s.log.Error("cleaning up failed vm", "vm", vm.UUID, "err", err)
			}
		}
	}
	refunded, err := s.db.FailOrder(ctx, o.ID, msg)
	if err != nil {
		s.log.Error("failing order", "order", o.ID, "err", err)
		return
	}
	if refunded {
		s.audit.Record(ctx, Principal{UserID: o.UserID}, "vm.create_failed", SeverityWarning, "vm", vm.UUID, "")
	}
	s.log.Error("provisioning failed; order refunded", "order", o.ID, "vm", vm.UUID, "attempts", o.Attempts, "failures", failures, "err", cause)
}

// specFor describes a VM's domain for its node.
func (s *vmCore) specFor(ctx context.Context, vm store.VM) (hypervisor.DomainSpec, error) {
	tmpl, err := s.db.OSTemplate(ctx, vm.OSTemplateSlug)
	if err != nil {
		return hypervisor.DomainSpec{}, err
	}
	region, err := s.db.Region(ctx, vm.Region)
	if err != nil {
		return hypervisor.DomainSpec{}, err
	}
	spec := hypervisor.DomainSpec{
		UUID: vm.UUID, VCPUs: vm.VCPUs, MemoryMB: vm.MemoryMB, DiskGB: vm.DiskGB,
		Template:          hypervisor.TemplateRef{Volume: tmpl.Volume, Kernel: tmpl.Kernel, Initrd: tmpl.Initrd, Cmdline: tmpl.Cmdline},
		Hostname:          vm.Hostname,
		RootPasswordCrypt: vm.RootCrypt,
		SSHKeys:           vm.SSHKeys,
		IPv4:              vm.PublicIP,
		Gateway:           region.Gateway,
		VNCPassword:       vm.VNCPassword,
		Owner:             vm.UserIDString(),
		Plan:              vm.PlanSlug,
	}
	if p, err := netip.ParsePrefix(region.IPNetwork); err == nil {
		spec.PrefixLen = p.Bits()
	}
	return spec, nil
}
