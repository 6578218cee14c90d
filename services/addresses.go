package services

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"abrak/store"
)

// newMAC draws a MAC in QEMU's locally administered range (52:54:00), the one
// libvirt itself draws from; the store refuses one another live VM has.
func newMAC() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", b[0], b[1], b[2])
}

// macTries bounds redraws of a MAC that is taken (one in 16 million per VM).
const macTries = 5

// ensureMAC gives a VM recorded before MACs were (an older panel's) the MAC it
// keeps from now on, so its next rebuild does not change it.
func (s *vmCore) ensureMAC(ctx context.Context, vm *store.VM) error {
	if vm.MAC != "" {
		return nil
	}
	for range macTries {
		mac := newMAC()
		err := s.db.SetVMMAC(ctx, vm.ID, mac)
		if errors.Is(err, store.ErrMACTaken) {
			continue
		}
		if err != nil {
			return err
		}
		fresh, err := s.db.VMByID(ctx, vm.ID)
		if err != nil {
			return err
		}
		vm.MAC = fresh.MAC
		return nil
	}
	return errors.New("no free MAC address")
}

// noAddress tells the operator that a region ran out of addresses: an order
// waits for one.
func (s *vmCore) noAddress(vm store.VM) {
	s.shortage.add(vm.Region)
	s.log.Warn("address pool exhausted: order waits for a free address; add a pool with `abrak admin add-pool`",
		"vm", vm.UUID, "region", vm.Region)
}

// PoolHealth is one address pool as the operator's metrics show it.
type PoolHealth struct {
	Region, Network string
	Family          int
	// Free is how many addresses can be handed out now (IPv6: -1, unbounded).
	Free              int64
	Live, Quarantined int
}

// Pools reports every pool's use, and per region how many orders have found its
// pools full since the panel started.
func (s *Workers) Pools(ctx context.Context) ([]PoolHealth, map[string]int64, error) {
	pools, err := s.db.Pools(ctx, s.cfg.AddressQuarantine)
	if err != nil {
		return nil, nil, err
	}
	out := make([]PoolHealth, 0, len(pools))
	for _, p := range pools {
		free := int64(-1)
		if p.Size >= 0 {
			free = max(0, p.Size-int64(p.Live+p.Quarantined))
		}
		out = append(out, PoolHealth{Region: p.Region, Network: p.Network, Family: p.Family, Free: free, Live: p.Live, Quarantined: p.Quarantined})
	}
	return out, s.shortage.snapshot(), nil
}
