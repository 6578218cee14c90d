package services

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"abrak/hypervisor"
	"abrak/store"
)

// A disk alert is judged on the guest agent's file-system figures: it fires
// once when the disk is fuller than its threshold and resolves once when it
// is not, each an e-mail's worth of episode and an alert.fired /
// alert.resolved webhook event; while the agent does not answer, nothing is
// judged and the alert keeps its state.
// workerWorld is a database with one account, its running VM (on no node)
// and the VM service's workers, for what the workers emit.
type workerWorld struct {
	db      *store.DB
	vms     *VMs
	workers *Workers
	userID  int64
	vmID    int64
}

const workerVM = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"

func newWorkerWorld(t *testing.T) workerWorld {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "abrak.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.UpsertRegion(ctx, store.Region{Slug: "r", NameFA: "r", NameEN: "r", IPNetwork: "10.0.0.0/8"}))
	must(db.UpsertPlan(ctx, store.Plan{Slug: "p", NameFA: "p", NameEN: "p", VCPUs: 1, MemoryMB: 512, DiskGB: 10, PriceHourlyRials: 1, Active: true}))
	must(db.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "t", Name: "t", Volume: "t", Active: true}))
	u, err := db.CreateUser(ctx, store.User{Email: "ana@example.com", Name: "Ana", PasswordHash: "x"})
	must(err)
	res, err := db.W.ExecContext(ctx, `INSERT INTO vms (uuid, user_id, display_name, hostname, status, plan_slug, os_template_slug, region,
		vcpus, memory_mb, disk_gb, vnc_password, created_at, updated_at) VALUES (?, ?, 'web', 'web', 'running', 'p', 't', 'r', 1, 512, 10, 'x', unixepoch(), unixepoch())`, workerVM, u.ID)
	must(err)
	vmID, _ := res.LastInsertId()
	_, err = db.CreateWebhookEndpoint(ctx, store.WebhookEndpoint{UserID: u.ID, URL: "https://example.com/hook",
		Events: []string{EventAlertFired, EventAlertResolved, EventWalletLow}, Secret: "whsec_x"}, time.Now())
	must(err)
	fleet := hypervisor.NewFleet(log, hypervisor.Options{})
	t.Cleanup(func() { fleet.Close() })
	vms, workers := NewVMs(db, fleet, NewAudit(db, log), nil, nil, nil, log, VMConfig{})
	t.Cleanup(vms.Close)
	return workerWorld{db: db, vms: vms, workers: workers, userID: u.ID, vmID: vmID}
}

// A wallet running low is a wallet.low event, once a rung.
func TestLowBalanceIsAWebhookEvent(t *testing.T) {
	w := newWorkerWorld(t)
	ctx := context.Background()
	w.workers.WarnLowBalances(ctx)
	w.workers.WarnLowBalances(ctx)
	ds, err := w.db.DueWebhookDeliveries(ctx, time.Now().Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Type != EventWalletLow || !strings.Contains(ds[0].Body, `"hours_left":0`) || !strings.Contains(ds[0].Body, `"warning_hours":1`) {
		t.Fatalf("deliveries of a wallet with nothing left: %+v", ds)
	}
}

func TestDiskAlertFiresAndResolvesWithWebhookEvents(t *testing.T) {
	w := newWorkerWorld(t)
	ctx := context.Background()
	db, vms, workers, vmID := w.db, w.vms, w.workers, w.vmID
	const uuid = workerVM
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p := Principal{UserID: w.userID}
	_, err := vms.CreateAlert(ctx, p, AlertInput{VMUUID: uuid, Kind: "disk", Threshold: "0"})
	if e := AsError(err); e == nil || e.Fields["threshold"] == "" {
		t.Fatalf("a disk alert at 0 %%: %v", err)
	}
	alert, err := vms.CreateAlert(ctx, p, AlertInput{VMUUID: uuid, Kind: "disk", Threshold: "80"})
	must(err)

	agent := func(used, total uint64, answers bool) {
		workers.diskUse.mu.Lock()
		if workers.diskUse.m == nil {
			workers.diskUse.m = map[string]diskUseAnswer{}
		}
		workers.diskUse.m[uuid] = diskUseAnswer{use: hypervisor.DiskUse{Used: used, Total: total}, ok: answers, at: time.Now()}
		workers.diskUse.mu.Unlock()
	}
	firing := func() bool {
		t.Helper()
		list, err := vms.Alerts(ctx, p, uuid)
		must(err)
		return list[0].Firing
	}
	events := func() []string {
		t.Helper()
		ds, err := db.DueWebhookDeliveries(ctx, time.Now().Add(time.Hour), 100)
		must(err)
		var out []string
		for _, d := range ds {
			var body struct {
				Type string
				Data map[string]any
			}
			must(json.Unmarshal([]byte(d.Body), &body))
			if d.VMID != vmID || body.Data["kind"] != "disk" || body.Data["vm_uuid"] != uuid || int64(body.Data["id"].(float64)) != alert.ID {
				t.Errorf("a delivery of another thing: vm %d, %s", d.VMID, d.Body)
			}
			out = append(out, body.Type)
		}
		return out
	}
	check := func(what string, wantFiring bool, want ...string) {
		t.Helper()
		workers.CheckAlerts(ctx, time.Now())
		workers.CheckAlerts(ctx, time.Now()) // a second pass changes nothing
		if firing() != wantFiring {
			t.Fatalf("%s: firing %v, want %v", what, !wantFiring, wantFiring)
		}
		if got := events(); len(got) != len(want) || (len(want) > 0 && got[len(got)-1] != want[len(want)-1]) {
			t.Fatalf("%s: webhook events %v, want %v", what, got, want)
		}
	}
	agent(0, 0, false)
	check("no agent", false)
	agent(70, 100, true)
	check("70 % full", false)
	agent(85, 100, true)
	check("85 % full", true, EventAlertFired)
	agent(0, 0, false)
	check("the agent falls silent", true, EventAlertFired)
	agent(90, 100, true)
	check("still full", true, EventAlertFired)
	agent(50, 100, true)
	check("cleaned up", false, EventAlertFired, EventAlertResolved)
}
