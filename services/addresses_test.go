package services_test

import (
	"errors"
	"testing"
	"time"

	"abrak/services"
	"abrak/vmstatus"
)

// A region whose pool is used up still takes a paid order: the customer hears
// 503 with why (no free address), the order is kept and the operator is told;
// once a VM is deleted and its address has rested in quarantine, the waiting
// order gets it and is built.
func TestAnExhaustedPoolKeepsTheOrderUntilAnAddressFrees(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	e.cfg.AddressQuarantine = 2 * time.Second
	_, err := e.db.W.ExecContext(e.ctx, `UPDATE address_pools SET first_addr = '10.20.0.2', last_addr = '10.20.0.3' WHERE region = ?`, vmtRegion)
	must(t, err)
	owner := e.customer("crowded@example.com", 10*vmtPrice)
	p := e.openReady(true)

	first, err := p.Create(e.ctx, owner, vmOrder("first"))
	must(t, err)
	_, err = p.Create(e.ctx, owner, vmOrder("second"))
	must(t, err)
	waiting, err := p.Create(e.ctx, owner, vmOrder("third"))
	var se *services.Error
	if !errors.As(err, &se) || se.Status != 503 || se.Key != "vm.region_full" {
		t.Fatalf("an order on a full pool: %v, want 503 vm.region_full", err)
	}
	if waiting.UUID == "" || waiting.PublicIP != "" || waiting.Status != vmstatus.Creating {
		t.Fatalf("the waiting order: %+v", waiting)
	}
	if b := e.balance(owner); b != 7*vmtPrice {
		t.Fatalf("balance %d after three orders, want %d: the waiting one is paid", b, 7*vmtPrice)
	}
	got, err := p.Get(e.ctx, owner, waiting.UUID)
	must(t, err)
	// NoAddress is what the VM's page says ("waiting for a free address"). Waiting
	// is not asked: it is false for the moment the provisioner tries the order
	// again (the order reads provisioning), and the page says the address anyway.
	if !got.NoAddress || got.Status != vmstatus.Creating {
		t.Fatalf("the customer is not told the order waits for an address: %+v", got)
	}
	pools, short, err := p.Workers.Pools(e.ctx)
	must(t, err)
	if short[vmtRegion] < 1 || len(pools) != 1 || pools[0].Free != 0 || pools[0].Live != 2 {
		t.Fatalf("the operator's view: pools %+v, shortages %v", pools, short)
	}
	// The provisioner keeps the order waiting, not failing, while the pool is full.
	time.Sleep(time.Second)
	if o := e.order(waiting.UUID); o.Status != vmstatus.OrderPending || o.Failures != 0 {
		t.Fatalf("the waiting order became %s with %d failures", o.Status, o.Failures)
	}

	_, err = p.Delete(e.ctx, owner, first.UUID, true)
	must(t, err)
	took := e.waitStatus(waiting.UUID, vmstatus.Running, 30*time.Second)
	if vm := e.vm(waiting.UUID); vm.PublicIP != first.PublicIP {
		t.Fatalf("the waiting order got %q, want the freed %s", vm.PublicIP, first.PublicIP)
	}
	t.Logf("built %s after the delete (quarantine %s)", took.Round(10*time.Millisecond), e.cfg.AddressQuarantine)
}
