package services_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"abrak/hypervisor"
	"abrak/hypervisor/localvirt"
	"abrak/services"
	"abrak/store"
)

// BenchmarkReconcile20Nodes500Domains is one reconcile pass over 20 nodes of
// libvirt's test driver with 500 running domains each, all of them VMs of the
// panel in agreement with it (the steady state): the time of a pass, and the
// SQLite writes it makes (counted on the single writer connection).
//
//	go test -run '^$' -bench Reconcile20 -benchtime 20x ./services
func BenchmarkReconcile20Nodes500Domains(b *testing.B) {
	const nodes, perNode = 20, 500
	ctx := context.Background()
	d := localvirt.Start(b)
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "abrak.db"))
	must(b, err)
	b.Cleanup(func() { db.Close() })
	must(b, db.UpsertRegion(ctx, store.Region{Slug: vmtRegion, NameFA: "ت", NameEN: "T", IPNetwork: vmtNetwork, Gateway: vmtGateway}))
	must(b, db.UpsertPlan(ctx, store.Plan{Slug: vmtPlan, NameFA: "ک", NameEN: "Tiny", VCPUs: 1, MemoryMB: 256, DiskGB: 1, PriceHourlyRials: vmtPrice, Active: true}))
	must(b, db.UpsertOSTemplate(ctx, store.OSTemplate{Slug: vmtTemplate, Name: "Tiny", Volume: vmtVolume, MinDiskGB: 1, Active: true}))
	u, err := db.CreateUser(ctx, store.User{Email: "many@example.com", Name: "m", PasswordHash: "x"})
	must(b, err)
	now := time.Now().Unix()
	for n := range nodes {
		// Each node is a test-driver file of its own, so each connection holds its own 500 domains.
		var xml strings.Builder
		xml.WriteString("<node>\n")
		var ids []string
		for range perNode {
			id := uuid.NewString()
			ids = append(ids, id)
			fmt.Fprintf(&xml, "<domain type='test'><name>abrak-%s</name><uuid>%s</uuid><memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>\n", id, id)
		}
		xml.WriteString("</node>\n")
		file := filepath.Join(d.Dir, fmt.Sprintf("node%d.xml", n))
		must(b, os.WriteFile(file, []byte(xml.String()), 0o644))
		node, err := db.UpsertNode(ctx, store.Node{Name: fmt.Sprintf("t-%d", n), Region: vmtRegion, URI: "test+unix://" + file + "?socket=" + d.Socket,
			VNCHost: "127.0.0.1", Enabled: true})
		must(b, err)
		must(b, db.Tx(ctx, func(tx *sql.Tx) error {
			for i, id := range ids {
				if _, err := tx.ExecContext(ctx, `INSERT INTO vms (uuid, user_id, display_name, hostname, status, plan_slug, os_template_slug, region, node_id,
					vcpus, memory_mb, disk_gb, vnc_password, created_at, updated_at) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, 1, 256, 1, 'x', ?, ?)`,
					id, u.ID, fmt.Sprintf("vm-%d-%d", n, i), fmt.Sprintf("vm-%d-%d", n, i), vmtPlan, vmtTemplate, vmtRegion, node.ID, now, now); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fleet := hypervisor.NewFleet(log, fleetOptions())
	b.Cleanup(func() { fleet.Close() })
	_, workers := services.NewVMs(db, fleet, services.NewAudit(db, log), nil, nil, nil, log, services.VMConfig{ReconcileInterval: time.Hour})
	must(b, workers.SyncNodes(ctx))
	for n := range nodes {
		deadline := time.Now().Add(time.Minute)
		for {
			if _, err := fleet.Node(int64(n + 1)); err == nil {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("node %d does not answer", n+1)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	writes := func() (n int64) {
		must(b, db.W.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&n))
		return n
	}
	workers.Reconcile(ctx) // the first pass settles what there is to settle
	var vms int
	must(b, db.R.QueryRowContext(ctx, `SELECT count(*) FROM vms WHERE status = 'running'`).Scan(&vms))
	if vms != nodes*perNode {
		b.Fatalf("%d VMs running after the first pass, want %d", vms, nodes*perNode)
	}
	before := writes()
	b.ResetTimer()
	for b.Loop() {
		workers.Reconcile(ctx)
	}
	b.StopTimer()
	b.ReportMetric(float64(writes()-before)/float64(b.N), "writes/pass")
	b.ReportMetric(nodes, "States-calls/pass")
}
