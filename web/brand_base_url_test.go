package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"abrak/testkit"
)

// A base URL set on the settings page is the one customers are given from
// the next request on, without a restart: a letter's link, the OpenAPI
// document's server and the API docs page's examples. Emptied, the panel's
// own address (ABRAK_BASE_URL) is back.
func TestLinksFollowTheBaseURLSetOnTheSettingsPage(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms))
	pp := newStaffPeople(t, a)
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

	setBase("")
	if got := server(); got != a.URL {
		t.Errorf("base URL emptied: openapi.json servers[0].url = %q, want ABRAK_BASE_URL %q", got, a.URL)
	}
}
