package handlers

import (
	"time"

	"abrak/services"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The JSON API's bodies, by resource. They are built from the services' read
// types here and in the handler that answers with them, nowhere else, so a
// new column never leaks into the API by accident, and the API's names
// (price_hourly, node_unavailable) stay stable when the schema moves.
//
// One scheme names them: api<Thing> is a resource as the API shows it (apiVM),
// api<Thing>Body the object that holds one ({"vm": …}), api<Thing>List the
// one that holds a list (with its meta when it is paged), api<Verb><Thing> or
// api<Field> what a request sends (apiCreateVM, apiUpdateVM); <thing>JSON builds
// an api<Thing> (vmJSON).

// hoursPerMonth is how a monthly price is quoted from an hourly one.
const hoursPerMonth = 730

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

type apiMeta struct {
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// VMs.

type apiVM struct {
	UUID            string          `json:"uuid"`
	DisplayName     string          `json:"display_name"`
	Hostname        string          `json:"hostname"`
	Status          vmstatus.Status `json:"status"`
	Plan            apiVMPlan       `json:"plan"`
	OSTemplate      apiVMTemplate   `json:"os_template"`
	Region          string          `json:"region"`
	PublicIP        *string         `json:"public_ip"`
	Networks        apiNetworks     `json:"networks"`
	MACAddress      string          `json:"mac_address"`
	Traffic         apiTraffic      `json:"traffic"`
	Boot            apiBoot         `json:"boot"`
	CreatedAt       string          `json:"created_at"`
	DeletedAt       string          `json:"deleted_at,omitempty"` // in the recycle bin only: when it went in
	PurgeAt         string          `json:"purge_at,omitempty"`   // and when the bin destroys it
	Locked          bool            `json:"locked"`
	OrderStatus     vmstatus.Order  `json:"order_status"`
	NodeUnavailable bool            `json:"node_unavailable"`
	// HeldForFunds: powered off because the wallet could not pay an hour;
	// Suspended: held past the grace period (only DELETE is allowed until a top-up).
	HeldForFunds bool `json:"held_for_funds"`
	Suspended    bool `json:"suspended"`
	// BackupPriceHourly is what its backups cost an hour while they are on (the
	// price fixed when they were turned on), and what turning them on would
	// cost now while they are off. BackupIDs are its usable backups, oldest first.
	BackupsEnabled    bool    `json:"backups_enabled"`
	BackupPriceHourly int64   `json:"backup_price_hourly"`
	BackupIDs         []int64 `json:"backup_ids"`
	// Seed 001's names for what the VM has: memory in GB (a plan's MB / 1024),
	// vcpus, disk in GB, the image it was built from, its features (ipv6 once it
	// has an address, guest_agent: the agent's channel every VM is given,
	// backups while they are on) and when its row last changed.
	Memory    float64  `json:"memory"`
	VCPUs     int      `json:"vcpus"`
	Disk      int      `json:"disk"`
	Image     apiImage `json:"image"`
	Features  []string `json:"features"`
	UpdatedAt string   `json:"updated_at"`
	// SnapshotIDs (seed 001) are the names of its snapshots, oldest first, in
	// the one VM's answer only: they live on the VM's hypervisor, and a list
	// would ask every node.
	SnapshotIDs *[]string `json:"snapshot_ids,omitempty"`
	// ResourceUsage is in the one VM's answer (GET /api/v1/vms/{uuid}) only: a
	// list's answer is kept by the VMs' version, which samples do not move.
	ResourceUsage *apiResourceUsage `json:"resource_usage,omitempty"`
}

// apiResourceUsage is what a VM uses now; null where it is not known.
type apiResourceUsage struct {
	CPUPercent    *float64 `json:"cpu_percent"`
	MemoryPercent *float64 `json:"memory_percent"`
	DiskPercent   *float64 `json:"disk_percent"`
	BandwidthUsed int64    `json:"bandwidth_used"`
}

type apiVMPlan struct {
	Slug        string `json:"slug"`
	VCPUs       int    `json:"vcpus"`
	MemoryMB    int    `json:"memory_mb"`
	DiskGB      int    `json:"disk_gb"`
	PriceHourly int64  `json:"price_hourly"`
}

// apiImage is seed 001's image: its id and distro are the template's slug
// (what a create names), name its name.
type apiImage struct {
	ID     string `json:"id"`
	Distro string `json:"distro"`
	Name   string `json:"name"`
}

type apiVMTemplate struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// apiBoot is what a VM boots from: disk, cdrom (with the ISO's slug) or rescue.
type apiBoot struct {
	Type  string `json:"boot_type"`
	CDROM string `json:"cdrom,omitempty"`
}

type apiNetworks struct {
	V4 []apiNetworkV4 `json:"v4"`
	V6 []apiNetworkV6 `json:"v6"`
}

type apiNetworkV4 struct {
	IPAddress string `json:"ip_address"`
	Netmask   string `json:"netmask"`
	Gateway   string `json:"gateway"`
	Type      string `json:"type"`
}

type apiNetworkV6 struct {
	IPAddress string `json:"ip_address"`
	Prefix    int    `json:"prefix"`
	Gateway   string `json:"gateway"`
	Type      string `json:"type"`
}

// apiTraffic is a calendar month's (UTC) traffic, as the VM sees it: rx received, tx sent.
type apiTraffic struct {
	Month   string `json:"month"`
	RxBytes int64  `json:"rx_bytes"`
	TxBytes int64  `json:"tx_bytes"`
}

type apiVMBody struct {
	VM apiVM `json:"vm"`
}

// apiOrderedBody answers a kept order; root_password only when the panel
// made one (a seed's order naming no way in), shown in this answer only.
type apiOrderedBody struct {
	VM           apiVM  `json:"vm"`
	RootPassword string `json:"root_password,omitempty"`
}

type apiVMList struct {
	VMs  []apiVM `json:"vms"`
	Meta apiMeta `json:"meta"`
}

// vmJSON builds a VM's body; backupPrice is what its backups cost or would
// cost an hour (see apiVM).
func vmJSON(v services.VM, backupPrice int64) apiVM {
	out := apiVM{
		UUID: v.UUID, DisplayName: v.DisplayName, Hostname: v.Hostname, Status: v.Status,
		Plan:       apiVMPlan{Slug: v.PlanSlug, VCPUs: v.VCPUs, MemoryMB: v.MemoryMB, DiskGB: v.DiskGB, PriceHourly: v.PriceHourly},
		OSTemplate: apiVMTemplate{Slug: v.OSTemplateSlug, Name: v.OSTemplateName},
		Region:     v.Region, CreatedAt: rfc3339(v.CreatedAt), Locked: v.Locked,
		OrderStatus: v.Order, NodeUnavailable: v.NodeDown, HeldForFunds: v.Held, Suspended: v.Suspended,
		Networks:       apiNetworks{V4: []apiNetworkV4{}, V6: []apiNetworkV6{}},
		MACAddress:     v.MAC,
		Traffic:        apiTraffic{Month: v.TrafficMonth, RxBytes: v.Received, TxBytes: v.Sent},
		Boot:           apiBoot{Type: v.Boot, CDROM: v.BootISO},
		BackupsEnabled: v.BackupsEnabled, BackupPriceHourly: backupPrice, BackupIDs: v.BackupIDs,
	}
	if out.BackupIDs == nil {
		out.BackupIDs = []int64{}
	}
	out.Memory, out.VCPUs, out.Disk = float64(v.MemoryMB)/1024, v.VCPUs, v.DiskGB
	out.Image = apiImage{ID: v.OSTemplateSlug, Distro: v.OSTemplateSlug, Name: v.OSTemplateName}
	out.UpdatedAt = rfc3339(v.UpdatedAt)
	out.Features = vmFeatures(v)
	if v.Status == vmstatus.Destroyed {
		return out
	}
	if !v.PurgeAt.IsZero() {
		out.DeletedAt, out.PurgeAt = rfc3339(v.DeletedAt), rfc3339(v.PurgeAt)
	}
	if v.PublicIP != "" {
		ip := v.PublicIP
		out.PublicIP = &ip
		out.Networks.V4 = append(out.Networks.V4, apiNetworkV4{IPAddress: ip, Netmask: v.Netmask, Gateway: v.Gateway, Type: "public"})
	}
	if v.IPv6 != "" {
		out.Networks.V6 = append(out.Networks.V6, apiNetworkV6{IPAddress: v.IPv6, Prefix: v.Prefix6, Gateway: v.Gateway6, Type: "public"})
	}
	return out
}

// vmFeatures are seed 001's features of a VM, in a fixed order.
func vmFeatures(v services.VM) []string {
	out := []string{}
	if v.IPv6 != "" && v.Status != vmstatus.Destroyed {
		out = append(out, "ipv6")
	}
	out = append(out, "guest_agent")
	if v.BackupsEnabled {
		out = append(out, "backups")
	}
	return out
}

// apiCreateVM is the body of POST /api/v1/vms.
type apiCreateVM struct {
	PlanSlug       string  `json:"plan_slug"`
	OSTemplateSlug string  `json:"os_template_slug"`
	AuthMode       string  `json:"auth_mode"`
	CustomPassword string  `json:"custom_password"`
	SSHKeyIDs      []int64 `json:"ssh_key_ids"`
	DisplayName    string  `json:"display_name"`
	Hostname       string  `json:"hostname"`
	Region         string  `json:"region"`
	UserData       string  `json:"user_data"`
	BackupsEnabled bool    `json:"backups_enabled"`
	// The seeds' names for the same things (vm_create_seeds.go).
	Name     string   `json:"name"`
	Image    string   `json:"image"`
	SSHKeys  []any    `json:"ssh_keys"`
	Location string   `json:"location"`
	Backups  *bool    `json:"backups"`
	IPv6     *bool    `json:"ipv6"`
	Size     *float64 `json:"size"`
	CPU      *float64 `json:"cpu"`
	DiskSize *float64 `json:"disk_size"`
	Plan     string   `json:"plan"`
	PlanID   string   `json:"plan_id"`
	OSID     string   `json:"os_id"`
	SSHKeyID *int64   `json:"ssh_key_id"`
	// Fields a seed defines that Abrak cannot honour: asking for them is a 422
	// that says so; sending them off (false, null) is accepted.
	PrivateNetworking any `json:"private_networking"`
}

// apiUpdateVM is the body of PATCH /api/v1/vms/{uuid}: each field sent is changed.
type apiUpdateVM struct {
	DisplayName    *string `json:"display_name"`
	BackupsEnabled *bool   `json:"backups_enabled"`
}

type apiHostname struct {
	Hostname string `json:"hostname"`
}

type apiPassword struct {
	Password string `json:"password"`
}

type apiResize struct {
	PlanSlug string `json:"plan_slug"`
	// WaitFor is seed 002's: minutes a running VM has to shut down before it is powered off.
	WaitFor *float64 `json:"wait_for"`
}

// apiPower is the optional body of a power action: seed 002's wait_for for a shutdown.
type apiPower struct {
	WaitFor *float64 `json:"wait_for"`
}

type apiRebuild struct {
	OSTemplateSlug string `json:"os_template_slug"`
}

// apiMigrate is an operator's move of a VM; an empty target lets the panel pick.
type apiMigrate struct {
	TargetNode string `json:"target_node"`
}

type apiSetBoot struct {
	Type string `json:"boot_type"`
	ISO  string `json:"cdrom"`
}

// Snapshots.

type apiCreateSnapshot struct {
	Name string `json:"name"`
}

// apiSnapshot: name is the safe name paths carry, display_name what the
// customer called it (the same for a snapshot named by the old rule).
type apiSnapshot struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	CreatedAt   string `json:"created_at"`
	Current     bool   `json:"current"`
}

type apiSnapshotList struct {
	Snapshots []apiSnapshot `json:"snapshots"`
}

// Backups.

// apiBackup is one backup of a VM's disk. Size is what the store holds;
// Capacity the size of the disk it holds, which a plan's disk must reach to
// restore it as a new VM.
type apiBackup struct {
	ID          int64   `json:"id"`
	CreatedAt   string  `json:"created_at"`
	CompletedAt *string `json:"completed_at"`
	Size        int64   `json:"size"`
	Capacity    int64   `json:"capacity"`
	Kind        string  `json:"kind"`
	Consistency *string `json:"consistency"`
	Status      string  `json:"status"`
	ActionID    *int64  `json:"action_id"`
}

type apiBackupList struct {
	Backups []apiBackup `json:"backups"`
}

func backupJSON(b services.Backup) apiBackup {
	out := apiBackup{ID: b.ID, CreatedAt: rfc3339(b.CreatedAt), Size: b.Size, Capacity: b.Capacity, Kind: b.Kind, Status: b.Status}
	if !b.CompletedAt.IsZero() {
		t := rfc3339(b.CompletedAt)
		out.CompletedAt = &t
	}
	if b.Consistency != "" {
		c := b.Consistency
		out.Consistency = &c
	}
	if b.ActionID != 0 {
		id := b.ActionID
		out.ActionID = &id
	}
	return out
}

// apiRestoreBackup is the body of POST /api/v1/vms/{uuid}/backups/{id}/restore:
// target self, alone, or target new with the order's fields.
type apiRestoreBackup struct {
	Target         string  `json:"target"`
	PlanSlug       string  `json:"plan_slug"`
	AuthMode       string  `json:"auth_mode"`
	CustomPassword string  `json:"custom_password"`
	SSHKeyIDs      []int64 `json:"ssh_key_ids"`
	DisplayName    string  `json:"display_name"`
	Hostname       string  `json:"hostname"`
	BackupsEnabled bool    `json:"backups_enabled"`
}

// Actions: what an operation started, and how it ended.

type apiAction struct {
	ID           int64   `json:"id"`
	Type         string  `json:"type"`
	Status       string  `json:"status"`
	StartedAt    string  `json:"started_at"`
	CompletedAt  *string `json:"completed_at"`
	ResourceType string  `json:"resource_type"`
	ResourceID   string  `json:"resource_id"`
	// Region is the VM's region: seed 003's action names where it happened.
	Region string  `json:"region"`
	Error  *string `json:"error"`
	// Progress is how far the action got, in percent (long ones, backups and restores, move it).
	Progress int `json:"progress"`
	// Result is how a shutdown ended: acpi (the guest stopped when asked) or forced.
	Result *string `json:"result"`
}

// apiHostnameBody answers a hostname change (seed 000's "Hostname set"):
// the VM, and whether the running guest took the name now or takes it at its
// next boot.
type apiHostnameBody struct {
	VM      apiVM  `json:"vm"`
	Applied string `json:"applied"`
}

type apiActionBody struct {
	Action apiAction `json:"action"`
}

type apiActionList struct {
	Actions []apiAction `json:"actions"`
	Meta    apiMeta     `json:"meta"`
}

func actionJSON(l i18n.Locale, a services.Action) apiAction {
	out := apiAction{ID: a.ID, Type: a.Type, Status: a.Status, StartedAt: rfc3339(a.StartedAt), ResourceType: "vm", ResourceID: a.VMUUID,
		Region: a.Region, Progress: a.Progress}
	if a.Result != "" {
		r := a.Result
		out.Result = &r
	}
	if a.CompletedAt != nil {
		t := rfc3339(*a.CompletedAt)
		out.CompletedAt = &t
	}
	if a.Error != "" {
		e := i18n.T(l, a.Error)
		out.Error = &e
	}
	return out
}

// apiRunAction is the body of POST /api/v1/vms/{uuid}/actions: seed 003's
// typed action and the fields its type takes.
type apiRunAction struct {
	Type     string         `json:"type"`
	Name     string         `json:"name"`
	Resource string         `json:"resource"`
	Size     *float64       `json:"size"`
	Data     *apiResizeData `json:"data"`
	WaitFor  *float64       `json:"wait_for"`
}

// apiResizeData is seed 003's resize of several resources at once: vCPUs, GB.
type apiResizeData struct {
	CPU  float64 `json:"cpu"`
	RAM  float64 `json:"ram"`
	Disk float64 `json:"disk"`
}

// apiRunActionBody answers a typed action; password only for password_reset,
// the one time the new root password is shown.
type apiRunActionBody struct {
	Action   apiAction `json:"action"`
	Password string    `json:"password,omitempty"`
}

// apiBootBody answers a boot change; rescue_password only when entering rescue.
type apiBootBody struct {
	Action         apiAction `json:"action"`
	RescuePassword string    `json:"rescue_password,omitempty"`
}

// The catalog.

type apiPlan struct {
	Slug         string `json:"slug"`
	Name         string `json:"name"`
	VCPUs        int    `json:"vcpus"`
	MemoryMB     int    `json:"memory_mb"`
	DiskGB       int    `json:"disk_gb"`
	PriceHourly  int64  `json:"price_hourly"`
	PriceMonthly int64  `json:"price_monthly"`
	TrafficGB    int    `json:"traffic_gb"` // a month's allowance; 0 is unlimited
}

type apiOSTemplate struct {
	Slug      string `json:"slug"`
	Name      string `json:"name"`
	MinDiskGB int    `json:"min_disk_gb"`
}

type apiISO struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

type apiRegion struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func planJSON(l i18n.Locale, p services.Plan) apiPlan {
	return apiPlan{Slug: p.Slug, Name: planName(l, p), VCPUs: p.VCPUs, MemoryMB: p.MemoryMB, DiskGB: p.DiskGB,
		PriceHourly: p.PriceHourlyRials, PriceMonthly: p.PriceHourlyRials * hoursPerMonth, TrafficGB: p.TrafficGB}
}

// The console.

// apiConsoleTicket is the API's answer to a console request.
type apiConsoleTicket struct {
	URL       string `json:"url"`
	ExpiresAt string `json:"expires_at"`
	TTLSec    int    `json:"ttl_sec"`
}

// The account.

// apiAccount is the API's account body.
type apiAccount struct {
	Email        string  `json:"email"`
	Name         string  `json:"name"`
	BalanceRials int64   `json:"balance_rials"`
	BalanceToman float64 `json:"balance_toman"`
	// BurnRialsPerHour is what the VMs the account has now cost each hour.
	BurnRialsPerHour int64 `json:"burn_rate_rials_per_hour"`
	// HoursLeft is how many whole hours the balance pays at that rate; null when nothing is charged.
	HoursLeft     *int64 `json:"hours_left"`
	EmailVerified bool   `json:"email_verified"`
	CreatedAt     string `json:"created_at"`
}

// SSH keys.

type apiCreateSSHKey struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
}

// apiSSHKey is the API's body for one key.
type apiSSHKey struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
	PublicKey   string `json:"public_key"`
	CreatedAt   string `json:"created_at"`
}

func sshKeyJSON(k services.SSHKey) apiSSHKey {
	return apiSSHKey{ID: k.ID, Name: k.Name, Fingerprint: k.Fingerprint, PublicKey: k.PublicKey, CreatedAt: rfc3339(k.CreatedAt)}
}

// Billing: top-ups and statements.

// apiStartTopUp is the body of POST /api/v1/billing/topups.
type apiStartTopUp struct {
	Amount int64 `json:"amount"` // rials
}

type apiTopUp struct {
	ID     int64 `json:"id"`
	Amount int64 `json:"amount"` // credited to the wallet
	// VAT is added at the gateway; Total (Amount + VAT) is what the customer pays.
	VAT       int64  `json:"vat"`
	Total     int64  `json:"total"`
	Status    string `json:"status"`
	Message   string `json:"message,omitempty"`
	RefID     string `json:"ref_id,omitempty"`
	PayURL    string `json:"pay_url,omitempty"`
	CreatedAt string `json:"created_at"`
}

type apiTopUpBody struct {
	TopUp apiTopUp `json:"topup"`
}

// apiStatement is a month of a wallet. Amounts are rials; charges are what was taken.
type apiStatement struct {
	Month    string             `json:"month"`
	Calendar string             `json:"calendar"` // jalali (Tehran) or gregorian (UTC)
	From     string             `json:"from"`
	To       string             `json:"to"`
	Opening  int64              `json:"opening_balance"`
	Closing  int64              `json:"closing_balance"`
	Totals   apiStatementTotals `json:"totals"`
	TopUps   []apiStatementLine `json:"topups"`
	Charges  []apiVMCharge      `json:"charges"`
	Refunds  []apiStatementLine `json:"refunds"`
	Other    []apiStatementLine `json:"other"`
	VATPaid  int64              `json:"vat_paid"`
}

type apiStatementTotals struct {
	TopUps  int64 `json:"topups"`
	Charges int64 `json:"charges"`
	Refunds int64 `json:"refunds"`
	Other   int64 `json:"other"`
}

type apiStatementLine struct {
	At     string `json:"at"`
	Amount int64  `json:"amount"`
	Kind   string `json:"kind"`
	Ref    string `json:"ref"`
}

// apiVMCharge is what one VM took in the month: Amount in all, Backups of
// it for its backups (beside its hours).
type apiVMCharge struct {
	VMUUID      string `json:"vm_uuid"`
	VMName      string `json:"vm_name"`
	Hours       int    `json:"hours"`
	FirstHourAt string `json:"first_hour_at"`
	LastHourAt  string `json:"last_hour_at"`
	Amount      int64  `json:"amount"`
	Backups     int64  `json:"backups"`
}
