package views

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"abrak/views/i18n"
)

// The operator's catalog pages (issue 29): plans, regions, OS templates and
// ISOs, address pools.

// AdminPlansView is the Plans page.
type AdminPlansView struct {
	Rows []AdminPlanRow
	List List
	// CanManage: an admin (support reads the page but changes no plan).
	CanManage bool
	// New is the create form (sent back when refused); Refused is the plan
	// whose edit form came back refused, with RefusedForm.
	New         Form
	Refused     string
	RefusedForm Form
}

// AdminPlanRow is one plan: its size, its price, whether it is offered and
// how many VMs are on it.
type AdminPlanRow struct {
	Slug, NameFA, NameEN    string
	VCPUs, MemoryMB, DiskGB int
	TrafficGB               int
	PriceHourlyRials        int64
	Active                  bool
	VMs                     int
}

// FormOf is the plan's edit form: the refused one, or one holding its values.
func (v AdminPlansView) FormOf(r AdminPlanRow) Form {
	if r.Slug == v.Refused {
		return v.RefusedForm
	}
	return Form{Values: map[string]string{"name_fa": r.NameFA, "name_en": r.NameEN, "price": tomanValue(r.PriceHourlyRials)}}
}

// tomanValue is an amount of rials as the toman a form field holds (Latin digits).
func tomanValue(rials int64) string {
	return strconv.FormatInt(rials/10, 10)
}

// localName is the name of the page's language.
func localName(s Shell, fa, en string) string {
	if s.Locale == i18n.FA && fa != "" || en == "" {
		return fa
	}
	return en
}

// toggleVerb is the route that flips an entry: an active one is disabled.
func toggleVerb(active bool) string {
	if active {
		return "disable"
	}
	return "enable"
}

// AdminRegionsView is the Regions page.
type AdminRegionsView struct {
	Rows      []AdminRegionRow
	List      List
	CanManage bool
	New       Form // the create form, sent back when refused
	Rename    Form // the rename form, sent back when refused
}

// AdminRegionRow is one region: its network, nodes and VMs, offered or not.
type AdminRegionRow struct {
	Slug, NameFA, NameEN string
	Network, Gateway     string
	Nodes, VMs           int
	Disabled             bool
}

// namesJSON is what choosing the region in the rename form writes into its
// fields: the names it has now, to be edited rather than typed again.
func (r AdminRegionRow) namesJSON() string {
	b, _ := json.Marshal(map[string]string{"name_fa": r.NameFA, "name_en": r.NameEN})
	return string(b)
}

// AdminTemplatesView is the OS templates and ISOs page.
type AdminTemplatesView struct {
	Rows      []AdminTemplateRow
	List      List
	CanManage bool
	// Upload is the upload form (an admin's); Features the template features
	// it offers; MaxUploadGiB the largest image it takes.
	Upload       Form
	Features     []string
	MaxUploadGiB int64
}

// AdminTemplateRow is one template or ISO, with its state on every node.
type AdminTemplateRow struct {
	Slug, Name, Kind string
	MinDiskGB        int
	Imported, Active bool
	VMs              int
	Nodes            []AdminTemplateNode
}

// AdminTemplateNode is a template's state on one node ("ready", "missing",
// "failed", "uploading") and why it failed.
type AdminTemplateNode struct {
	Node, State, Error string
}

// templateBadge is the badge class of a template's state on a node.
func templateBadge(state string) string {
	switch state {
	case "ready":
		return "badge badge-running"
	case "failed", "missing":
		return "badge badge-failed"
	}
	return "badge"
}

// templateStateKey names a template's state on a node.
func templateStateKey(state string) string {
	switch state {
	case "ready":
		return "admin.templates.state_ready"
	case "failed":
		return "admin.templates.state_failed"
	case "uploading":
		return "admin.templates.state_uploading"
	}
	return "admin.templates.state_missing"
}

// templateKindKey names a template's kind.
func templateKindKey(kind string) string {
	if kind == "iso" {
		return "admin.templates.kind_iso"
	}
	return "admin.templates.kind_disk"
}

// AdminPoolsView is the address pools page.
type AdminPoolsView struct {
	Rows []AdminPoolRow
	List List
	// CanManage: an admin, who may add a pool (support only reads); Regions
	// are its form's choices, New the form sent back with its errors.
	CanManage bool
	Regions   []string
	New       Form
}

// AdminPoolRow is one pool with its usage; Free is -1 for an IPv6 prefix.
type AdminPoolRow struct {
	ID                int64
	Region, Network   string
	Family            int
	First, Last       string
	Gateway           string
	Live, Quarantined int
	Size, Free        int64
	NearFull          bool
}

// Range is what the pool hands out: an IPv4 range or an IPv6 prefix.
func (r AdminPoolRow) Range() string {
	if r.Family == 6 || r.First == "" {
		return r.Network
	}
	return r.First + " – " + r.Last
}

// featureTicked is whether the upload form ticks a template feature: what was
// sent when the form comes back refused, else every feature but user_data
// (which few images' guests apply).
func featureTicked(f Form, feature string) bool {
	sent, ok := f.Values["features"]
	if !ok {
		return feature != "user_data"
	}
	return slices.Contains(strings.Split(sent, ","), feature)
}
