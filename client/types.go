package client

import (
	"encoding/json"
	"time"
)

// The API's objects, as handlers/openapi.json documents them. Objects the
// client does not interpret (a VM's networks, boot, traffic, resource usage;
// a statement; a top-up) stay raw JSON so that a new field is never lost.

// Meta is a page's place in a list.
type Meta struct {
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// PlanRef is the plan a VM runs on.
type PlanRef struct {
	Slug        string `json:"slug"`
	VCPUs       int    `json:"vcpus"`
	MemoryMB    int    `json:"memory_mb"`
	DiskGB      int    `json:"disk_gb"`
	PriceHourly int64  `json:"price_hourly"`
}

// TemplateRef is the OS template a VM was built from.
type TemplateRef struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// ImageRef is seed 001's image of a VM: id and distro are the template's slug.
type ImageRef struct {
	ID     string `json:"id"`
	Distro string `json:"distro"`
	Name   string `json:"name"`
}

// VM is a customer's server.
type VM struct {
	UUID              string          `json:"uuid"`
	DisplayName       string          `json:"display_name"`
	Hostname          string          `json:"hostname"`
	Status            string          `json:"status"`
	Plan              PlanRef         `json:"plan"`
	OSTemplate        TemplateRef     `json:"os_template"`
	Region            string          `json:"region"`
	PublicIP          *string         `json:"public_ip"`
	Networks          json.RawMessage `json:"networks,omitempty"`
	MACAddress        string          `json:"mac_address,omitempty"`
	Boot              json.RawMessage `json:"boot,omitempty"`
	Traffic           json.RawMessage `json:"traffic,omitempty"`
	CreatedAt         time.Time       `json:"created_at"`
	DeletedAt         string          `json:"deleted_at,omitempty"`
	PurgeAt           string          `json:"purge_at,omitempty"`
	Locked            bool            `json:"locked"`
	OrderStatus       string          `json:"order_status,omitempty"`
	NodeUnavailable   bool            `json:"node_unavailable,omitempty"`
	HeldForFunds      bool            `json:"held_for_funds,omitempty"`
	Suspended         bool            `json:"suspended,omitempty"`
	BackupsEnabled    bool            `json:"backups_enabled"`
	BackupPriceHourly int64           `json:"backup_price_hourly,omitempty"`
	BackupIDs         []int64         `json:"backup_ids,omitempty"`
	// Seed 001's fields: memory and disk in GB, the image, features
	// (ipv6, guest_agent, backups), snapshot names (Get only), last change.
	Memory        float64         `json:"memory,omitempty"`
	VCPUs         int             `json:"vcpus,omitempty"`
	Disk          int             `json:"disk,omitempty"`
	Image         *ImageRef       `json:"image,omitempty"`
	Features      []string        `json:"features,omitempty"`
	SnapshotIDs   []string        `json:"snapshot_ids,omitempty"`
	UpdatedAt     string          `json:"updated_at,omitempty"`
	ResourceUsage json.RawMessage `json:"resource_usage,omitempty"`
}

// IP is the VM's public IPv4 address, or "".
func (v VM) IP() string {
	if v.PublicIP == nil {
		return ""
	}
	return *v.PublicIP
}

// Action is a long-running operation on a resource. Status is in-progress,
// completed or errored.
type Action struct {
	ID           int64      `json:"id"`
	Type         string     `json:"type"`
	Status       string     `json:"status"`
	StartedAt    time.Time  `json:"started_at"`
	CompletedAt  *time.Time `json:"completed_at"`
	ResourceType string     `json:"resource_type"`
	ResourceID   string     `json:"resource_id"`
	Region       string     `json:"region"`
	Error        *string    `json:"error"`
	Progress     int        `json:"progress,omitempty"`
	// Result is how a shutdown ended: "acpi" (the guest stopped when asked) or "forced".
	Result *string `json:"result,omitempty"`
}

// Done says whether the action has ended, one way or the other.
func (a Action) Done() bool { return a.Status == "completed" || a.Status == "errored" }

// Snapshot is a saved state of a VM's disk.
type Snapshot struct {
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	CreatedAt   time.Time `json:"created_at"`
	Current     bool      `json:"current"`
}

// Backup is a copy of a VM's disk kept off its node.
type Backup struct {
	ID          int64      `json:"id"`
	CreatedAt   time.Time  `json:"created_at"`
	CompletedAt *time.Time `json:"completed_at"`
	Size        int64      `json:"size"`
	Capacity    int64      `json:"capacity"`
	Kind        string     `json:"kind"`
	Consistency *string    `json:"consistency"`
	Status      string     `json:"status"`
	ActionID    *int64     `json:"action_id"`
}

// SSHKey is a public key the account can put on its VMs.
type SSHKey struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Fingerprint string    `json:"fingerprint"`
	PublicKey   string    `json:"public_key"`
	CreatedAt   time.Time `json:"created_at"`
}

// Account is the caller's account and wallet.
type Account struct {
	Email                string    `json:"email"`
	Name                 string    `json:"name"`
	BalanceRials         int64     `json:"balance_rials"`
	BalanceToman         float64   `json:"balance_toman"`
	BurnRateRialsPerHour int64     `json:"burn_rate_rials_per_hour"`
	HoursLeft            *int64    `json:"hours_left"`
	EmailVerified        bool      `json:"email_verified"`
	CreatedAt            time.Time `json:"created_at"`
}

// Alert watches a VM's figure and mails the account when it crosses a threshold.
type Alert struct {
	ID         int64      `json:"id"`
	VMUUID     string     `json:"vm_uuid"`
	Kind       string     `json:"kind"`
	Threshold  int        `json:"threshold"`
	Minutes    int        `json:"minutes"`
	Firing     bool       `json:"firing"`
	FiredAt    *time.Time `json:"fired_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// Metrics is one figure of a VM over time.
type Metrics struct {
	Type   string         `json:"type"`
	Start  int64          `json:"start"`
	End    int64          `json:"end"`
	Step   int64          `json:"step"`
	Series []MetricSeries `json:"series"`
}

// MetricSeries is one line of a graph: [unix time, value] points.
type MetricSeries struct {
	Name   string       `json:"name"`
	Unit   string       `json:"unit"`
	Points [][2]float64 `json:"points"`
}

// Team is the account the token acts for and the caller's role in it.
type Team struct {
	ID       int64        `json:"id"`
	Name     string       `json:"name"`
	Personal bool         `json:"personal"`
	Role     string       `json:"role"`
	Members  []TeamMember `json:"members"`
}

// TeamMember is a person in a team.
type TeamMember struct {
	ID    int64     `json:"id"`
	Name  string    `json:"name"`
	Email string    `json:"email"`
	Role  string    `json:"role"`
	Since time.Time `json:"since"`
}

// TeamInvitation is an invitation not yet taken.
type TeamInvitation struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	InvitedBy string    `json:"invited_by"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ConsoleSession is a short-lived link to a VM's screen.
type ConsoleSession struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
	TTLSec    int       `json:"ttl_sec"`
}

// Plan, OSTemplate, Region and ISO are the public catalog.
type Plan struct {
	Slug         string `json:"slug"`
	Name         string `json:"name"`
	VCPUs        int    `json:"vcpus"`
	MemoryMB     int    `json:"memory_mb"`
	DiskGB       int    `json:"disk_gb"`
	PriceHourly  int64  `json:"price_hourly"`
	PriceMonthly int64  `json:"price_monthly"`
	TrafficGB    int    `json:"traffic_gb"`
}

type OSTemplate struct {
	Slug      string `json:"slug"`
	Name      string `json:"name"`
	MinDiskGB int    `json:"min_disk_gb"`
}

type Region struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}
