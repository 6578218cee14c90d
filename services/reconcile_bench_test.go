package services_test

import (
	"context"
	"testing"
	"time"

	"abrak/services"
)

// BenchmarkReconcile20Nodes500Domains is one reconcile pass over 20 nodes of
// libvirt's test driver with 500 running domains each, all of them VMs of the
// panel in agreement with it (the steady state): the time of a pass, and the
// SQLite writes it makes (counted on the single writer connection).
//
//	go test -run '^$' -bench Reconcile20 -benchtime 20x ./services
func BenchmarkReconcile20Nodes500Domains(b *testing.B) { benchReconcile(b, 20, 500) }

// BenchmarkReconcile200Nodes500Domains is the same pass at the scale the
// provider plans for (issue 32): 200 nodes, 100,000 domains (`make scale`).
//
//	go test -run '^$' -bench Reconcile200 -benchtime 3x -timeout 30m ./services
func BenchmarkReconcile200Nodes500Domains(b *testing.B) { benchReconcile(b, 200, 500) }

func benchReconcile(b *testing.B, nodes, perNode int) {
	ctx := context.Background()
	m := newManyDomains(b, nodes, perNode, services.VMConfig{ReconcileInterval: time.Hour})
	db, workers := m.db, m.workers
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
	b.ReportMetric(float64(nodes), "States-calls/pass")
}
