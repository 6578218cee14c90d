package services

import (
	"context"
	"errors"
	"math/rand/v2"
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
	if vm.PublicIP == "" || vm.PublicIPv6 == "" {
		// Ordered while the region's pools were full, or a family's pool was added
		// since: take what frees now, before a node is bound.
		switch err := s.db.AllocateAddresses(ctx, vm.ID, s.cfg.AddressQuarantine); {
		case errors.Is(err, store.ErrNoAddress):
			if vm.PublicIP == "" {
				s.noAddress(vm)
				s.retryOrFail(ctx, o, vm, err)
				return
			}
			// An IPv4 address but a full IPv6 prefix: build it; v6 comes with a rebuild.
		case err != nil:
			s.retryOrFail(ctx, o, vm, err)
			return
		}
		if vm, err = s.db.VMByID(ctx, o.VMID); err != nil {
			s.retryOrFail(ctx, o, vm, err)
			return
		}
	}
	nodeID, err := s.place(ctx, vm, o.FromBackupID != 0)
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
	if err == nil && o.FromBackupID != 0 {
		spec.From, err = s.diskOf(ctx, o.FromBackupID)
	}
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

// retryWait is the wait before an order's next try: the backoff doubles from
// base up to max, and each order waits a random part of its upper half. Orders
// that failed together (a node that stopped answering a burst of creates) then
// come back apart: the soak saw sixteen retry in lockstep eleven times, each
// time overloading the daemon again.
func retryWait(base, limit time.Duration, attempt int) time.Duration {
	wait := min(base<<min(max(attempt-1, 0), 10), limit)
	return wait/2 + rand.N(wait/2+1)
}

// retryOrFail puts the order back with backoff, or refunds it past the limits:
// an unavailable hypervisor is waited for up to GiveUpAfter, any other failure
// is tried MaxAttempts times. The two are counted apart, so the tries spent
// waiting out an outage do not use up the retries of the build that follows.
func (s *Workers) retryOrFail(ctx context.Context, o store.Order, vm store.VM, cause error) {
	msg := cause.Error()
	// Waiting for a hypervisor or for an address is not the build failing.
	unavailable := errors.Is(cause, hypervisor.ErrUnavailable) || errors.Is(cause, store.ErrNoAddress)
	failures := o.Failures
	if !unavailable {
		failures++
	}
	giveUp := !unavailable && failures >= s.cfg.MaxAttempts || unavailable && time.Since(o.CreatedAt) > s.cfg.GiveUpAfter
	if !giveUp {
		wait := retryWait(s.cfg.RetryBase, s.cfg.RetryMax, o.Attempts)
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

// specFor describes a VM's domain for its node: its resources, its seed, and its
// interface (MAC and addresses, with the networks of their pools).
func (s *vmCore) specFor(ctx context.Context, vm store.VM) (hypervisor.DomainSpec, error) {
	tmpl, err := s.db.OSTemplate(ctx, vm.OSTemplateSlug)
	if err != nil {
		return hypervisor.DomainSpec{}, err
	}
	if err := s.ensureMAC(ctx, &vm); err != nil {
		return hypervisor.DomainSpec{}, err
	}
	userData, err := s.db.OrderUserData(ctx, vm.ID)
	if err != nil {
		return hypervisor.DomainSpec{}, err
	}
	return hypervisor.DomainSpec{
		UUID: vm.UUID, VCPUs: vm.VCPUs, MemoryMB: vm.MemoryMB, DiskGB: vm.DiskGB,
		Template:          hypervisor.TemplateRef{Volume: tmpl.Volume, Kernel: tmpl.Kernel, Initrd: tmpl.Initrd, Cmdline: tmpl.Cmdline},
		Hostname:          vm.Hostname,
		RootPasswordCrypt: vm.RootCrypt,
		SSHKeys:           vm.SSHKeys,
		UserData:          userData,
		Net: hypervisor.Network{
			MAC:  vm.MAC,
			IPv4: vm.PublicIP, Prefix4: prefixLen(vm.Network4), Gateway4: vm.Gateway4,
			IPv6: vm.PublicIPv6, Prefix6: prefixLen(vm.Network6), Gateway6: vm.Gateway6,
			Resolvers: vm.Resolvers,
		},
		VNCPassword: vm.VNCPassword,
		Owner:       vm.UserIDString(),
		Plan:        vm.PlanSlug,
	}, nil
}

func prefixLen(network string) int {
	if p, err := netip.ParsePrefix(network); err == nil {
		return p.Bits()
	}
	return 0
}
