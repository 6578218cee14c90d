package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// GetAccount reads the caller's account and wallet (getAccount).
func (c *Client) GetAccount(ctx context.Context) (Account, error) {
	var out struct{ Account Account }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/account", out: &out})
	return out.Account, err
}

// SSHKeys lists the account's SSH keys (listSSHKeys).
func (c *Client) SSHKeys(ctx context.Context) ([]SSHKey, error) {
	var out struct {
		SSHKeys []SSHKey `json:"ssh_keys"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/ssh-keys", out: &out})
	return out.SSHKeys, err
}

// GetSSHKey reads one SSH key (getSSHKey).
func (c *Client) GetSSHKey(ctx context.Context, id int64) (SSHKey, error) {
	var out struct {
		SSHKey SSHKey `json:"ssh_key"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/ssh-keys/" + itoa(id), out: &out})
	return out.SSHKey, err
}

// CreateSSHKey adds a public key (createSSHKey).
func (c *Client) CreateSSHKey(ctx context.Context, name, publicKey string) (SSHKey, error) {
	var out struct {
		SSHKey SSHKey `json:"ssh_key"`
	}
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/ssh-keys", idempotencyKey: newKey(),
		body: map[string]string{"name": name, "public_key": publicKey}, out: &out})
	return out.SSHKey, err
}

// DeleteSSHKey removes a key (deleteSSHKey).
func (c *Client) DeleteSSHKey(ctx context.Context, id int64) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/ssh-keys/" + itoa(id)})
	return err
}

// Alerts lists the account's alerts, or one VM's when vmUUID is set (listAlerts).
func (c *Client) Alerts(ctx context.Context, vmUUID string) ([]Alert, error) {
	q := url.Values{}
	set(q, "vm_uuid", vmUUID)
	var out struct{ Alerts []Alert }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/alerts", query: q, out: &out})
	return out.Alerts, err
}

// CreateAlert is an alert's rule: Kind cpu, memory, traffic or stopped.
type CreateAlert struct {
	VMUUID    string `json:"vm_uuid"`
	Kind      string `json:"kind"`
	Threshold int    `json:"threshold,omitempty"`
	Minutes   int    `json:"minutes,omitempty"`
}

// CreateAlert adds an alert (createAlert).
func (c *Client) CreateAlert(ctx context.Context, in CreateAlert) (Alert, error) {
	var out struct{ Alert Alert }
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/alerts", body: in, idempotencyKey: newKey(), out: &out})
	return out.Alert, err
}

// DeleteAlert removes an alert (deleteAlert).
func (c *Client) DeleteAlert(ctx context.Context, id int64) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/alerts/" + itoa(id)})
	return err
}

// GetTeam reads the team the token acts for (getTeam).
func (c *Client) GetTeam(ctx context.Context) (Team, error) {
	var out struct{ Team Team }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/team", out: &out})
	return out.Team, err
}

// TeamMembers lists the team's people (listTeamMembers).
func (c *Client) TeamMembers(ctx context.Context) ([]TeamMember, error) {
	var out struct{ Members []TeamMember }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/team/members", out: &out})
	return out.Members, err
}

// TeamInvitations lists the invitations not yet taken (listTeamInvitations).
func (c *Client) TeamInvitations(ctx context.Context) ([]TeamInvitation, error) {
	var out struct{ Invitations []TeamInvitation }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/team/invitations", out: &out})
	return out.Invitations, err
}

// StartTopUp starts a wallet top-up of amount rials; the answer holds the
// payment link (startTopUp).
func (c *Client) StartTopUp(ctx context.Context, amountRials int64) (json.RawMessage, error) {
	var out struct {
		TopUp json.RawMessage `json:"topup"`
	}
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/billing/topups", idempotencyKey: newKey(),
		body: map[string]int64{"amount": amountRials}, out: &out})
	return out.TopUp, err
}

// GetTopUp reads a top-up's state (getTopUp).
func (c *Client) GetTopUp(ctx context.Context, id int64) (json.RawMessage, error) {
	var out struct {
		TopUp json.RawMessage `json:"topup"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/billing/topups/" + itoa(id), out: &out})
	return out.TopUp, err
}

// Statement reads a month's statement: "1405-09" (Jalali) or "2026-12" (getStatement).
func (c *Client) Statement(ctx context.Context, month string) (json.RawMessage, error) {
	var out struct {
		Statement json.RawMessage `json:"statement"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/billing/statements/" + esc(month), out: &out})
	return out.Statement, err
}

// Plans, OSTemplates, Regions and ISOs read the public catalog.
func (c *Client) Plans(ctx context.Context) ([]Plan, error) {
	var out struct{ Plans []Plan }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/plans", out: &out})
	return out.Plans, err
}

func (c *Client) OSTemplates(ctx context.Context) ([]OSTemplate, error) {
	var out struct {
		OSTemplates []OSTemplate `json:"os_templates"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/os-templates", out: &out})
	return out.OSTemplates, err
}

func (c *Client) Regions(ctx context.Context) ([]Region, error) {
	var out struct{ Regions []Region }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/regions", out: &out})
	return out.Regions, err
}

// ISO is an installer image a VM can boot.
type ISO struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func (c *Client) ISOs(ctx context.Context) ([]ISO, error) {
	var out struct{ ISOs []ISO }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/isos", out: &out})
	return out.ISOs, err
}

// OpenAPI reads the API's own description (getOpenAPI).
func (c *Client) OpenAPI(ctx context.Context) (json.RawMessage, error) {
	var out json.RawMessage
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/openapi.json", out: &out})
	return out, err
}
