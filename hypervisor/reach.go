package hypervisor

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/digitalocean/go-libvirt"
)

// Reach dials a libvirt URI once and hangs up: whether the panel can talk to
// a node at all, asked before the node is recorded (the Nodes page's form),
// so a typo or a closed port is said beside the field, not found later as a
// node that never comes up.
func Reach(ctx context.Context, uri string, timeout time.Duration) error {
	u, err := url.Parse(uri)
	if err != nil {
		return fmt.Errorf("parse node URI: %w", err)
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
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		if r.err != nil {
			return r.err
		}
		disconnect(r.lv)
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	go func() {
		if r := <-ch; r.lv != nil {
			disconnect(r.lv)
		}
	}()
	return fmt.Errorf("connect: no answer within %s", timeout)
}
