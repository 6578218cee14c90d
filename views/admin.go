package views

// The operator's pages (issue 29): plain view models, drawn by admin_*.templ.

// adminNavItems is the operator's navigation.
func adminNavItems() []navItem {
	return []navItem{
		{"admin-overview", "/admin", "admin.nav.overview"},
	}
}

// AdminOverviewView is the operator's first page: each figure links to
// where it is looked into.
type AdminOverviewView struct {
	Nodes               []AdminNode
	NodesUp, NodesDown  int
	VMs                 []AdminCount
	OrdersWaiting       int
	OrdersFailing       int
	RevenueToday        int64
	RevenueMonth        int64
	Month               string // the revenue's month, named in the page's calendar
	WalletsLow          int
	MailFailed          int
	TemplatesNotReady   int
	PoolsNearFull       int
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
