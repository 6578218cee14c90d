package web_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"abrak/app"
	"abrak/testkit"
)

// graphsAnswer is GET /vms/{uuid}/graphs's answer, as graphs.js reads it.
type graphsAnswer struct {
	Range  string                `json:"range"`
	Step   int64                 `json:"step"`
	X      []int64               `json:"x"`
	Empty  bool                  `json:"empty"`
	Series map[string][]*float64 `json:"series"`
}

// The Graphs tab's data for the session: every series on one grid per
// range, gaps as nulls; the same answer asked again with its tag is a 304,
// a new sample makes it a 200 again; another customer's VM is a 404.
func TestGraphsDataAnswersWithTagsAndRanges(t *testing.T) {
	clock := testkit.NewClock(time.Now())
	w := newVMWorld(t, func(c *app.Config) { c.VM.Now = clock.Now }) // no slot begins between two asks
	settle(t, w.a, w.web, "running")
	now := clock.Now().Unix()
	keptSamples(t, w, w.web, now)
	c := w.a.Client(t)
	c.SignIn(w.ana.email, testkit.Password)
	get := func(path, etag string) testkit.Response {
		t.Helper()
		h := testkit.Header("Accept", "application/json")
		if etag != "" {
			h.Set("If-None-Match", etag)
		}
		return c.Do(http.MethodGet, path, nil, h)
	}
	steps := map[string]int64{"1h": 30, "24h": 300, "7d": 1800, "30d": 7200, "13mo": 86400}
	for rng, step := range steps {
		r := get("/vms/"+w.web+"/graphs?range="+rng, "")
		testkit.MustStatus(t, rng, r, http.StatusOK)
		var g graphsAnswer
		if err := json.Unmarshal([]byte(r.Body), &g); err != nil {
			t.Fatal(err)
		}
		if g.Range != rng || g.Step != step || g.Empty || len(g.X) == 0 || len(g.X) > 501 {
			t.Fatalf("%s: range %q step %d empty %v, %d slots", rng, g.Range, g.Step, g.Empty, len(g.X))
		}
		for _, key := range []string{"cpu.cpu", "memory.used", "disk.read", "disk.write", "disk.read_iops", "disk.write_iops", "network.in", "network.out"} {
			if len(g.Series[key]) != len(g.X) {
				t.Fatalf("%s: %s has %d values for %d slots", rng, key, len(g.Series[key]), len(g.X))
			}
		}
		if v := g.Series["cpu.cpu"][len(g.X)-2]; v == nil || *v < 10 || *v > 40 {
			t.Fatalf("%s: the CPU before the last slot is %v", rng, v)
		}
	}
	path := "/vms/" + w.web + "/graphs?range=1h"
	first := get(path, "")
	tag := first.Header.Get("ETag")
	if tag == "" {
		t.Fatal("no ETag")
	}
	testkit.MustStatus(t, "asked again with its tag", get(path, tag), http.StatusNotModified)
	// The sampler writes the slot again (a later pass): the answer changes.
	if _, err := w.a.DB.W.Exec(`UPDATE metric_samples SET cpu = 9900 WHERE step = 30 AND at = ?`, now/30*30); err != nil {
		t.Fatal(err)
	}
	testkit.MustStatus(t, "asked with its tag after a new sample", get(path, tag), http.StatusOK)
	testkit.MustStatus(t, "bob's VM", get("/vms/"+w.bobs+"/graphs", ""), http.StatusNotFound)
	r := get("/vms/"+w.db+"/graphs?range=24h", "")
	testkit.MustStatus(t, "a VM without samples", r, http.StatusOK)
	var g graphsAnswer
	_ = json.Unmarshal([]byte(r.Body), &g)
	if !g.Empty {
		t.Fatalf("a VM without samples is not empty: %s", testkit.Trim(r.Body))
	}
}
