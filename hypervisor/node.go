package hypervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"abrak/vmstatus"
)

// Node is one libvirt host. Its connection is kept by a background loop that
// reconnects after the daemon restarts; while it is down every call fails at once
// with ErrUnavailable.
type Node struct {
	opts Options
	log  *slog.Logger
	emit func(Event)
	uri  string

	mu      sync.Mutex
	cfg     NodeConfig
	lv      *libvirt.Libvirt
	lastErr error
	caps    *Caps
	// quiet holds the VMs moving to or from this node, with when their events
	// may be reported again (see hush).
	quiet map[string]time.Time

	// statsCalls counts all-domain stats calls (StatsCalls).
	statsCalls atomic.Int64

	kick chan struct{}
	drop chan struct{} // a call timed out on the live connection
	stop chan struct{}
	done chan struct{}
}

func newNode(cfg NodeConfig, opts Options, log *slog.Logger, emit func(Event)) *Node {
	n := &Node{
		opts:    opts,
		log:     log.With("node", cfg.Name, "node_id", cfg.ID),
		emit:    emit,
		uri:     cfg.URI,
		cfg:     cfg,
		lastErr: errors.New("not connected yet"),
		kick:    make(chan struct{}, 1),
		drop:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go n.run()
	return n
}

// Config returns the node's configuration with defaults filled in.
func (n *Node) Config() NodeConfig {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cfg
}

func (n *Node) setConfig(cfg NodeConfig) {
	n.mu.Lock()
	n.cfg = cfg
	n.mu.Unlock()
}

// Up reports whether the node's connection is established, and the last error if not.
func (n *Node) Up() (bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.lv != nil, n.lastErr
}

// poke asks the reconnect loop to try now instead of waiting out its backoff.
func (n *Node) poke() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

func (n *Node) close() {
	close(n.stop)
	<-n.done
}

func (n *Node) run() {
	defer close(n.done)
	wait := n.opts.ReconnectInterval
	for {
		lv, err := n.dial()
		if err == nil {
			err = n.serve(lv)
			wait = n.opts.ReconnectInterval
		}
		select {
		case <-n.stop:
			return
		default:
		}
		n.setDown(lv, err)
		n.log.Warn("libvirt node down", "err", err, "retry_in", wait)
		// A request that finds the node down may cut the backoff short, but not
		// below the first interval, so a burst of requests is not a burst of dials.
		select {
		case <-n.stop:
			return
		case <-time.After(n.opts.ReconnectInterval):
		}
		select {
		case <-n.stop:
			return
		case <-n.kick:
		case <-time.After(wait - n.opts.ReconnectInterval):
		}
		wait = min(2*wait, n.opts.MaxReconnectInterval)
	}
}

// serve sets up a fresh connection (capabilities, the accelerator's probe),
// publishes it and forwards its lifecycle events until the connection drops or
// the node is closed.
func (n *Node) serve(lv *libvirt.Libvirt) error {
	// The subscription ends with the connection, never before: cancelling it sends
	// a deregistration that races the connection's close, and libvirtd 9.0
	// segfaults in that race (seen here: "could not find event callback … for
	// deletion", then SIGSEGV in remoteClientFreePrivateCallbacks). Closing the
	// connection alone lets the daemon drop the callback itself.
	events, err := lv.LifecycleEvents(context.Background())
	if err != nil {
		disconnect(lv)
		return fmt.Errorf("subscribe to lifecycle events: %w", err)
	}
	cfg := n.Config()
	var caps Caps
	if err := bounded(lv, n.opts.CallTimeout, func() (err error) {
		caps, err = readCaps(lv, cfg.Name)
		return err
	}); err != nil {
		disconnect(lv)
		return fmt.Errorf("read capabilities: %w", err)
	}
	if cfg.Bridge != "" {
		if err := bounded(lv, n.opts.CallTimeout, func() error { return defineFilter(lv) }); err != nil {
			disconnect(lv)
			return err
		}
	}
	caps.Accel = n.chooseAccel(lv, caps, events)
	caps.DomainType = caps.Accel.Type
	select {
	case <-n.stop:
		n.setDown(lv, errors.New("node closed"))
		disconnect(lv)
		return nil
	default:
	}
	n.mu.Lock()
	n.lv, n.lastErr, n.caps = lv, nil, &caps
	n.mu.Unlock()
	n.log.Info("libvirt node up", "virt_type", caps.Accel.Type, "virt_reason", caps.Accel.Reason,
		"probe_ms", caps.Accel.Probe.Milliseconds())
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				// go-libvirt closes the stream when the socket drops; wait for that
				// to be visible so the loop does not spin on a dying connection.
				select {
				case <-lv.Disconnected():
				case <-n.stop:
					n.setDown(lv, errors.New("node closed"))
					disconnect(lv)
				}
				return errors.New("connection lost")
			}
			n.handleEvent(lv, ev)
		case <-lv.Disconnected():
			return errors.New("connection lost")
		case <-n.drop:
			if !n.isLive(lv) {
				return errors.New("a call got no answer")
			}
		case <-n.stop:
			n.setDown(lv, errors.New("node closed"))
			disconnect(lv)
			return nil
		}
	}
}

// handleEvent passes a domain's lifecycle event on in the panel's words. A pause
// is looked at closer, since QEMU stopping a guest on an internal error arrives
// as an ordinary suspension; the probe's own domains are nobody's business.
func (n *Node) handleEvent(lv *libvirt.Libvirt, ev libvirt.DomainEventLifecycleMsg) {
	if strings.HasPrefix(ev.Dom.Name, probePrefix) || n.hushed(uuidString(ev.Dom.UUID)) {
		return
	}
	st, ok := eventState(ev.Event, ev.Detail)
	if !ok {
		return
	}
	out := Event{NodeID: n.id(), UUID: uuidString(ev.Dom.UUID), State: st}
	if st == vmstatus.Paused {
		err := bounded(lv, n.opts.CallTimeout, func() error {
			s, reason, err := lv.DomainGetState(ev.Dom, 0)
			if err == nil {
				out.State, out.Detail = stateOf(lv, ev.Dom, s, reason)
			}
			return err
		})
		if err != nil {
			// A pause not told apart from a crash is not reported: the
			// reconciler's next pass asks again.
			n.log.Warn("a paused guest's state is unknown", "vm", out.UUID, "err", err)
			return
		}
	}
	if out.State == vmstatus.Crashed {
		n.log.Warn("guest crashed", "vm", out.UUID, "detail", out.Detail)
	}
	n.emit(out)
}

func (n *Node) isLive(lv *libvirt.Libvirt) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.lv == lv
}

// setDown forgets lv as the live connection (unless a newer one replaced it).
func (n *Node) setDown(lv *libvirt.Libvirt, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if lv == nil || n.lv == lv {
		n.lv = nil
	}
	if n.lv == nil {
		n.lastErr = err
	}
}

func (n *Node) dial() (*libvirt.Libvirt, error) {
	u, err := url.Parse(n.uri)
	if err != nil {
		return nil, fmt.Errorf("parse node URI: %w", err)
	}
	type result struct {
		lv  *libvirt.Libvirt
		err error
	}
	ch := make(chan result, 1)
	go func() {
		lv, err := libvirt.ConnectToURI(u)
		ch <- result{lv, err}
	}()
	t := time.NewTimer(n.opts.CallTimeout)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.lv, r.err
	case <-t.C:
	case <-n.stop:
	}
	go func() {
		if r := <-ch; r.lv != nil {
			disconnect(r.lv)
		}
	}()
	return nil, fmt.Errorf("connect: no answer within %s", n.opts.CallTimeout)
}

// disconnect closes lv without waiting on a daemon that may be hung.
func disconnect(lv *libvirt.Libvirt) {
	go lv.Disconnect()
}

// conn returns the live connection or ErrUnavailable.
func (n *Node) conn() (*libvirt.Libvirt, error) {
	n.mu.Lock()
	lv, lastErr, name := n.lv, n.lastErr, n.cfg.Name
	n.mu.Unlock()
	if lv == nil {
		n.poke()
		return nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, name, lastErr)
	}
	return lv, nil
}

// call runs fn on the live connection and gives up after the call timeout, when ctx
// ends or when the connection drops, whichever comes first. go-libvirt takes no
// context, so a call that outlives its deadline is left to finish in the background;
// the connection it hangs on is dropped so the node is reconnected.
func (n *Node) call(ctx context.Context, fn func(lv *libvirt.Libvirt) error) error {
	return n.callFor(ctx, n.opts.CallTimeout, fn)
}

func (n *Node) callFor(ctx context.Context, timeout time.Duration, fn func(lv *libvirt.Libvirt) error) error {
	lv, err := n.conn()
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fn(lv) }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil && !lv.IsConnected() {
			return fmt.Errorf("%w: %s: connection lost: %w", ErrUnavailable, n.Config().Name, err)
		}
		return classify(err)
	case <-lv.Disconnected():
		return fmt.Errorf("%w: %s: connection lost", ErrUnavailable, n.Config().Name)
	case <-ctx.Done():
		return fmt.Errorf("hypervisor: %w", ctx.Err())
	case <-t.C:
		err := fmt.Errorf("%w: %s: no answer within %s", ErrUnavailable, n.Config().Name, timeout)
		n.setDown(lv, err)
		// Disconnect says goodbye to the daemon first, which a hung daemon never
		// answers; the drop signal makes the reconnect loop move on regardless.
		disconnect(lv)
		select {
		case n.drop <- struct{}{}:
		default:
		}
		return err
	}
}

// id is the node's id, which never changes for a Node value.
func (n *Node) id() int64 { return n.Config().ID }
