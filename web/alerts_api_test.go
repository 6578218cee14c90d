package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/app"
	"abrak/testkit"
	"abrak/vmstatus"
)

type alertBody struct {
	Alert struct {
		ID        int64  `json:"id"`
		VMUUID    string `json:"vm_uuid"`
		Kind      string `json:"kind"`
		Threshold int    `json:"threshold"`
		Minutes   int    `json:"minutes"`
		Firing    bool   `json:"firing"`
	} `json:"alert"`
}

type alertList struct {
	Alerts []struct {
		ID      int64   `json:"id"`
		Kind    string  `json:"kind"`
		Firing  bool    `json:"firing"`
		FiredAt *string `json:"fired_at"`
	} `json:"alerts"`
}

// A customer sets alerts on their VMs through the API; an alert fires once
// when its condition holds (one letter, in the customer's language), stays
// quiet while it goes on holding, and resolves once (one more letter) when it
// no longer does. Bad fields are a 422 naming each, another customer's VM a
// 404; an alert is listed, by VM too, and deleted.
func TestAlertsFireAndResolveOnceAnEpisode(t *testing.T) {
	ms := testkit.NewMailServer(t)
	clock := testkit.NewClock(time.Now())
	// newVMWorld's, with letters: the customers confirm their addresses before ordering.
	a := testkit.NewApp(t, testkit.WithAPIRateLimit(100_000, 100_000), withMailByHand(ms, clock), func(c *app.Config) { c.VM.Now = clock.Now })
	seedCatalog(t, a)
	w := &vmWorld{a: a,
		ana: newVMCustomer(t, a, "ana@example.com", startBalanceRials),
		bob: newVMCustomer(t, a, "bob@example.com", startBalanceRials)}
	if _, err := a.DB.W.Exec(`UPDATE users SET email_verified_at = unixepoch()`); err != nil {
		t.Fatal(err)
	}
	w.web = orderVM(t, a, w.ana, "web-1", "Web Server")
	w.db = orderVM(t, a, w.ana, "db-1", "db-1")
	w.bobs = orderVM(t, a, w.bob, "bob-1", "Bob's")
	settle(t, w.a, w.web, vmstatus.Running)
	settle(t, w.a, w.db, vmstatus.Running)
	ctx := context.Background()
	post := func(body string, status int) alertBody {
		t.Helper()
		r := w.a.APICall(t, http.MethodPost, "/api/v1/alerts", w.ana.token, body)
		testkit.MustStatus(t, body, r, status)
		if status != http.StatusCreated {
			return alertBody{}
		}
		return testkit.Decode[alertBody](t, r)
	}
	for body, field := range map[string]string{
		`{"vm_uuid":"` + w.web + `","kind":"swap","threshold":90}`:           "kind",
		`{"vm_uuid":"` + w.web + `","kind":"cpu","threshold":0,"minutes":5}`: "threshold",
		`{"vm_uuid":"` + w.web + `","kind":"cpu","threshold":50}`:            "minutes",
		`{"vm_uuid":"` + w.web + `","kind":"memory","threshold":100}`:        "threshold",
		`{"vm_uuid":"` + w.web + `","kind":"traffic"}`:                       "threshold",
	} {
		r := w.a.APICall(t, http.MethodPost, "/api/v1/alerts", w.ana.token, body)
		testkit.MustStatus(t, body, r, http.StatusUnprocessableEntity)
		if e := testkit.APIErrorOf(t, r); e.Error.Fields[field] == "" {
			t.Errorf("%s: the 422 does not name %s: %+v", body, field, e.Error)
		}
	}
	post(`{"vm_uuid":"`+w.bobs+`","kind":"stopped"}`, http.StatusNotFound)

	cpu := post(`{"vm_uuid":"`+w.web+`","kind":"cpu","threshold":50,"minutes":2}`, http.StatusCreated).Alert
	if cpu.Kind != "cpu" || cpu.Threshold != 50 || cpu.Minutes != 2 || cpu.VMUUID != w.web || cpu.Firing {
		t.Fatalf("created %+v", cpu)
	}
	stopped := post(`{"vm_uuid":"`+w.db+`","kind":"stopped"}`, http.StatusCreated).Alert

	letters := func() []string {
		t.Helper()
		ms, err := w.a.DB.MailTo(ctx, w.ana.email)
		if err != nil {
			t.Fatal(err)
		}
		var subjects []string
		for _, m := range ms {
			if strings.HasPrefix(m.Kind, "alert_") {
				subjects = append(subjects, m.Kind+": "+m.Subject)
			}
		}
		return subjects
	}
	check := func(what string, want ...string) {
		t.Helper()
		w.a.Workers.CheckAlerts(ctx, clock.Now())
		w.a.Workers.CheckAlerts(ctx, clock.Now()) // a second pass sends nothing more
		got := letters()
		if len(got) != len(want) {
			t.Fatalf("%s: letters %q, want %d", what, got, len(want))
		}
		for i := range want {
			if !strings.HasPrefix(got[i], want[i]+": ") {
				t.Fatalf("%s: letter %d is %q, want a %s", what, i, got[i], want[i])
			}
		}
	}

	// Two minutes at 60 %: the CPU alert fires.
	now := clock.Now().Unix()
	sampleAt(t, w.a, w.web, now-60, 6000, 1<<29)
	check("one busy minute")
	sampleAt(t, w.a, w.web, now-90, 6000, 1<<29)
	sampleAt(t, w.a, w.web, now-30, 6000, 1<<29)
	sampleAt(t, w.a, w.web, now, 6000, 1<<29)
	check("two busy minutes", "alert_cpu_fired")
	if got := letters()[0]; !strings.Contains(got, "۵۰") {
		t.Errorf("the letter is not in the customer's language (Persian digits): %q", got)
	}
	clock.Add(30 * time.Second)
	sampleAt(t, w.a, w.web, clock.Now().Unix(), 6500, 1<<29)
	check("still busy", "alert_cpu_fired")
	clock.Add(30 * time.Second)
	sampleAt(t, w.a, w.web, clock.Now().Unix(), 1000, 1<<29)
	check("calm again", "alert_cpu_fired", "alert_cpu_resolved")

	// The VM crashes: the stopped alert fires; started again, it resolves.
	settle(t, w.a, w.db, vmstatus.Crashed)
	check("crashed", "alert_cpu_fired", "alert_cpu_resolved", "alert_stopped_fired")
	r := w.a.APICall(t, http.MethodGet, "/api/v1/alerts?vm_uuid="+w.db, w.ana.token, "")
	testkit.MustStatus(t, "list db-1's", r, http.StatusOK)
	if l := testkit.Decode[alertList](t, r).Alerts; len(l) != 1 || l[0].ID != stopped.ID || !l[0].Firing || l[0].FiredAt == nil {
		t.Fatalf("db-1's alerts %+v, want the stopped alert, firing", l)
	}
	settle(t, w.a, w.db, vmstatus.Running)
	check("running again", "alert_cpu_fired", "alert_cpu_resolved", "alert_stopped_fired", "alert_stopped_resolved")

	r = w.a.APICall(t, http.MethodGet, "/api/v1/alerts", w.ana.token, "")
	if l := testkit.Decode[alertList](t, r).Alerts; len(l) != 2 || l[0].Firing || l[1].Firing {
		t.Fatalf("ana's alerts %+v, want two, neither firing", l)
	}
	if r := w.a.APICall(t, http.MethodGet, "/api/v1/alerts", w.bob.token, ""); strings.Contains(r.Body, w.web) {
		t.Fatalf("bob sees ana's alerts: %s", r.Body)
	}
	path := "/api/v1/alerts/" + strconv.FormatInt(cpu.ID, 10)
	testkit.MustStatus(t, "bob deletes ana's", w.a.APICall(t, http.MethodDelete, path, w.bob.token, ""), http.StatusNotFound)
	testkit.MustStatus(t, "delete", w.a.APICall(t, http.MethodDelete, path, w.ana.token, ""), http.StatusNoContent)
	testkit.MustStatus(t, "delete again", w.a.APICall(t, http.MethodDelete, path, w.ana.token, ""), http.StatusNotFound)
}
