package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"abrak/app"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
)

// withLoopbackWebhooks is the operator's ABRAK_WEBHOOKS_ALLOW_LOOPBACK: the
// tests' receivers listen on 127.0.0.1.
func withLoopbackWebhooks(c *app.Config) { c.Webhooks.AllowLoopback = true }

// loopbackReceiver answers 200 to every delivery whose signature verifies
// with the secret set once it is known, 400 to any other, and counts them.
type loopbackReceiver struct {
	srv      *httptest.Server
	secret   atomic.Value
	ok, fail atomic.Int32
}

func newLoopbackReceiver(t *testing.T) *loopbackReceiver {
	r := &loopbackReceiver{}
	r.secret.Store("")
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		sig := services.Sign(r.secret.Load().(string), req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), body)
		if sig != req.Header.Get("webhook-signature") {
			r.fail.Add(1)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.ok.Add(1)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

type webhookBody struct {
	Webhook struct {
		ID      int64    `json:"id"`
		URL     string   `json:"url"`
		Events  []string `json:"events"`
		Enabled bool     `json:"enabled"`
		Secret  string   `json:"secret"`
	} `json:"webhook"`
}

// The webhooks' API for every role of a team: owners and admins register,
// change, test, send again and delete; members and viewers read (never a
// secret) and are refused the rest; another team's webhook is not found; a
// URL on a private network is a 422 naming url; the test event reaches the
// receiver signed and is listed with its status code.
func TestWebhooksAPIForEveryRole(t *testing.T) {
	a := testkit.NewApp(t, testkit.WithAPIRateLimit(100000, 100000), withLoopbackWebhooks)
	ctx := context.Background()
	boss := a.CreateUser(t, "boss@example.com", testkit.Password)
	acme, err := a.DB.CreateTeam(ctx, boss.ID, "Acme", "en")
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.DB.CreateTeam(ctx, boss.ID, "Other", "en")
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, role := range []string{store.RoleAdmin, store.RoleMember, store.RoleViewer} {
		u := a.CreateUser(t, role+"@example.com", testkit.Password)
		if err := a.DB.AddMember(ctx, acme.ID, u.ID, role); err != nil {
			t.Fatal(err)
		}
		secret, _, err := a.Tokens.Create(ctx, services.Principal{UserID: acme.ID, PersonID: u.ID, Role: role}, role, services.ScopesForRole(services.AllScopes, role), 0)
		if err != nil {
			t.Fatal(err)
		}
		tokens[role] = secret
	}
	mint := func(team int64) string {
		secret, _, err := a.Tokens.Create(ctx, services.Principal{UserID: team, PersonID: boss.ID, Role: store.RoleOwner}, "owner", services.AllScopes, 0)
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	owner, stranger := mint(acme.ID), mint(other.ID)

	rcv := newLoopbackReceiver(t)
	create := `{"url":"` + rcv.srv.URL + `/hook","events":["vm.status_changed","alert.fired"]}`
	r := a.APICall(t, http.MethodPost, "/api/v1/webhooks", owner, create)
	testkit.MustStatus(t, "create", r, http.StatusCreated)
	made := testkit.Decode[webhookBody](t, r).Webhook
	if !strings.HasPrefix(made.Secret, "whsec_") || !made.Enabled || len(made.Events) != 2 {
		t.Fatalf("created %+v", made)
	}
	rcv.secret.Store(made.Secret)
	hook := "/api/v1/webhooks/" + strconv.FormatInt(made.ID, 10)

	forbidden := []string{`"role_forbidden"`}
	testkit.RunAPIScenarios(t, a, []testkit.APIScenario{
		{Name: "viewer lists, without the secret", URL: "/api/v1/webhooks", Token: tokens[store.RoleViewer],
			ExpectedStatus: 200, ExpectedContent: []string{rcv.srv.URL + "/hook", `"vm.status_changed"`}, NotExpectedContent: []string{"whsec_"}},
		{Name: "member reads one", URL: hook, Token: tokens[store.RoleMember], ExpectedStatus: 200, NotExpectedContent: []string{"whsec_"}},
		{Name: "viewer may not register", Method: "POST", URL: "/api/v1/webhooks", Token: tokens[store.RoleViewer], Body: create,
			ExpectedStatus: 403},
		{Name: "member may not register", Method: "POST", URL: "/api/v1/webhooks", Token: tokens[store.RoleMember], Body: create,
			ExpectedStatus: 403, ExpectedContent: forbidden},
		{Name: "member may not change", Method: "PATCH", URL: hook, Token: tokens[store.RoleMember], Body: `{"enabled":false}`,
			ExpectedStatus: 403, ExpectedContent: forbidden},
		{Name: "viewer may not test", Method: "POST", URL: hook + "/test", Token: tokens[store.RoleViewer], ExpectedStatus: 403},
		{Name: "member may not delete", Method: "DELETE", URL: hook, Token: tokens[store.RoleMember], ExpectedStatus: 403},
		{Name: "a private address is refused", Method: "POST", URL: "/api/v1/webhooks", Token: tokens[store.RoleAdmin],
			Body: `{"url":"http://10.0.0.7/hook","events":["vm.created"]}`, ExpectedStatus: 422, ExpectedFields: []string{"url"}},
		{Name: "the metadata address is refused", Method: "POST", URL: "/api/v1/webhooks", Token: tokens[store.RoleAdmin],
			Body: `{"url":"http://169.254.169.254/latest","events":["vm.created"]}`, ExpectedStatus: 422, ExpectedFields: []string{"url"}},
		{Name: "no event is refused", Method: "POST", URL: "/api/v1/webhooks", Token: tokens[store.RoleAdmin],
			Body: `{"url":"` + rcv.srv.URL + `","events":[]}`, ExpectedStatus: 422, ExpectedFields: []string{"events"}},
		{Name: "an unknown event is refused", Method: "POST", URL: "/api/v1/webhooks", Token: tokens[store.RoleAdmin],
			Body: `{"url":"` + rcv.srv.URL + `","events":["vm.exploded"]}`, ExpectedStatus: 422, ExpectedFields: []string{"events"}},
		{Name: "admin turns it off", Method: "PATCH", URL: hook, Token: tokens[store.RoleAdmin], Body: `{"enabled":false}`,
			ExpectedStatus: 200, ExpectedContent: []string{`"enabled":false`}, NotExpectedContent: []string{"whsec_"}},
		{Name: "and on", Method: "PATCH", URL: hook, Token: tokens[store.RoleAdmin], Body: `{"enabled":true,"events":["vm.created","alert.fired"]}`,
			ExpectedStatus: 200, ExpectedContent: []string{`"enabled":true`, `"vm.created"`}},
		{Name: "another team: not found", URL: hook, Token: stranger, ExpectedStatus: 404},
		{Name: "another team: no deliveries", URL: hook + "/deliveries", Token: stranger, ExpectedStatus: 404},
		{Name: "another team: no test", Method: "POST", URL: hook + "/test", Token: stranger, ExpectedStatus: 404},
		{Name: "another team: no change", Method: "PATCH", URL: hook, Token: stranger, Body: `{"enabled":false}`, ExpectedStatus: 404},
		{Name: "another team: no delete", Method: "DELETE", URL: hook, Token: stranger, ExpectedStatus: 404},
		{Name: "another team lists none", URL: "/api/v1/webhooks", Token: stranger, ExpectedStatus: 200, NotExpectedContent: []string{rcv.srv.URL}},
		{Name: "admin sends a test event", Method: "POST", URL: hook + "/test", Token: tokens[store.RoleAdmin], ExpectedStatus: 202,
			After: func(t *testing.T, _ testkit.Response) { a.Webhooks.DeliverDue(ctx) }},
		{Name: "the viewer sees it delivered", URL: hook + "/deliveries", Token: tokens[store.RoleViewer], ExpectedStatus: 200,
			ExpectedContent: []string{`"type":"ping"`, `"status":"delivered"`, `"status_code":200`, `"attempts":1`}},
	})
	if rcv.ok.Load() != 1 || rcv.fail.Load() != 0 {
		t.Fatalf("the receiver verified %d and refused %d deliveries, want the ping once", rcv.ok.Load(), rcv.fail.Load())
	}
	list := a.APICall(t, http.MethodGet, hook+"/deliveries", owner, "")
	deliveries := testkit.Decode[struct {
		Deliveries []struct{ ID int64 } `json:"deliveries"`
	}](t, list).Deliveries
	testkit.RunAPIScenarios(t, a, []testkit.APIScenario{
		{Name: "member may not send again", Method: "POST", URL: hook + "/deliveries/" + strconv.FormatInt(deliveries[0].ID, 10) + "/redeliver",
			Token: tokens[store.RoleMember], ExpectedStatus: 403},
		{Name: "owner sends again", Method: "POST", URL: hook + "/deliveries/" + strconv.FormatInt(deliveries[0].ID, 10) + "/redeliver",
			Token: owner, ExpectedStatus: 202, After: func(t *testing.T, _ testkit.Response) { a.Webhooks.DeliverDue(ctx) }},
		{Name: "another team may not send again", Method: "POST", URL: hook + "/deliveries/" + strconv.FormatInt(deliveries[0].ID, 10) + "/redeliver",
			Token: stranger, ExpectedStatus: 404},
		{Name: "admin deletes", Method: "DELETE", URL: hook, Token: tokens[store.RoleAdmin], ExpectedStatus: 204},
		{Name: "gone", URL: hook, Token: owner, ExpectedStatus: 404},
	})
	if rcv.ok.Load() != 2 {
		t.Fatalf("sent again, the receiver verified %d deliveries, want 2", rcv.ok.Load())
	}
}

// Through the pages: a team's viewer and member see the team's webhooks
// without the forms that change them, and a change they post anyway is
// refused; the owner's page has them.
func TestWebhooksPageHoldsEachRole(t *testing.T) {
	a := testkit.NewApp(t, withLoopbackWebhooks)
	owner := a.Client(t)
	owner.SignUp("ana@example.com", "Ana", testkit.Password)
	if r := owner.Post("/team", testkit.Form("name", "Acme")); r.Status != http.StatusSeeOther {
		t.Fatalf("making a team: %d", r.Status)
	}
	var team int64
	if err := a.DB.R.QueryRow(`SELECT id FROM users WHERE kind = 'team' AND name = 'Acme'`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	rcv := newLoopbackReceiver(t)
	if r := owner.Post("/webhooks", testkit.Form("url", rcv.srv.URL, "events", "vm.created")); r.Status != http.StatusOK ||
		!strings.Contains(r.Body, `data-testid="webhook-secret"`) {
		t.Fatalf("the owner adding a webhook: %d", r.Status)
	}
	before := a.Count(t, `SELECT count(*) FROM webhook_endpoints`)
	for _, role := range []string{store.RoleMember, store.RoleViewer} {
		email := role + "@example.com"
		c := a.Client(t)
		c.SignUp(email, role, testkit.Password)
		if err := a.DB.AddMember(context.Background(), team, a.User(t, email).ID, role); err != nil {
			t.Fatal(err)
		}
		if r := c.Post("/team/switch", testkit.Form("team", strconv.FormatInt(team, 10))); r.Status != http.StatusSeeOther {
			t.Fatalf("%s switching into the team: %d", role, r.Status)
		}
		page := c.Get("/webhooks")
		if page.Status != http.StatusOK || !strings.Contains(page.Body, rcv.srv.URL) {
			t.Fatalf("%s does not see the team's webhook (%d)", role, page.Status)
		}
		for _, form := range []string{`id="new-webhook-form"`, `data-testid="send-test"`, "/delete"} {
			if strings.Contains(page.Body, form) {
				t.Errorf("%s's page offers %s", role, form)
			}
		}
		if r := c.Post("/webhooks", testkit.Form("url", rcv.srv.URL, "events", "vm.created")); r.Status != http.StatusForbidden {
			t.Errorf("%s adding a webhook: %d, want 403", role, r.Status)
		}
		if r := c.Post("/webhooks/1/delete", nil); r.Status != http.StatusForbidden {
			t.Errorf("%s deleting the webhook: %d, want 403", role, r.Status)
		}
	}
	if a.Count(t, `SELECT count(*) FROM webhook_endpoints`) != before {
		t.Error("a refused change changed the webhooks")
	}
	if page := owner.Get("/webhooks"); !strings.Contains(page.Body, `id="new-webhook-form"`) || strings.Contains(page.Body, "whsec_") {
		t.Error("the owner's page lacks the form, or shows the secret again")
	}
}
