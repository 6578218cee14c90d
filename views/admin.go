package views

import (
	"net/url"
	"strconv"
	"time"
)

// The operator's pages (issue 29): plain view models, drawn by admin_*.templ.

// adminNavItems is the operator's navigation.
func adminNavItems() []navItem {
	return []navItem{
		{"admin-overview", "/admin", "admin.nav.overview"},
		{"admin-customers", "/admin/customers", "admin.nav.customers"},
		{"admin-vms", "/admin/vms", "admin.nav.vms"},
		{"admin-orders", "/admin/orders", "admin.nav.orders"},
		{"admin-nodes", "/admin/nodes", "admin.nav.nodes"},
		{"admin-plans", "/admin/plans", "admin.nav.plans"},
		{"admin-regions", "/admin/regions", "admin.nav.regions"},
		{"admin-templates", "/admin/templates", "admin.nav.templates"},
		{"admin-pools", "/admin/pools", "admin.nav.pools"},
		{"admin-audit", "/admin/audit", "admin.nav.audit"},
		{"admin-settings", "/admin/settings", "admin.nav.settings"},
	}
}

// AdminOverviewView is the operator's first page: each figure links to
// where it is looked into.
type AdminOverviewView struct {
	Nodes              []AdminNode
	NodesUp, NodesDown int
	VMs                []AdminCount
	OrdersWaiting      int
	OrdersFailing      int
	RevenueToday       int64
	RevenueMonth       int64
	Month              string // the revenue's month, named in the page's calendar
	WalletsLow         int
	MailFailed         int
	TemplatesNotReady  int
	PoolsNearFull      int
	// InMaintenance names the nodes in planned maintenance.
	InMaintenance []string
}

// AdminNode is one node as the overview lists it: up or down, and the
// accelerator its guests get with why.
type AdminNode struct {
	Name, Region string
	Up           bool
	Error        string
	Accel        string
	Reason       string
	Draining     bool
}

// AdminCount is how many of one kind (a VM status).
type AdminCount struct {
	Key   string
	Count int
}

// AdminCustomersView is the customer list: a search, sortable columns, pages.
type AdminCustomersView struct {
	Rows  []AdminCustomerRow
	Q     string
	Sort  string
	Desc  bool
	Pager Pager
}

// AdminCustomerRow is one account in the list or at the top of its page.
type AdminCustomerRow struct {
	ID            int64
	Email, Name   string
	Team          bool
	BalanceRials  int64
	VMs           int
	StaffRole     string
	TwoFactor     bool
	EmailVerified bool
	CreatedAt     time.Time
	Closed        bool
}

// Sorting is the list's sortable header, keeping the search.
func (v AdminCustomersView) Sorting() Sorting {
	keep := url.Values{}
	if v.Q != "" {
		keep.Set("q", v.Q)
	}
	return Sorting{Path: "/admin/customers", Col: v.Sort, Desc: v.Desc, Keep: keep}
}

// AdminCustomerView is a customer's page for the operator.
type AdminCustomerView struct {
	Customer AdminCustomerRow
	VMs      []AdminCustomerVM
	Ledger   []LedgerRow
	Activity []ActivityRow
	Sessions int
	Tokens   []TokenRow
	// Credit is the credit/debit form, with its own key against a double submit.
	Credit    Form
	CreditKey string
	// Allowance is what support's limits leave it (nil: an admin, not limited).
	Allowance *CreditAllowance
	// CanAct: the staff member may act on the customer (support and admin).
	CanAct bool
	// CanManage: the staff member gives roles (an admin).
	CanManage bool
	// Suspended and SuspendReason: the account is suspended, and why.
	Suspended     bool
	SuspendReason string
	// Refused is the account action (suspend, reset-2fa) whose form came
	// back refused, with its form.
	Refused     string
	RefusedForm Form
}

// FormOf is the named action's form: the refused one, or an empty one.
func (v AdminCustomerView) FormOf(action string) Form {
	if v.Refused == action {
		return v.RefusedForm
	}
	return Form{}
}

// AdminCustomerVM is one of a customer's VMs on their page.
type AdminCustomerVM struct {
	UUID, Name, Status, Plan, Region, IP, Node string
	CreatedAt                                  time.Time
}

// staffRoleLabel names a staff role.
func staffRoleLabel(s Shell, role string) string {
	switch role {
	case "admin":
		return s.T("admin.role.admin")
	case "support":
		return s.T("admin.role.support")
	}
	return ""
}

func adminCustomerPath(v AdminCustomerView) string {
	return "/admin/customers/" + strconv.FormatInt(v.Customer.ID, 10)
}

// AdminVMsView is every customer's VMs: a search, a status, the locked ones.
type AdminVMsView struct {
	Rows     []AdminVMRow
	Q        string
	Status   string
	Locked   bool
	Statuses []string
	Pager    Pager
	Sort     Sorting
	CanAct   bool
	// Refused is the VM whose lock form came back refused, with its form.
	Refused     string
	RefusedForm Form
	// Power is, per VM, the power actions its status allows (CanAct only).
	Power map[string][]string
}

// AdminVMRow is one VM in the operator's list.
type AdminVMRow struct {
	UUID, Name, Status, Plan, Region, IP, Node string
	OwnerID                                    int64
	OwnerEmail                                 string
	LockReason                                 string
	CreatedAt                                  time.Time
}

// FormOf is the lock form of the VM: the refused one, or an empty one.
func (v AdminVMsView) FormOf(uuid string) Form {
	if v.Refused == uuid {
		return v.RefusedForm
	}
	return Form{}
}

// AdminAuditView is the whole audit log, filtered.
type AdminAuditView struct {
	Rows   []AdminAuditRow
	Filter Form // the filter's values and field errors
	Pager  Pager
	// CSV is the export link with the same filter.
	CSV string
}

// AdminAuditRow is one event of the whole log.
type AdminAuditRow struct {
	At                   time.Time
	Action               string // a message key
	Severity             string
	Account, Actor       string
	Via, IP              string
	TargetType, TargetID string
	Detail               string
}
