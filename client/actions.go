package client

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// ListActions narrows an action list.
type ListActions struct {
	Status string // in-progress, completed, errored
	Type   string // Abrak's (create, reboot, …) or seed 003's (power_off, …)
	Limit  int
	Offset int
}

// ListActions reads one page of the caller's actions across its VMs, newest
// first (listActions).
func (c *Client) ListActions(ctx context.Context, o ListActions) ([]Action, Meta, error) {
	q := url.Values{}
	set(q, "status", o.Status)
	set(q, "type", o.Type)
	page(q, o.Limit, o.Offset)
	return c.actionPage(ctx, "/api/v1/actions", q)
}

// Actions walks every action o selects, newest first.
func (c *Client) Actions(ctx context.Context, o ListActions) iter.Seq2[Action, error] {
	return paged(func(offset int) ([]Action, Meta, error) {
		o.Offset = offset
		return c.ListActions(ctx, o)
	}, o.Offset)
}

// ListVMActions reads one page of a VM's actions, newest first (listVMActions).
func (c *Client) ListVMActions(ctx context.Context, uuid string, limit, offset int) ([]Action, Meta, error) {
	q := url.Values{}
	page(q, limit, offset)
	return c.actionPage(ctx, "/api/v1/vms/"+esc(uuid)+"/actions", q)
}

// VMActions walks every action of a VM, newest first.
func (c *Client) VMActions(ctx context.Context, uuid string) iter.Seq2[Action, error] {
	return paged(func(offset int) ([]Action, Meta, error) { return c.ListVMActions(ctx, uuid, 0, offset) }, 0)
}

func (c *Client) actionPage(ctx context.Context, path string, q url.Values) ([]Action, Meta, error) {
	var out struct {
		Actions []Action `json:"actions"`
		Meta    Meta     `json:"meta"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: path, query: q, out: &out})
	return out.Actions, out.Meta, err
}

// GetAction reads one action (getAction).
func (c *Client) GetAction(ctx context.Context, id int64) (Action, error) {
	var out struct{ Action Action }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/actions/" + itoa(id), out: &out})
	return out.Action, err
}

// Seed 003's action types for RunAction.
const (
	ActionReboot        = "reboot"
	ActionPowerCycle    = "power_cycle"
	ActionShutdown      = "shutdown"
	ActionPowerOff      = "power_off"
	ActionPowerOn       = "power_on"
	ActionPasswordReset = "password_reset"
	ActionResize        = "resize"
	ActionRename        = "rename"
	ActionSnapshot      = "snapshot"
)

// RunAction is POST /vms/{uuid}/actions's body (seed 003): Type, and Name
// for rename and snapshot; Resource+Size or Data (cpu, ram GB, disk GB) for resize.
type RunAction struct {
	Type     string      `json:"type"`
	Name     string      `json:"name,omitempty"`
	Resource string      `json:"resource,omitempty"`
	Size     float64     `json:"size,omitempty"`
	Data     *ResizeData `json:"data,omitempty"`
}

// ResizeData is a resize by resources; a zero one stays as it is.
type ResizeData struct {
	CPU  float64 `json:"cpu,omitempty"`
	RAM  float64 `json:"ram,omitempty"`
	Disk float64 `json:"disk,omitempty"`
}

// RunAction runs an action by type (runVMAction). A password_reset's new
// root password is returned once, here only.
func (c *Client) RunAction(ctx context.Context, uuid string, in RunAction) (Action, string, error) {
	var out struct {
		Action   Action `json:"action"`
		Password string `json:"password"`
	}
	var key string
	if in.Type == ActionSnapshot {
		key = newKey()
	}
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/vms/" + esc(uuid) + "/actions", body: in, idempotencyKey: key, out: &out})
	return out.Action, out.Password, err
}

// ErrActionFailed is wrapped by WaitForAction's error when the action ended errored.
var ErrActionFailed = errors.New("abrak: the action failed")

// WaitForAction polls an action until it ends, backing off from 250ms to 5s
// between polls, and returns it. An action that ended errored comes back
// with an error wrapping ErrActionFailed; ctx bounds the wait. progress, if
// set, is called after each poll.
func (c *Client) WaitForAction(ctx context.Context, id int64, progress ...func(Action)) (Action, error) {
	wait := 250 * time.Millisecond
	for {
		a, err := c.GetAction(ctx, id)
		if err != nil {
			return a, err
		}
		for _, p := range progress {
			p(a)
		}
		if a.Done() {
			if a.Status == "errored" {
				msg := ""
				if a.Error != nil {
					msg = *a.Error
				}
				return a, fmt.Errorf("%w: %s %d: %s", ErrActionFailed, a.Type, a.ID, msg)
			}
			return a, nil
		}
		if err := c.sleeper()(ctx, wait); err != nil {
			return a, err
		}
		if wait *= 2; wait > 5*time.Second {
			wait = 5 * time.Second
		}
	}
}

// CreateActionOf finds the create action of a VM just ordered, to follow
// with WaitForAction.
func (c *Client) CreateActionOf(ctx context.Context, uuid string) (Action, error) {
	for a, err := range c.VMActions(ctx, uuid) {
		if err != nil {
			return Action{}, err
		}
		if a.Type == "create" {
			return a, nil
		}
	}
	return Action{}, fmt.Errorf("abrak: VM %s has no create action", uuid)
}
