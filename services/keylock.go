package services

import (
	"context"
	"sync"
)

// keyLock lets one caller at a time through for each key (an account, say),
// the others waiting as long as their context allows. Keys nobody holds cost
// nothing.
type keyLock struct {
	mu   sync.Mutex
	held map[int64]chan struct{}
}

// lock waits for key and holds it until unlock is called.
func (k *keyLock) lock(ctx context.Context, key int64) (unlock func(), err error) {
	for {
		k.mu.Lock()
		busy, ok := k.held[key]
		if !ok {
			if k.held == nil {
				k.held = map[int64]chan struct{}{}
			}
			done := make(chan struct{})
			k.held[key] = done
			k.mu.Unlock()
			return func() {
				k.mu.Lock()
				delete(k.held, key)
				k.mu.Unlock()
				close(done)
			}, nil
		}
		k.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
