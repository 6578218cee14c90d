package services_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"abrak/services"
)

// A node in maintenance takes no new VM: while the region's only node is in
// maintenance an order waits; once a second node answers, orders go there;
// with maintenance off the empty first node takes orders again. Only an
// admin may turn it on, and each change is audited.
func TestNoVMIsPlacedOnANodeInMaintenance(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	p := e.openReady(true)
	staff := e.staff(p)
	admin := services.OperatorOnMachine()
	ana := e.customer("ana@example.com", 1_000_000)

	support := asSupport(ana)
	_, err := staff.SetNodeMaintenance(e.ctx, support, e.node.ID, services.MaintenanceInput{On: true})
	if got := errStatus(err); got != http.StatusForbidden {
		t.Fatalf("support turned maintenance on: %v", err)
	}

	until := time.Now().Add(3 * time.Hour).Truncate(time.Second)
	m, err := staff.SetNodeMaintenance(e.ctx, admin, e.node.ID, services.MaintenanceInput{On: true, Until: until, Reason: "New disks"})
	must(t, err)
	if !m.On || !m.Until.Equal(until) || m.Reason != "New disks" {
		t.Fatalf("maintenance = %+v", m)
	}
	waiting, err := p.Create(e.ctx, ana, vmOrder("waits"))
	if errStatus(err) != http.StatusServiceUnavailable || waiting.NodeID != 0 {
		t.Fatalf("with the only node in maintenance, an order went to node %d (%v); want it waiting", waiting.NodeID, err)
	}

	n2, _ := e.addNode("test-2")
	waitForNode(t, p.fleet, n2.ID)
	for i := range 2 {
		vm, err := p.Create(e.ctx, ana, vmOrder(fmt.Sprintf("web-%d", i)))
		must(t, err)
		if vm.NodeID != n2.ID {
			t.Fatalf("an order was placed on node %d while %s is in maintenance; want %s", vm.NodeID, e.node.Name, n2.Name)
		}
	}
	nodes, err := staff.Nodes(e.ctx, admin)
	must(t, err)
	for _, n := range nodes {
		if n.ID == e.node.ID && (!n.Maintenance.On || n.Maintenance.Reason != "New disks") {
			t.Errorf("the Nodes list shows %s as %+v", n.Name, n.Maintenance)
		}
		if n.ID == n2.ID && n.VMs < 2 {
			t.Errorf("%s holds %d VMs in the list, want at least 2", n.Name, n.VMs)
		}
	}

	_, err = staff.SetNodeMaintenance(e.ctx, admin, e.node.ID, services.MaintenanceInput{})
	must(t, err)
	vm, err := p.Create(e.ctx, ana, vmOrder("after"))
	must(t, err)
	if vm.NodeID != e.node.ID {
		t.Fatalf("out of maintenance and empty, %s took no order (it went to node %d)", e.node.Name, vm.NodeID)
	}
	var audited int
	must(t, e.db.R.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'admin.node_maintenance'`).Scan(&audited))
	if audited != 2 {
		t.Errorf("%d audit rows for turning maintenance on and off, want 2", audited)
	}
	if _, err := staff.SetNodeMaintenance(e.ctx, admin, 9999, services.MaintenanceInput{On: true}); errStatus(err) != http.StatusNotFound {
		t.Errorf("an unknown node: %v, want 404", err)
	}
}
