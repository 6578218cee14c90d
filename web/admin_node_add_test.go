package web_test

import (
	"net/http"
	"strings"
	"testing"

	"abrak/hypervisor/localvirt"
	"abrak/testkit"
	"abrak/views/i18n"
)

// An admin adds a node from the Nodes page, the same service as `abrak admin
// add-node`: a malformed URI, and one where no libvirt answers, are the form
// again with the message beside the URI and nothing stored; a node that
// answers is recorded with its capacity and accelerator, and audited.
// Support reads the page but gets no form, and is refused (403) the post.
// The list is searched by name or region and paged; the overview counts
// the nodes in maintenance.
func TestAnAdminAddsANodeFromTheNodesPage(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	pp := newStaffPeople(t, a)
	d := localvirt.Start(t)
	nodes := func() int { return a.Count(t, `SELECT count(*) FROM nodes`) }
	form := func(name, uri string) map[string][]string {
		return testkit.Form("name", name, "region", "thr-1", "uri", uri, "vcpus", "۱۶", "memory_mb", "32768", "disk_gb", "500", "virt_type", "qemu")
	}

	if r := pp.support.Get("/admin/nodes?lang=en"); strings.Contains(r.Body, `data-testid="node-add-form"`) {
		t.Error("support is offered the form that adds a node")
	}
	testkit.MustStatus(t, "support adds a node", pp.support.Post("/admin/nodes", form("n-1", "test+unix:///default?socket="+d.Socket)), http.StatusForbidden)

	for _, c := range []struct{ uri, key string }{
		{"node-1.example", "admin.nodes.uri_invalid"},
		{"qemu+tcp://127.0.0.1:1/system", "admin.nodes.uri_unreachable"},
	} {
		r := pp.admin.Post("/admin/nodes?lang=en", form("n-1", c.uri))
		testkit.MustStatus(t, c.uri, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.Body, `data-field-error="uri"`) || !testkit.Contains(r.Body, i18n.T(i18n.EN, c.key)) {
			t.Errorf("%s: the form does not say %q beside the URI", c.uri, i18n.T(i18n.EN, c.key))
		}
		if !strings.Contains(r.Body, `value="`+c.uri+`"`) {
			t.Errorf("%s: the refused form lost what was typed", c.uri)
		}
	}
	if r := pp.admin.Post("/admin/nodes?lang=en", form("", "x")); !strings.Contains(r.Body, `data-field-error="name"`) {
		t.Error("a node without a name is not refused beside the name")
	}
	if n := nodes(); n != 0 {
		t.Fatalf("%d nodes stored by refused forms", n)
	}

	testkit.WantRedirect(t, "add", pp.admin.Post("/admin/nodes", form("thr-1-a", "test+unix:///default?socket="+d.Socket)), "/admin/nodes?q=thr-1-a")
	n, err := a.DB.NodeByName(t.Context(), "thr-1-a")
	if err != nil || n.Region != "thr-1" || n.VCPUs != 16 || n.MemoryMB != 32768 || n.DiskGB != 500 || n.VirtType != "qemu" || !n.Enabled {
		t.Fatalf("the node as stored: %+v %v", n, err)
	}
	if c := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.node_add' AND target_id = ? AND user_id = ?`, itoa(n.ID), a.User(t, "ops@example.com").ID); c != 1 {
		t.Errorf("%d audit rows of the addition, want 1", c)
	}
	r := pp.admin.Post("/admin/nodes?lang=en", form("thr-1-a", "test+unix:///default?socket="+d.Socket))
	testkit.MustStatus(t, "a name taken", r, http.StatusUnprocessableEntity)
	if !testkit.Contains(r.Body, i18n.T(i18n.EN, "admin.nodes.name_taken")) {
		t.Error("a name taken is not said")
	}

	// Search and pages.
	for _, name := range []string{"ams-1", "ams-2"} {
		maintNode(t, a, name, "none")
	}
	r = pp.support.Get("/admin/nodes?lang=en&q=thr-1-a")
	if !strings.Contains(r.Body, `data-testid="node-thr-1-a"`) || strings.Contains(r.Body, `data-testid="node-ams-1"`) {
		t.Error("the search by name does not narrow the list to thr-1-a")
	}
	r = pp.support.Get("/admin/nodes?lang=en&limit=1")
	if strings.Count(r.Body, `<tr data-testid="node-`) != 1 || !strings.Contains(r.Body, `rel="next"`) {
		t.Error("a page of one of three nodes is not one row with a next page")
	}

	// The overview counts and marks the nodes in maintenance.
	if _, err := a.DB.W.Exec(`UPDATE nodes SET maintenance = 1 WHERE name = 'ams-1'`); err != nil {
		t.Fatal(err)
	}
	r = pp.support.Get("/admin?lang=en")
	if !strings.Contains(r.Body, `data-testid="value-nodes-maintenance">1<`) {
		t.Errorf("the overview does not count one node in maintenance")
	}
}
