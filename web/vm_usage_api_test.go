package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"abrak/testkit"
)

// usageBody is resource_usage in GET /api/v1/vms/{uuid}'s answer.
type usageBody struct {
	VM struct {
		ResourceUsage *struct {
			CPUPercent    *float64 `json:"cpu_percent"`
			MemoryPercent *float64 `json:"memory_percent"`
			DiskPercent   *float64 `json:"disk_percent"`
			BandwidthUsed int64    `json:"bandwidth_used"`
		} `json:"resource_usage"`
	} `json:"vm"`
}

// sampleAt writes one 30-second sample of a VM: cpu in hundredths of a
// percent, memory in bytes.
func sampleAt(t testing.TB, a *testkit.App, uuid string, at, cpu, memory int64) {
	t.Helper()
	_, err := a.DB.W.ExecContext(context.Background(), `INSERT INTO metric_samples (step, at, vm_id, samples, cpu, memory,
		disk_read, disk_write, disk_reads, disk_writes, net_in, net_out, net_in_packets, net_out_packets)
		VALUES (30, ?, ?, 1, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0)`, at/30*30, vmRow(t, a, uuid).ID, cpu, memory)
	if err != nil {
		t.Fatal(err)
	}
}

// A running VM's body says what it uses now (seed 004's resource_usage): CPU
// and memory from its latest sample, the month's traffic; a figure nobody
// knows (no agent, a sample too old, a VM stopped) is null, never a zero;
// a list leaves it out. The body still matches the OpenAPI document.
func TestAPIVMBodyCarriesResourceUsage(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.web, "running")
	settle(t, w.a, w.db, "running")
	now := time.Now().Unix()
	sampleAt(t, w.a, w.web, now-600, 9000, 1<<30) // older: not what it does now
	sampleAt(t, w.a, w.web, now, 2350, 512<<20)   // 23.5 %, half of 1,024 MB
	sampleAt(t, w.a, w.db, now-600, 9000, 1<<30)  // db-1's only sample is ten minutes old
	if _, err := w.a.DB.W.ExecContext(context.Background(),
		`INSERT INTO traffic (vm_id, month, rx_bytes, tx_bytes) VALUES (?, strftime('%Y-%m', 'now'), 1000000, 2000)`,
		vmRow(t, w.a, w.web).ID); err != nil {
		t.Fatal(err)
	}
	doc, _ := servedDoc(t, w.a)
	schema := doc["components"].(map[string]any)["schemas"].(map[string]any)["VMEnvelope"]
	get := func(uuid string) usageBody {
		t.Helper()
		r := w.a.APICall(t, http.MethodGet, "/api/v1/vms/"+uuid, w.ana.token, "")
		testkit.MustStatus(t, "get "+uuid, r, 200)
		var raw any
		if err := json.Unmarshal([]byte(r.Body), &raw); err != nil {
			t.Fatal(err)
		}
		for _, problem := range conforms(doc, schema, raw, "body") {
			t.Errorf("%s", problem)
		}
		if !strings.Contains(r.Body, `"disk_percent":null`) {
			t.Errorf("disk_percent is not null without a guest agent: %s", r.Body)
		}
		return testkit.Decode[usageBody](t, r)
	}

	u := get(w.web).VM.ResourceUsage
	if u == nil || u.CPUPercent == nil || *u.CPUPercent != 23.5 || u.MemoryPercent == nil || *u.MemoryPercent != 50 ||
		u.DiskPercent != nil || u.BandwidthUsed != 1002000 {
		t.Fatalf("web-1's resource_usage %+v, want 23.5 %% CPU, 50 %% memory, no disk, 1,002,000 bytes", u)
	}
	u = get(w.db).VM.ResourceUsage
	if u == nil || u.CPUPercent != nil || u.MemoryPercent != nil || u.BandwidthUsed != 0 {
		t.Fatalf("db-1's resource_usage %+v, want nulls for a sample ten minutes old", u)
	}
	settle(t, w.a, w.web, "stopped")
	u = get(w.web).VM.ResourceUsage
	if u == nil || u.CPUPercent != nil || u.MemoryPercent != nil || u.BandwidthUsed != 1002000 {
		t.Fatalf("a stopped VM's resource_usage %+v, want nulls and the month's traffic", u)
	}
	r := w.a.APICall(t, http.MethodGet, "/api/v1/vms", w.ana.token, "")
	testkit.MustStatus(t, "list", r, 200)
	if strings.Contains(r.Body, "resource_usage") {
		t.Errorf("the list carries resource_usage: %s", r.Body)
	}
}
