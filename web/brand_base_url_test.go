package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"abrak/app"
	"abrak/hypervisor"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/vmstatus"
)

// unansweredVNC locates every VM's console at an address nothing answers:
// for tests of the console's page and tickets, not of its stream.
func unansweredVNC(c *app.Config) {
	c.Console.Locate = func(context.Context, store.VM) (hypervisor.VNCAddr, error) {
		return hypervisor.VNCAddr{Host: "127.0.0.1", Port: 1}, nil
	}
}

// consoleReadyVM is a customer's VM marked running on a node, so that a
// console ticket is issued for it.
func consoleReadyVM(t *testing.T, a *testkit.App, email, ip string) (vmCustomer, string) {
	t.Helper()
	ctx := context.Background()
	if a.Count(t, `SELECT count(*) FROM plans`) == 0 {
		seedCatalog(t, a)
	}
	c := newVMCustomer(t, a, email, startBalanceRials)
	// With a mail server an address is confirmed before it orders; not this subject.
	if _, err := a.DB.W.Exec(`UPDATE users SET email_verified_at = coalesce(email_verified_at, unixepoch()) WHERE id = ?`, c.id); err != nil {
		t.Fatal(err)
	}
	uuid := orderVM(t, a, c, "web-"+strings.Split(email, "@")[0], "web")
	node, err := a.DB.UpsertNode(ctx, store.Node{Name: "n-" + strings.Split(email, "@")[0], Region: "thr-1", URI: "test:///default", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DB.SetVMNode(ctx, vmRow(t, a, uuid).ID, node.ID); err != nil {
		t.Fatal(err)
	}
	settle(t, a, uuid, vmstatus.Running)
	return c, uuid
}

// A base URL set on the settings page is the one customers are given from
// the next request on, without a restart: a letter's link, the OpenAPI
// document's server, the API docs page's examples, the token page's example
// and a console ticket's URL. Emptied, the panel's own address
// (ABRAK_BASE_URL) is back.
func TestLinksFollowTheBaseURLSetOnTheSettingsPage(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms), unansweredVNC)
	pp := newStaffPeople(t, a)
	ana, uuid := consoleReadyVM(t, a, "console-base@example.com", "203.0.113.97")
	const branded = "https://cloud.example.net"

	setBase := func(v string) {
		t.Helper()
		testkit.WantRedirect(t, "the admin sets the base URL to "+v,
			pp.admin.Post("/admin/settings/brand", testkit.Form("base_url", v, "powered_by", "1")), "/admin/settings")
	}
	server := func() string {
		t.Helper()
		r := a.Client(t).Get("/api/v1/openapi.json")
		var doc struct {
			Servers []struct{ URL string } `json:"servers"`
		}
		if err := json.Unmarshal([]byte(r.Body), &doc); err != nil || len(doc.Servers) != 1 {
			t.Fatalf("openapi.json servers: %v %+v", err, doc.Servers)
		}
		return doc.Servers[0].URL
	}

	setBase(branded + "/")
	a.Client(t).SignUp("base-url@example.com", "Nika", testkit.Password)
	m := ms.AwaitNth(t, "base-url@example.com", 1)
	if !strings.Contains(m.Text, branded+"/verify") || strings.Contains(m.Text, a.URL) {
		t.Errorf("the verification letter's link does not use the brand's base URL:\n%s", m.Text)
	}
	if got := server(); got != branded {
		t.Errorf("openapi.json servers[0].url = %q, want %q", got, branded)
	}
	docs := a.Client(t).Get("/docs/api?lang=en")
	testkit.MustStatus(t, "the API docs page", docs, http.StatusOK)
	if !strings.Contains(docs.Body, branded+"/api/v1/") || strings.Contains(docs.Body, a.URL+"/api/v1/") {
		t.Error("the API docs page's examples do not use the brand's base URL")
	}
	tokens := pp.customer.Post("/tokens", testkit.Form("name", "ci", "scopes", services.ScopeAccount, "expires", "30"))
	testkit.MustStatus(t, "a token made on the tokens page", tokens, http.StatusOK)
	if !strings.Contains(tokens.Body, branded+"/api/v1/account") {
		t.Error("the token page's example does not use the brand's base URL")
	}
	r := a.APICall(t, http.MethodPost, "/api/v1/vms/"+uuid+"/console", ana.token, "")
	testkit.MustStatus(t, "a console ticket", r, http.StatusOK)
	var ticket struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal([]byte(r.Body), &ticket); err != nil || !strings.HasPrefix(ticket.URL, branded+"/console/") {
		t.Errorf("the console ticket's url = %q (%v), want it under %s", ticket.URL, err, branded)
	}

	setBase("")
	if got := server(); got != a.URL {
		t.Errorf("base URL emptied: openapi.json servers[0].url = %q, want ABRAK_BASE_URL %q", got, a.URL)
	}
}
