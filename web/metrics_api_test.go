package web_test

import (
	"abrak/testkit"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"abrak/services"
)

// metricsBody is GET /api/v1/vms/{uuid}/metrics's answer.
type metricsBody struct {
	Metrics struct {
		Type   string `json:"type"`
		Start  int64  `json:"start"`
		End    int64  `json:"end"`
		Step   int64  `json:"step"`
		Series []struct {
			Name   string       `json:"name"`
			Unit   string       `json:"unit"`
			Points [][2]float64 `json:"points"`
		} `json:"series"`
	} `json:"metrics"`
}

// keptSamples fills metric_samples for a VM as the sampler would have over 13
// months: day rows to the last whole day (CPU 40 %), hour rows to the last
// whole hour (30 %), 5-minute rows for the
// last 14 days to the last whole 5 minutes (20 %), 30-second rows for the
// last day (10 %), each receiving 1,000 bytes/s. The levels' CPU tells which
// one answered. It returns the rollups' ends (5 minutes, hour, day).
func keptSamples(t testing.TB, w *vmWorld, uuid string, now int64) (done5m, done1h, done1d int64) {
	t.Helper()
	ctx := context.Background()
	id := vmRow(t, w.a, uuid).ID
	done5m, done1h, done1d = now/300*300, now/3600*3600, now/86400*86400
	levels := []struct{ step, from, to, samples, cpu int64 }{
		{86400, time.Unix(now, 0).AddDate(0, -13, 0).Unix()/86400*86400 + 86400, done1d, 2880, 4000},
		{3600, time.Unix(now, 0).AddDate(0, -13, 0).Unix()/3600*3600 + 3600, done1h, 120, 3000},
		{300, (now-14*86400)/300*300 + 300, done5m, 10, 2000},
		{30, (now-86400)/30*30 + 30, now/30*30 + 30, 1, 1000},
	}
	for _, l := range levels {
		if _, err := w.a.DB.W.ExecContext(ctx, `WITH RECURSIVE s(at) AS (SELECT ?1 UNION ALL SELECT at + ?2 FROM s WHERE at + ?2 < ?3)
			INSERT INTO metric_samples (step, at, vm_id, samples, cpu, memory, disk_read, disk_write, disk_reads, disk_writes,
				net_in, net_out, net_in_packets, net_out_packets)
			SELECT ?2, at, ?4, ?5, ?6, 1073741824, 2048, 4096, 150, 250, 1000, 500, 1200, 800 FROM s`,
			l.from, l.step, l.to, id, l.samples, l.cpu); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.a.DB.W.ExecContext(ctx, `INSERT INTO metric_rollups (step, done_until) VALUES (300, ?), (3600, ?), (86400, ?)`,
		done5m, done1h, done1d); err != nil {
		t.Fatal(err)
	}
	return done5m, done1h, done1d
}

// A VM's metrics come as [unix, value] pairs in documented units, at most 500
// a series, from the resolution the range needs; the step is chosen from the
// range or rounded up to whole samples; bad parameters are a 422 naming each;
// another customer's VM is 404 and a token without vm:read 403.
func TestAPIVMMetricsChooseTheirResolutionAndRefuseBadParameters(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.web, "running")
	now := time.Now().Unix()
	done5m, done1h, done1d := keptSamples(t, w, w.web, now)
	doc, _ := servedDoc(t, w.a)
	op := doc["paths"].(map[string]any)["/api/v1/vms/{uuid}/metrics"].(map[string]any)["get"].(map[string]any)
	get := func(t *testing.T, query string, status int) metricsBody {
		t.Helper()
		r := w.a.APICall(t, http.MethodGet, "/api/v1/vms/"+w.web+"/metrics?"+query, w.ana.token, "")
		testkit.MustStatus(t, query, r, status)
		var raw any
		if err := json.Unmarshal([]byte(r.Body), &raw); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		media := docDeref(doc, docDeref(doc, op["responses"].(map[string]any)[strconv.Itoa(status)])["content"])["application/json"].(map[string]any)
		for _, problem := range conforms(doc, media["schema"], raw, "body") {
			t.Errorf("%s: %s", query, problem)
		}
		return testkit.Decode[metricsBody](t, r)
	}
	ago := func(d time.Duration) string { return strconv.FormatInt(now-int64(d/time.Second), 10) }
	end := strconv.FormatInt(now, 10)
	day := 24 * time.Hour

	for _, c := range []struct {
		name, query string
		step        int64
		// cpu is the CPU each point before the level's rollup end must have
		// (the tail after it comes from finer samples).
		cpu   float64
		until int64
	}{
		{"the last hour by default", "type=cpu", 30, 10, now + 1},
		{"a day, in 5 minutes", "type=cpu&start=" + ago(day) + "&end=" + end, 300, 20, done5m},
		{"a week, in half hours", "type=cpu&start=" + ago(7*day) + "&end=" + end, 1800, 20, done5m},
		{"30 days, in 2 hours", "type=cpu&start=" + ago(30*day) + "&end=" + end, 7200, 30, done1h},
		{"13 months, in days", "type=cpu&start=" + ago(395*day) + "&end=" + end, 86400, 40, done1d},
		{"a day by the hour, asked", "type=cpu&start=" + ago(day) + "&end=" + end + "&step=3600", 3600, 30, done1h},
		{"an hour in 45 s, raised to whole samples", "type=cpu&start=" + ago(time.Hour) + "&end=" + end + "&step=45", 60, 10, now + 1},
		{"30 s three days ago, where 5 minutes are kept", "type=cpu&start=" + ago(3*day) + "&end=" + ago(3*day-2*time.Hour) + "&step=30", 300, 20, done5m},
		{"RFC 3339 times", "type=cpu&start=" + time.Unix(now-7200, 0).UTC().Format(time.RFC3339) + "&end=" + time.Unix(now, 0).UTC().Format(time.RFC3339), 30, 10, now + 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := get(t, c.query, 200).Metrics
			if m.Type != "cpu" || m.Step != c.step || m.Start%c.step != 0 {
				t.Fatalf("type %q step %d start %d, want cpu, a step of %d and a start on it", m.Type, m.Step, m.Start, c.step)
			}
			if len(m.Series) != 1 || m.Series[0].Name != "cpu" || m.Series[0].Unit != "percent" {
				t.Fatalf("series %+v", m.Series)
			}
			pts := m.Series[0].Points
			if span := m.End - m.Start; len(pts) == 0 || len(pts) > services.MaxMetricPoints || int64(len(pts)) < span/m.Step-2 {
				t.Fatalf("%d points over %d s in steps of %d", len(pts), span, m.Step)
			}
			for i, p := range pts {
				at := int64(p[0])
				if at%m.Step != 0 || at < m.Start || at >= m.End || i > 0 && at <= int64(pts[i-1][0]) {
					t.Fatalf("point %d at %d: not a step of %d in [%d, %d) after the one before", i, at, m.Step, m.Start, m.End)
				}
				if at+m.Step <= c.until && p[1] != c.cpu {
					t.Fatalf("point %d at %d is %v %%, want %v %% (the resolution the range needs)", i, at, p[1], c.cpu)
				}
				if p[1] < 10 || p[1] > 40 {
					t.Fatalf("point %d at %d is %v %%", i, at, p[1])
				}
			}
		})
	}

	t.Run("disk and network in their units", func(t *testing.T) {
		q := "&start=" + ago(2*time.Hour) + "&end=" + ago(time.Hour) + "&step=300"
		names := func(m metricsBody) (out []string) {
			for _, s := range m.Metrics.Series {
				out = append(out, s.Name+" "+s.Unit+" "+strconv.FormatFloat(s.Points[0][1], 'f', -1, 64))
			}
			return out
		}
		if got, want := names(get(t, "type=disk"+q, 200)), []string{"read bytes/s 2048", "write bytes/s 4096", "read_iops ops/s 1.5", "write_iops ops/s 2.5"}; !slices.Equal(got, want) {
			t.Errorf("disk: %v, want %v", got, want)
		}
		if got, want := names(get(t, "type=network"+q, 200)), []string{"in bits/s 8000", "out bits/s 4000", "in_packets packets/s 12", "out_packets packets/s 8"}; !slices.Equal(got, want) {
			t.Errorf("network: %v, want %v", got, want)
		}
		if got, want := names(get(t, "type=memory"+q, 200)), []string{"used bytes 1073741824"}; !slices.Equal(got, want) {
			t.Errorf("memory: %v, want %v", got, want)
		}
	})

	t.Run("a VM without samples has empty series", func(t *testing.T) {
		r := w.a.APICall(t, http.MethodGet, "/api/v1/vms/"+w.db+"/metrics?type=network", w.ana.token, "")
		testkit.MustStatus(t, "a new VM's metrics", r, 200)
		m := testkit.Decode[metricsBody](t, r)
		if len(m.Metrics.Series) != 4 || len(m.Metrics.Series[0].Points) != 0 {
			t.Errorf("a VM without samples: %+v", m.Metrics)
		}
		if !strings.Contains(r.Body, `"points":[]`) {
			t.Errorf("empty points are not an empty array: %s", testkit.Trim(r.Body))
		}
	})

	for _, c := range []struct{ query, field string }{
		{"", "type"},
		{"type=gpu", "type"},
		{"type=cpu&start=yesterday", "start"},
		{"type=cpu&end=2025-13-40T00:00:00Z", "end"},
		{"type=cpu&start=" + end + "&end=" + ago(time.Hour), "start"},
		{"type=cpu&start=" + ago(401*day) + "&end=" + end, "start"},
		{"type=cpu&step=10", "step"},
		{"type=cpu&step=half", "step"},
		{"type=cpu&start=" + ago(day) + "&end=" + end + "&step=30", "step"},
	} {
		t.Run("422 "+c.query, func(t *testing.T) {
			r := w.a.APICall(t, http.MethodGet, "/api/v1/vms/"+w.web+"/metrics?"+c.query, w.ana.token, "")
			testkit.MustStatus(t, c.query, r, 422)
			if e := testkit.APIErrorOf(t, r); e.Error.Fields[c.field] == "" || len(e.Error.Fields) != 1 {
				t.Errorf("fields %v, want %q alone", e.Error.Fields, c.field)
			}
			get(t, c.query, 422)
		})
	}

	readless, _ := w.a.MintToken(t, w.ana.email, services.ScopeVMCreate)
	for _, c := range []struct {
		name, token string
		status      int
	}{
		{"another customer's VM", w.bob.token, 404},
		{"a token without vm:read", readless, 403},
		{"no token", "", 401},
	} {
		r := w.a.APICall(t, http.MethodGet, "/api/v1/vms/"+w.web+"/metrics?type=cpu", c.token, "")
		if r.Status != c.status || strings.Contains(r.Body, `"points"`) {
			t.Errorf("%s: status %d, want %d without points\n%s", c.name, r.Status, c.status, testkit.Trim(r.Body))
		}
	}
}
