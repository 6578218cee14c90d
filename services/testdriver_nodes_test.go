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

// manyDomains is a panel over nodes of libvirt's test driver, each a file of
// its own holding perNode running domains (so each connection holds its own),
// every domain a running VM of one customer: the steady state of a busy
// fleet, for the passes of the workers.
type manyDomains struct {
	db      *store.DB
	fleet   *hypervisor.Fleet
	workers *services.Workers
	vms     *services.VMs
	owner   services.Principal
	daemon  *localvirt.Daemon
	// uuids are each node's VMs, by node id.
	uuids map[int64][]string
}

func newManyDomains(tb testing.TB, nodes, perNode int, cfg services.VMConfig) *manyDomains {
	tb.Helper()
	ctx := context.Background()
	d := localvirt.Start(tb)
	db, err := store.Open(ctx, filepath.Join(tb.TempDir(), "abrak.db"))
	must(tb, err)
	tb.Cleanup(func() { db.Close() })
	must(tb, db.UpsertRegion(ctx, store.Region{Slug: vmtRegion, NameFA: "ت", NameEN: "T", IPNetwork: vmtNetwork, Gateway: vmtGateway}))
	must(tb, db.UpsertPlan(ctx, store.Plan{Slug: vmtPlan, NameFA: "ک", NameEN: "Tiny", VCPUs: 1, MemoryMB: 256, DiskGB: 1, PriceHourlyRials: vmtPrice, Active: true}))
	must(tb, db.UpsertOSTemplate(ctx, store.OSTemplate{Slug: vmtTemplate, Name: "Tiny", Volume: vmtVolume, MinDiskGB: 1, Active: true}))
	u, err := db.CreateUser(ctx, store.User{Email: "many@example.com", Name: "m", PasswordHash: "x"})
	must(tb, err)
	m := &manyDomains{db: db, owner: services.Principal{UserID: u.ID, Email: u.Email}, daemon: d, uuids: map[int64][]string{}}
	now := time.Now().Unix()
	for n := range nodes {
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
		must(tb, os.WriteFile(file, []byte(xml.String()), 0o644))
		node, err := db.UpsertNode(ctx, store.Node{Name: fmt.Sprintf("t-%d", n), Region: vmtRegion, URI: "test+unix://" + file + "?socket=" + d.Socket,
			VNCHost: "127.0.0.1", Enabled: true})
		must(tb, err)
		m.uuids[node.ID] = ids
		must(tb, db.Tx(ctx, func(tx *sql.Tx) error {
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
	// One daemon stands in for every node here, and the test driver parses a
	// node's whole file at each connection: a call timed out while hundreds
	// connect would only make the daemon parse it again. In production each
	// node is its own daemon.
	opts := fleetOptions()
	opts.CallTimeout = max(opts.CallTimeout, time.Duration(nodes*perNode)*time.Millisecond)
	m.fleet = hypervisor.NewFleet(log, opts)
	tb.Cleanup(func() { m.fleet.Close() })
	m.vms, m.workers = services.NewVMs(db, m.fleet, services.NewAudit(db, log), nil, nil, nil, log, cfg)
	tb.Cleanup(m.vms.Close)
	must(tb, m.workers.SyncNodes(ctx))
	// Hundreds of nodes connect at once, and a busy daemon makes some retry
	// after a wait: the whole fleet gets a few minutes, not each node one.
	deadline := time.Now().Add(time.Minute + time.Duration(nodes)*time.Second + time.Duration(nodes*perNode)*5*time.Millisecond)
	for id := range m.uuids {
		for {
			if _, err := m.fleet.Node(id); err == nil {
				break
			}
			if time.Now().After(deadline) {
				tb.Fatalf("node %d does not answer", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return m
}

// statsCalls are the all-domain stats calls the panel's nodes have made.
func (m *manyDomains) statsCalls(tb testing.TB) map[int64]int64 {
	tb.Helper()
	out := map[int64]int64{}
	for id := range m.uuids {
		n, err := m.fleet.Node(id)
		must(tb, err)
		out[id] = n.StatsCalls()
	}
	return out
}
