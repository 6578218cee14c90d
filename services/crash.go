package services

import (
	"context"

	"abrak/store"
)

// crashed tells the operator (log, metrics) and the customer (activity) that a
// placed VM's guest was stopped by QEMU, once per crash: callers call it only when
// their write changed the status. A stop on an internal error of the accelerator
// while the node runs kvm by Abrak's own choice moves the node to software
// emulation, so starting the VM again works.
func (s *Workers) crashed(ctx context.Context, vm store.VM, detail string) {
	s.crashes.add(vm.NodeID)
	s.log.Warn("vm crashed", "vm", vm.UUID, "node_id", vm.NodeID, "qemu_status", detail)
	s.audit.Record(ctx, Principal{UserID: vm.UserID}, "vm.crashed", SeverityWarning, "vm", vm.UUID, "")
	if detail != "internal-error" {
		return
	}
	if node, err := s.fleet.Node(vm.NodeID); err == nil {
		node.DemoteKVM("guest " + vm.UUID + " stopped on an internal error of kvm")
	}
}
