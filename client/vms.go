package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// ListVMs narrows a VM list. Zero fields are left out.
type ListVMs struct {
	Status string // running, stopped, …, deleted (the recycle bin), destroyed
	Region string
	Query  string // a part of the uuid, public IP or display name
	Limit  int    // 1–200 per page (the panel's default 50)
	Offset int
}

func (o ListVMs) values() url.Values {
	q := url.Values{}
	set(q, "status", o.Status)
	set(q, "region", o.Region)
	set(q, "q", o.Query)
	page(q, o.Limit, o.Offset)
	return q
}

func set(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func page(q url.Values, limit, offset int) {
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
}

// ListVMs reads one page of the caller's VMs (listVMs).
func (c *Client) ListVMs(ctx context.Context, o ListVMs) ([]VM, Meta, error) {
	var out struct {
		VMs  []VM `json:"vms"`
		Meta Meta `json:"meta"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/vms", query: o.values(), out: &out})
	return out.VMs, out.Meta, err
}

// VMs walks every VM o selects, page by page from o.Offset, stopping at the
// first error (yielded once) or when the caller stops.
func (c *Client) VMs(ctx context.Context, o ListVMs) iter.Seq2[VM, error] {
	return paged(func(offset int) ([]VM, Meta, error) {
		o.Offset = offset
		return c.ListVMs(ctx, o)
	}, o.Offset)
}

// paged turns a page reader into an iterator.
func paged[T any](read func(offset int) ([]T, Meta, error), offset int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			items, meta, err := read(offset)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			offset += len(items)
			if len(items) == 0 || offset >= meta.Total {
				return
			}
		}
	}
}

// GetVM reads one VM, with its resource usage (getVM).
func (c *Client) GetVM(ctx context.Context, uuid string) (VM, error) {
	var out struct{ VM VM }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/vms/" + esc(uuid), out: &out})
	return out.VM, err
}

// CreateVM is an order. AuthMode is "password" (CustomPassword) or
// "ssh_key" (SSHKeyIDs).
type CreateVM struct {
	PlanSlug       string  `json:"plan_slug"`
	OSTemplateSlug string  `json:"os_template_slug"`
	AuthMode       string  `json:"auth_mode"`
	CustomPassword string  `json:"custom_password,omitempty"`
	SSHKeyIDs      []int64 `json:"ssh_key_ids,omitempty"`
	DisplayName    string  `json:"display_name,omitempty"`
	Hostname       string  `json:"hostname,omitempty"`
	Region         string  `json:"region,omitempty"`
	UserData       string  `json:"user_data,omitempty"`
	BackupsEnabled bool    `json:"backups_enabled,omitempty"`
	// IdempotencyKey is sent as the Idempotency-Key header; empty: a fresh
	// one per call (kept across that call's retries). Give your own to make a
	// repeated run of a script order once.
	IdempotencyKey string `json:"-"`
}

// CreateVM orders a VM (createVM). The panel pays for the first hour and
// builds it: follow CreateActionOf's action, or WaitForVM. A VM ordered while
// no node can take it comes back with the error too (503, code
// unavailable): the order stands and is built when a node frees up.
func (c *Client) CreateVM(ctx context.Context, in CreateVM) (VM, error) {
	key := in.IdempotencyKey
	if key == "" {
		key = newKey()
	}
	var out struct{ VM VM }
	r, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/vms", body: in, idempotencyKey: key, out: &out})
	if err != nil && r.status == http.StatusServiceUnavailable {
		if loc := r.header.Get("Location"); loc != "" {
			out.VM.UUID = lastSegment(loc)
		}
	}
	return out.VM, err
}

func lastSegment(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// UpdateVM changes what PATCH /vms/{uuid} takes; nil fields stay as they are.
type UpdateVM struct {
	DisplayName    *string `json:"display_name,omitempty"`
	BackupsEnabled *bool   `json:"backups_enabled,omitempty"`
}

// UpdateVM renames a VM or turns its backups on or off (updateVM).
func (c *Client) UpdateVM(ctx context.Context, uuid string, in UpdateVM) (VM, error) {
	var out struct{ VM VM }
	_, err := c.do(ctx, request{method: http.MethodPatch, path: "/api/v1/vms/" + esc(uuid), body: in, out: &out})
	return out.VM, err
}

// RenameVM gives a VM a new display name.
func (c *Client) RenameVM(ctx context.Context, uuid, name string) (VM, error) {
	return c.UpdateVM(ctx, uuid, UpdateVM{DisplayName: &name})
}

// DeleteVM moves a VM to the recycle bin, or with purge destroys it at once (deleteVM).
func (c *Client) DeleteVM(ctx context.Context, uuid string, purge bool) error {
	q := url.Values{}
	if purge {
		q.Set("purge", "true")
	}
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/vms/" + esc(uuid), query: q})
	return err
}

// RestoreVM takes a VM back out of the recycle bin (restoreVM).
func (c *Client) RestoreVM(ctx context.Context, uuid string) (Action, error) {
	return c.action(ctx, http.MethodPost, "/api/v1/vms/"+esc(uuid)+"/restore", nil, "")
}

// Power actions for Power.
const (
	PowerStart    = "start"
	PowerShutdown = "shutdown"
	PowerReboot   = "reboot"
	PowerReset    = "reset"
	PowerKill     = "kill"
)

// Power starts, shuts down (ACPI), reboots, resets (hard) or kills (pulls
// the plug) a VM (powerVM). Asking for the state it is in is not an error.
func (c *Client) Power(ctx context.Context, uuid, action string) (Action, error) {
	return c.action(ctx, http.MethodPost, "/api/v1/vms/"+esc(uuid)+"/power/"+esc(action), nil, "")
}

// Start, Shutdown, Reboot, Reset and Kill are Power with its action.
func (c *Client) Start(ctx context.Context, uuid string) (Action, error) {
	return c.Power(ctx, uuid, PowerStart)
}
func (c *Client) Shutdown(ctx context.Context, uuid string) (Action, error) {
	return c.Power(ctx, uuid, PowerShutdown)
}

// ShutdownWait is Shutdown giving the guest waitFor minutes (seed 002's
// wait_for, at most 15) to stop on its own before it is powered off; the
// ended action's Result says which happened.
func (c *Client) ShutdownWait(ctx context.Context, uuid string, waitFor float64) (Action, error) {
	return c.action(ctx, http.MethodPost, "/api/v1/vms/"+esc(uuid)+"/power/"+PowerShutdown, map[string]float64{"wait_for": waitFor}, "")
}
func (c *Client) Reboot(ctx context.Context, uuid string) (Action, error) {
	return c.Power(ctx, uuid, PowerReboot)
}
func (c *Client) Reset(ctx context.Context, uuid string) (Action, error) {
	return c.Power(ctx, uuid, PowerReset)
}
func (c *Client) Kill(ctx context.Context, uuid string) (Action, error) {
	return c.Power(ctx, uuid, PowerKill)
}

// OpenConsole opens a short-lived console session (openConsole).
func (c *Client) OpenConsole(ctx context.Context, uuid string) (ConsoleSession, error) {
	var out ConsoleSession
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/vms/" + esc(uuid) + "/console", out: &out})
	return out, err
}

// SetPassword sets root's password through the guest agent (setVMPassword).
func (c *Client) SetPassword(ctx context.Context, uuid, password string) error {
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/vms/" + esc(uuid) + "/security/password",
		body: map[string]string{"password": password}})
	return err
}

// SetHostname renames the guest (setVMHostname).
func (c *Client) SetHostname(ctx context.Context, uuid, hostname string) (HostnameSet, error) {
	var out HostnameSet
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/vms/" + esc(uuid) + "/security/hostname",
		body: map[string]string{"hostname": hostname}, out: &out})
	return out, err
}

// HostnameSet is the answer to SetHostname: the VM, and when the guest takes
// the name: Applied is "now" (through its agent) or "next_boot".
type HostnameSet struct {
	VM      VM     `json:"vm"`
	Applied string `json:"applied"`
}

// Resize moves a VM to another plan (resizeVM).
func (c *Client) Resize(ctx context.Context, uuid, planSlug string) (Action, error) {
	return c.action(ctx, http.MethodPost, "/api/v1/vms/"+esc(uuid)+"/resize", map[string]string{"plan_slug": planSlug}, "")
}

// ResizeWait is Resize for a running VM too: it is shut down first, its OS
// given waitFor minutes (seed 002's wait_for, at most 15) before it is powered
// off; the ended action's Result says which happened. It stays stopped.
func (c *Client) ResizeWait(ctx context.Context, uuid, planSlug string, waitFor float64) (Action, error) {
	return c.action(ctx, http.MethodPost, "/api/v1/vms/"+esc(uuid)+"/resize", map[string]any{"plan_slug": planSlug, "wait_for": waitFor}, "")
}

// Rebuild reinstalls a VM from a template; "" keeps its own (rebuildVM).
func (c *Client) Rebuild(ctx context.Context, uuid, osTemplateSlug string) (Action, error) {
	body := map[string]string{}
	if osTemplateSlug != "" {
		body["os_template_slug"] = osTemplateSlug
	}
	return c.action(ctx, http.MethodPost, "/api/v1/vms/"+esc(uuid)+"/rebuild", body, "")
}

// Boot chooses what a VM boots from: disk, cdrom (an ISO's slug) or rescue
// (bootVM); a rescue boot's root password comes back once.
func (c *Client) Boot(ctx context.Context, uuid, bootType, cdrom string) (Action, string, error) {
	body := map[string]string{"boot_type": bootType}
	if cdrom != "" {
		body["cdrom"] = cdrom
	}
	var out struct {
		Action         Action `json:"action"`
		RescuePassword string `json:"rescue_password"`
	}
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/vms/" + esc(uuid) + "/boot", body: body, out: &out})
	return out.Action, out.RescuePassword, err
}

// Snapshots lists a VM's snapshots (listVMSnapshots).
func (c *Client) Snapshots(ctx context.Context, uuid string) ([]Snapshot, error) {
	var out struct{ Snapshots []Snapshot }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/vms/" + esc(uuid) + "/snapshots", out: &out})
	return out.Snapshots, err
}

// CreateSnapshot takes a snapshot under any display name; "" lets the panel
// name it (createVMSnapshot).
func (c *Client) CreateSnapshot(ctx context.Context, uuid, name string) (Action, error) {
	body := map[string]string{}
	if name != "" {
		body["name"] = name
	}
	return c.action(ctx, http.MethodPost, "/api/v1/vms/"+esc(uuid)+"/snapshots", body, newKey())
}

// RevertSnapshot puts a VM's disk back to a snapshot (revertVMSnapshot).
func (c *Client) RevertSnapshot(ctx context.Context, uuid, name string) (Action, error) {
	return c.action(ctx, http.MethodPost, "/api/v1/vms/"+esc(uuid)+"/snapshots/"+esc(name)+"/revert", nil, "")
}

// DeleteSnapshot deletes a snapshot by its safe or display name (deleteVMSnapshot).
func (c *Client) DeleteSnapshot(ctx context.Context, uuid, name string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/vms/" + esc(uuid) + "/snapshots/" + esc(name)})
	return err
}

// Backups lists a VM's backups (listVMBackups).
func (c *Client) Backups(ctx context.Context, uuid string) ([]Backup, error) {
	var out struct{ Backups []Backup }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/vms/" + esc(uuid) + "/backups", out: &out})
	return out.Backups, err
}

// CreateBackup takes a manual backup now (createVMBackup).
func (c *Client) CreateBackup(ctx context.Context, uuid string) (Action, error) {
	return c.action(ctx, http.MethodPost, "/api/v1/vms/"+esc(uuid)+"/backups", nil, newKey())
}

// RestoreBackup is restoreVMBackup's body: Target "self" puts the backup
// back on the VM; "new" orders a new VM from it (the order's fields).
type RestoreBackup struct {
	Target         string  `json:"target"`
	PlanSlug       string  `json:"plan_slug,omitempty"`
	AuthMode       string  `json:"auth_mode,omitempty"`
	CustomPassword string  `json:"custom_password,omitempty"`
	SSHKeyIDs      []int64 `json:"ssh_key_ids,omitempty"`
	DisplayName    string  `json:"display_name,omitempty"`
	Hostname       string  `json:"hostname,omitempty"`
	BackupsEnabled bool    `json:"backups_enabled,omitempty"`
	IdempotencyKey string  `json:"-"`
}

// RestoreBackup restores a backup onto its VM (the action) or into a new VM
// (the VM) (restoreVMBackup).
func (c *Client) RestoreBackup(ctx context.Context, uuid string, id int64, in RestoreBackup) (Action, *VM, error) {
	key := in.IdempotencyKey
	if key == "" {
		key = newKey()
	}
	var out struct {
		Action *Action `json:"action"`
		VM     *VM     `json:"vm"`
	}
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/vms/" + esc(uuid) + "/backups/" + itoa(id) + "/restore",
		body: in, idempotencyKey: key, out: &out})
	var a Action
	if out.Action != nil {
		a = *out.Action
	}
	return a, out.VM, err
}

// DeleteBackup deletes a backup (deleteVMBackup).
func (c *Client) DeleteBackup(ctx context.Context, uuid string, id int64) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/vms/" + esc(uuid) + "/backups/" + itoa(id)})
	return err
}

// MetricsQuery picks a figure (cpu, memory, disk, network) and, optionally,
// a window in unix seconds and a step.
type MetricsQuery struct {
	Type             string
	Start, End, Step int64
}

// Metrics reads a VM's graph data (getVMMetrics).
func (c *Client) Metrics(ctx context.Context, uuid string, m MetricsQuery) (Metrics, error) {
	q := url.Values{"type": {m.Type}}
	for k, v := range map[string]int64{"start": m.Start, "end": m.End, "step": m.Step} {
		if v != 0 {
			q.Set(k, itoa(v))
		}
	}
	var out struct{ Metrics Metrics }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/vms/" + esc(uuid) + "/metrics", query: q, out: &out})
	return out.Metrics, err
}

// action posts body to path and reads an {"action": …} answer.
func (c *Client) action(ctx context.Context, method, path string, body any, key string) (Action, error) {
	var out struct{ Action Action }
	_, err := c.do(ctx, request{method: method, path: path, body: body, idempotencyKey: key, out: &out})
	return out.Action, err
}
