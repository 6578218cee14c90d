package views

import "net/url"

// VMTab is one tab of the VM page. The page carries every tab's panel and
// shows one; the URL names it (?tab=…) so that a reload, a link, a form's
// redirect and a refusal all come back to the same place.
type VMTab string

const (
	TabOverview  VMTab = "overview"
	TabGraphs    VMTab = "graphs"
	TabConsole   VMTab = "console"
	TabSnapshots VMTab = "snapshots"
	TabBackups   VMTab = "backups"
	TabNetwork   VMTab = "network"
	TabSettings  VMTab = "settings"
	TabDanger    VMTab = "danger"
)

// vmTab is a tab as its bar draws it. The console is its own full-window
// page, so its tab is a link there rather than a panel of this page.
type vmTab struct {
	tab   VMTab
	label string // a message key
}

var vmTabs = []vmTab{
	{TabOverview, "vm.tab_overview"},
	{TabGraphs, "vm.tab_graphs"},
	{TabConsole, "vm.tab_console"},
	{TabSnapshots, "vm.tab_snapshots"},
	{TabBackups, "vm.tab_backups"},
	{TabNetwork, "vm.tab_network"},
	{TabSettings, "vm.tab_settings"},
	{TabDanger, "vm.tab_danger"},
}

// ParseVMTab reads a tab's name from a URL or a form; anything else is the overview.
func ParseVMTab(name string) VMTab {
	for _, t := range vmTabs {
		if string(t.tab) == name && t.tab != TabConsole {
			return t.tab
		}
	}
	return TabOverview
}

// VMPageURL is the VM page at a tab; the overview needs no query.
func VMPageURL(uuid string, tab VMTab) string {
	if tab == TabOverview || tab == "" {
		return "/vms/" + uuid
	}
	return "/vms/" + uuid + "?tab=" + url.QueryEscape(string(tab))
}

func vmTabURL(uuid string, t VMTab) string {
	if t == TabConsole {
		return "/vms/" + uuid + "/console"
	}
	return VMPageURL(uuid, t)
}

// ShownTab is the tab the page opens on: the one holding a form the customer
// just got wrong, so the error is in sight, else the one asked for.
func (v VMPageView) ShownTab() VMTab {
	switch {
	case v.Hostname.Refused(), v.Password.Refused(), v.Manage.Resize.Refused(),
		v.Manage.Boot.Refused(), v.Manage.RescuePassword != "":
		return TabSettings
	case v.Manage.Snapshot.Refused():
		return TabSnapshots
	case v.Backups.Refused():
		return TabBackups
	case v.Alerts.Form.Refused():
		return TabGraphs
	case v.Delete.Refused(), v.Manage.Rebuild.Refused():
		return TabDanger
	}
	if v.Tab == "" {
		return TabOverview
	}
	return v.Tab
}
