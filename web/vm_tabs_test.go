package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"abrak/testkit"
)

// shownPanels lists the VM page's panels that are not hidden.
func shownPanels(body string) []string {
	var shown []string
	for _, m := range regexp.MustCompile(`<div id="tab-[a-z]+" data-tab-panel="([a-z]+)"( hidden)?>`).FindAllStringSubmatch(body, -1) {
		if m[2] == "" {
			shown = append(shown, m[1])
		}
	}
	return shown
}

// Each tab of the VM page has its own address; a form that fails opens on the
// tab that holds it, and one that succeeds leads back to the tab it came from.
func TestVMPageTabsHaveAddresses(t *testing.T) {
	w, c := vmBrowser(t)
	settle(t, w.a, w.web, "running")
	base := "/vms/" + w.web
	for path, want := range map[string]string{
		base:                  "overview",
		base + "?tab=danger":  "danger",
		base + "?tab=network": "network",
		base + "?tab=console": "overview", // the console is a page of its own
		base + "?tab=nope":    "overview",
	} {
		r := c.Get(path)
		testkit.MustStatus(t, path, r, http.StatusOK)
		if got := shownPanels(r.Body); len(got) != 1 || got[0] != want {
			t.Errorf("%s shows the panels %v, want [%s]", path, got, want)
		}
		if !strings.Contains(r.Body, `data-tab="`+want+`" aria-current="page"`) {
			t.Errorf("%s: the tab bar does not mark %s", path, want)
		}
		if !strings.Contains(r.Body, `href="`+base+`/console" class="vm-tab"`) {
			t.Errorf("%s: the console tab does not lead to the console", path)
		}
	}

	// Refused: the hostname's tab opens, whatever tab the form was sent from.
	r := c.Post(base+"/hostname", testkit.Form("hostname", "no_good", "tab", "overview"))
	testkit.MustStatus(t, "bad hostname", r, http.StatusUnprocessableEntity)
	if got := shownPanels(r.Body); len(got) != 1 || got[0] != "settings" {
		t.Errorf("a refused hostname shows the panels %v, want [settings]", got)
	}
	// Done: back to the tab it was sent from.
	r = c.Post(base+"/hostname", testkit.Form("hostname", "web-2", "tab", "settings"))
	testkit.MustStatus(t, "hostname", r, http.StatusSeeOther)
	if got := r.Location(); got != base+"?tab=settings" {
		t.Errorf("after the hostname the browser goes to %q", got)
	}
	// A refusal above the page (this panel has no hypervisor to reboot on)
	// keeps the tab the button was pressed on.
	r = c.Post(base+"/power/reboot", testkit.Form("tab", "network"))
	switch r.Status {
	case http.StatusSeeOther:
		if got := r.Location(); got != base+"?tab=network" {
			t.Errorf("after a reboot the browser goes to %q", got)
		}
	default:
		if got := shownPanels(r.Body); len(got) != 1 || got[0] != "network" {
			t.Errorf("a refused reboot (%d) shows the panels %v, want [network]", r.Status, got)
		}
	}

	// The poll answers the header, and the overview and network parts out of
	// band, never a panel: swapping them keeps the tab.
	live := c.Do("GET", base+"?live=true", nil, htmx())
	testkit.MustStatus(t, "poll", live, http.StatusOK)
	for _, want := range []string{`id="vm-live"`, `id="vm-overview" hx-swap-oob="true"`, `id="vm-network" hx-swap-oob="true"`} {
		if !strings.Contains(live.Body, want) {
			t.Errorf("the poll's answer lacks %s", want)
		}
	}
	if strings.Contains(live.Body, "data-tab-panel") {
		t.Error("the poll's answer redraws a tab's panel")
	}
}
