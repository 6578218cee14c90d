package hypervisor

import (
	"cmp"
	"fmt"
	"log/slog"
	"slices"
	"sync"
)

// Fleet holds every node the panel knows, each with its own self-healing connection.
type Fleet struct {
	opts Options
	log  *slog.Logger

	mu    sync.Mutex
	nodes map[int64]*Node
	subs  []func(Event)
}

// NewFleet returns an empty fleet; SetNodes fills it.
func NewFleet(log *slog.Logger, opts Options) *Fleet {
	if log == nil {
		log = slog.Default()
	}
	return &Fleet{opts: opts.withDefaults(), log: log, nodes: map[int64]*Node{}}
}

// SetNodes makes the fleet match nodes: new ones start connecting in the background,
// changed URIs or accelerator choices reconnect, others keep their connection and take the new settings, and
// nodes no longer listed are disconnected.
func (f *Fleet) SetNodes(nodes []NodeConfig) {
	f.mu.Lock()
	var stale []*Node
	keep := map[int64]bool{}
	for _, cfg := range nodes {
		cfg = cfg.withDefaults()
		keep[cfg.ID] = true
		if n, ok := f.nodes[cfg.ID]; ok {
			// Another accelerator choice is decided at connect, like another URI;
			// a bridge needs its filter defined, which connect does too.
			if old := n.Config(); n.uri == cfg.URI && old.VirtType == cfg.VirtType && old.Bridge == cfg.Bridge {
				n.setConfig(cfg)
				continue
			}
			stale = append(stale, n)
		}
		f.nodes[cfg.ID] = newNode(cfg, f.opts, f.log, f.publish)
	}
	for id, n := range f.nodes {
		if !keep[id] {
			stale = append(stale, n)
			delete(f.nodes, id)
		}
	}
	f.mu.Unlock()
	for _, n := range stale {
		n.close()
	}
}

// Node returns the node with that id while it answers; ErrUnavailable at once while
// its connection is down, ErrNotFound when the fleet has no such node.
func (f *Fleet) Node(id int64) (*Node, error) {
	f.mu.Lock()
	n, ok := f.nodes[id]
	f.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: node %d", ErrNotFound, id)
	}
	if _, err := n.conn(); err != nil {
		return nil, err
	}
	return n, nil
}

// NodeStatus is a node's health as /readyz and the admin pages show it.
type NodeStatus struct {
	ID     int64
	Name   string
	Region string
	URI    string
	Up     bool
	Err    string
	// Mode is the operator's choice; Accel what the last connect decided (zero
	// before the first connect).
	Mode  VirtMode
	Accel Accel
}

// Status lists every node by id with whether it is connected and its accelerator.
func (f *Fleet) Status() []NodeStatus {
	var out []NodeStatus
	for _, n := range f.all() {
		cfg := n.Config()
		up, err := n.Up()
		st := NodeStatus{ID: cfg.ID, Name: cfg.Name, Region: cfg.Region, URI: cfg.URI, Up: up, Mode: cfg.VirtType}
		if !up && err != nil {
			st.Err = err.Error()
		}
		n.mu.Lock()
		if n.caps != nil {
			st.Accel = n.caps.Accel
		}
		n.mu.Unlock()
		out = append(out, st)
	}
	return out
}

func (f *Fleet) all() []*Node {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*Node, 0, len(f.nodes))
	for _, n := range f.nodes {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b *Node) int { return cmp.Compare(a.id(), b.id()) })
	return out
}

// Subscribe registers fn for the lifecycle events of every node, present and future.
// fn runs on the node's event loop: it must return quickly.
func (f *Fleet) Subscribe(fn func(Event)) {
	f.mu.Lock()
	f.subs = append(f.subs, fn)
	f.mu.Unlock()
}

func (f *Fleet) publish(ev Event) {
	f.mu.Lock()
	subs := slices.Clone(f.subs)
	f.mu.Unlock()
	for _, fn := range subs {
		fn(ev)
	}
}

// Close disconnects every node.
func (f *Fleet) Close() error {
	f.mu.Lock()
	nodes := f.nodes
	f.nodes = map[int64]*Node{}
	f.mu.Unlock()
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(n.close)
	}
	wg.Wait()
	return nil
}
