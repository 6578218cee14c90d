package views

import (
	"net/url"
	"strconv"
	"time"
)

// AdminNodesView is the operator's Nodes page.
type AdminNodesView struct {
	Rows []AdminNodeRow
	// CanManage: an admin (support reads the page but changes no node).
	CanManage bool
	// Refused is the node whose maintenance form was refused, with its form.
	Refused     int64
	RefusedForm Form
	// Q is the search (part of a name or a region); Pager its pages.
	Q     string
	Pager Pager
	// Sort is the table's sortable header.
	Sort Sorting
	// AddForm is the form that adds a node (admins only).
	AddForm AdminNodeAddForm
}

// AdminNodeAddForm is the form that adds a node: the regions to choose from
// and, when it came back refused, what was typed and why.
type AdminNodeAddForm struct {
	Regions []Option
	Form    Form
}

// AdminNodeRow is one node: health, accelerator, usage against capacity, VMs
// and maintenance.
type AdminNodeRow struct {
	ID                      int64
	Name, Region, URI       string
	Up, Draining            bool
	Error                   string
	Accel, Reason           string
	VCPUs, MemoryMB, DiskGB int
	UsedVCPUs, UsedMemoryMB int
	UsedDiskGB              int
	VMs                     int
	Maintenance             bool
	Until                   time.Time
	MaintenanceReason       string
}

// FormOf is the node's maintenance form: the refused one, or an empty one.
func (v AdminNodesView) FormOf(id int64) Form {
	if id == v.Refused {
		return v.RefusedForm
	}
	return Form{}
}

func (r AdminNodeRow) idString() string { return strconv.FormatInt(r.ID, 10) }

// vmsURL is the all-VMs page narrowed to the node.
func (r AdminNodeRow) vmsURL() string { return "/admin/vms?q=" + url.QueryEscape(r.Name) }

// usage is "used of capacity" ("of ∞" where the node sets no limit), in
// words: a slash between two numbers reads backwards in a right-to-left line.
func usage(s Shell, used, capacity int, unit string) string {
	c := "∞"
	if capacity > 0 {
		c = s.Num(int64(capacity))
	}
	return s.T("admin.nodes.used_of", "used", s.Num(int64(used)), "capacity", c, "unit", s.T(unit))
}

// MaintenanceNotice is what a customer is told of the planned maintenance
// of the node their VM is on.
type MaintenanceNotice struct {
	On     bool
	Until  time.Time
	Reason string
}

// VMMaintenanceRow is one of the customer's VMs on a node in maintenance.
type VMMaintenanceRow struct {
	UUID, Name string
	Until      time.Time
}

// Option is one choice of a select: its value and what it shows.
type Option struct{ Value, Label string }

// NodeAddRefused is the Refused of the add form (no node has id -1).
const NodeAddRefused int64 = -1
