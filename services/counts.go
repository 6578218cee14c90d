package services

import "sync"

// counts counts events per key since the panel started (guest crashes per node,
// orders that found a region's pools full), for the operator's metrics.
type counts[K comparable] struct {
	mu sync.Mutex
	n  map[K]int64
}

func (c *counts[K]) add(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[K]int64{}
	}
	c.n[k]++
}

func (c *counts[K]) of(k K) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

func (c *counts[K]) snapshot() map[K]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[K]int64, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}
