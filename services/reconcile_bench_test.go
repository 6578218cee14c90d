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
func BenchmarkReconcile20Nodes500Domains(b *testing.B) {
	const nodes, perNode = 20, 500
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
	b.ReportMetric(nodes, "States-calls/pass")
}
