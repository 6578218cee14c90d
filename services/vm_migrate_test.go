package services_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"abrak/hypervisor"
	"abrak/services"
	"abrak/store"
	"abrak/vmstatus"
)

// admin is an operator signed in to the panel.
func (e *vmEnv) admin(email string) services.Principal {
	e.t.Helper()
	p := e.customer(email, 0)
	_, err := e.db.W.ExecContext(e.ctx, `UPDATE users SET is_admin = 1 WHERE id = ?`, p.UserID)
	must(e.t, err)
	p.IsAdmin = true
	return p
}

// An operator moves one customer's VM to another node of its region: only an
// admin may, a token of theirs only with the admin scope, and only to a node
// that can be; the customer's action list shows the move, the VM runs on the
// other node, and its old node holds nothing of it.
func TestAnOperatorMovesACustomersVMToAnotherNode(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	p := e.openReady(true)
	ana := e.customer("ana@example.com", 1_000_000)
	vm := e.runningVM(p, ana, "web")
	n2, kept2 := e.addNode("test-2")
	waitForNode(t, p.fleet, n2.ID)
	ops := e.admin("ops@example.com")

	_, err := p.Migrate(e.ctx, ana, vm.UUID, "")
	wantStatus(t, err, 403, "")
	_, err = p.Migrate(e.ctx, services.Principal{UserID: ops.UserID, IsAdmin: true, TokenID: 1, Scopes: []string{services.ScopeVMWrite}}, vm.UUID, "")
	wantForbidden(t, err, services.ScopeAdmin)
	_, err = p.Migrate(e.ctx, ops, vm.UUID, "nowhere")
	wantStatus(t, err, 422, "target_node")
	_, err = p.Migrate(e.ctx, ops, vm.UUID, e.node.Name)
	wantStatus(t, err, 422, "target_node")
	_, err = p.Migrate(e.ctx, ops, "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "")
	wantStatus(t, err, 404, "")

	a, err := p.Migrate(e.ctx, ops, vm.UUID, "test-2")
	must(t, err)
	if a.Type != "migrate" || a.VMUUID != vm.UUID {
		t.Fatalf("the move's answer: %+v", a)
	}
	// The operator follows the customer's action by its id.
	if a = waitAction(t, p, ops, a.ID); a.Status != store.ActionCompleted {
		t.Fatalf("the move ended %s (%s)", a.Status, a.Error)
	}
	if got := e.vm(vm.UUID); got.NodeID != n2.ID || got.Status != vmstatus.Running || got.Locked {
		t.Fatalf("after the move the VM is on node %d, %s, locked %v; want node %d, running, unlocked", got.NodeID, got.Status, got.Locked, n2.ID)
	}
	if st, err := kept2.State(e.ctx, vm.UUID); err != nil || st != vmstatus.Running {
		t.Fatalf("on %s the VM is %q, %v", n2.Name, st, err)
	}
	if _, ok := e.domains()[vm.UUID]; ok {
		t.Fatalf("%s still holds the VM", e.node.Name)
	}
	acts, _, err := p.Actions(e.ctx, ana, vm.UUID, 10, 0)
	must(t, err)
	if len(acts) == 0 || acts[0].Type != "migrate" || acts[0].Status != store.ActionCompleted {
		t.Fatalf("the customer's actions: %+v", acts)
	}
	// The VM is the customer's again: their operations reach it on its new node.
	if _, err := p.Power(e.ctx, ana, vm.UUID, "kill"); err != nil {
		t.Fatalf("powering off the moved VM: %v", err)
	}
	e.waitStatus(vm.UUID, vmstatus.Stopped, 30*time.Second)
}

// A drain leaves its node taking no new VM: orders go to the region's other
// node, however empty the drained one is.
func TestNoVMIsPlacedOnADrainingNode(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	p := e.openReady(true)
	n2, _ := e.addNode("test-2")
	waitForNode(t, p.fleet, n2.ID)
	req, err := p.DrainNode(e.ctx, e.node.Name)
	must(t, err)
	waitDrain(t, p, req)
	ana := e.customer("ana@example.com", 1_000_000)
	for i := range 3 {
		vm, err := p.Create(e.ctx, ana, vmOrder(fmt.Sprintf("web-%d", i)))
		must(t, err)
		if vm.NodeID != n2.ID {
			t.Fatalf("an order was placed on node %d while %s drains; want %s", vm.NodeID, e.node.Name, n2.Name)
		}
	}
	must(t, p.Undrain(e.ctx, e.node.Name))
	vm, err := p.Create(e.ctx, ana, vmOrder("after"))
	must(t, err)
	if vm.NodeID != e.node.ID {
		t.Fatalf("undrained and empty, %s took no order (it went to node %d)", e.node.Name, vm.NodeID)
	}
}

// waitDrain waits until the panel has gone through the drain and returns its moves.
func waitDrain(t testing.TB, p *panel, req services.DrainRequest) []services.Move {
	t.Helper()
	var moves []services.Move
	eventually(t, 5*time.Minute, "the drain of "+req.Node+" ends", func() (bool, string) {
		var done bool
		var err error
		moves, done, err = p.DrainProgress(context.Background(), req)
		must(t, err)
		return done, fmt.Sprintf("%+v", moves)
	})
	return moves
}

// Once a VM is recorded on the node it moved to, what its old node says of
// it (its stop and undefine there, arriving late) changes nothing: the VM
// runs, and is not taken for destroyed.
func TestALateEventFromTheOldNodeDoesNotChangeTheVMsStatus(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	p := e.openReady(true)
	ana := e.customer("ana@example.com", 1_000_000)
	vm := e.runningVM(p, ana, "web")
	n2, _ := e.addNode("test-2")
	waitForNode(t, p.fleet, n2.ID)

	var mu sync.Mutex
	var heard []hypervisor.Event
	p.fleet.Subscribe(func(ev hypervisor.Event) {
		mu.Lock()
		heard = append(heard, ev)
		mu.Unlock()
	})
	// The panel's move: the VM locked, then recorded on its new node, where
	// it runs; the old node's events come after, as late ones do. The keeper
	// moves it, so the panel's own connections keep nothing quiet.
	must(t, e.db.SetVMLocked(e.ctx, vm.ID, true))
	must(t, e.db.SetVMNode(e.ctx, vm.ID, n2.ID))
	from, err := e.keepers.Node(e.node.ID)
	must(t, err)
	to, err := e.keepers.Node(n2.ID)
	must(t, err)
	if _, err := from.Migrate(e.ctx, vm.UUID, to, hypervisor.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the old node tells of the VM's undefine", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return slices.ContainsFunc(heard, func(ev hypervisor.Event) bool {
			return ev.UUID == vm.UUID && ev.NodeID == e.node.ID && ev.State == vmstatus.Destroyed
		}), fmt.Sprintf("%+v", heard)
	})
	if got := e.vm(vm.UUID); got.Status != vmstatus.Running {
		t.Fatalf("after its old node's late events the VM is %s, want running", got.Status)
	}
}
