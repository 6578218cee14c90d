// Command loadseed fills a fresh database for load measurements: U customers
// with V VMs each (records only; no hypervisor is involved), and prints an API
// token of the first customer with vm:read (and, with -big, one of the big
// customer). Its customers sign in with "load-test-password". Used by scripts/bench.sh.
//
//	go run ./scripts/loadseed -db /tmp/load.db -users 200 -vms 50
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/google/uuid"

	"abrak/services"
	"abrak/store"
)

func main() {
	path := flag.String("db", "", "database file to create (must not exist)")
	users := flag.Int("users", 200, "customers")
	perUser := flag.Int("vms", 50, "VMs per customer")
	big := flag.Int("big", 0, "VMs of one more customer (big@example.com), for the scale figures; its token is printed second")
	flag.Parse()
	if *path == "" {
		log.Fatal("loadseed: -db is required")
	}
	if _, err := os.Stat(*path); err == nil {
		log.Fatalf("loadseed: %s exists", *path)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, *path)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	must(db.UpsertRegion(ctx, store.Region{Slug: "thr-1", NameFA: "تهران ۱", NameEN: "Tehran 1", IPNetwork: "10.64.0.0/10", Gateway: "10.64.0.1"}))
	must(db.UpsertPlan(ctx, store.Plan{Slug: "starter", NameFA: "آغاز", NameEN: "Starter", VCPUs: 1, MemoryMB: 512, DiskGB: 10, PriceHourlyRials: 4000, Active: true}))
	must(db.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "tiny-linux", Name: "Tiny Linux", Volume: "tiny.qcow2", MinDiskGB: 1, Active: true}))

	// Password hashing is the slow part of sign-up and irrelevant here: one hash for all.
	hash, err := services.HashPassword("load-test-password")
	must(err)
	now := time.Now().Unix()
	statuses := []string{"running", "running", "running", "stopped", "paused"}
	var firstUser, bigUser int64
	ip := 0
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		for u := 0; u <= *users; u++ {
			email, count := fmt.Sprintf("load%03d@example.com", u), *perUser
			if u == *users {
				if *big == 0 {
					break
				}
				email, count = "big@example.com", *big
			}
			var uid int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
				email, fmt.Sprintf("Load %d", u), hash, now, now).Scan(&uid); err != nil {
				return err
			}
			if firstUser == 0 {
				firstUser = uid
			} else if u == *users {
				bigUser = uid
			}
			for v := 0; v < count; v++ {
				ip++
				addr := fmt.Sprintf("10.%d.%d.%d", 64+ip>>16, (ip>>8)&255, ip&255)
				if _, err := tx.ExecContext(ctx, `INSERT INTO vms (uuid, user_id, display_name, hostname, status, plan_slug, os_template_slug, region, public_ip,
					vcpus, memory_mb, disk_gb, vnc_password, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'starter', 'tiny-linux', 'thr-1', ?, 1, 512, 10, 'x', ?, ?)`,
					uuid.NewString(), uid, fmt.Sprintf("web-%02d", v), fmt.Sprintf("web-%02d", v), statuses[v%len(statuses)], addr, now, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	must(err)
	audit := services.NewAudit(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, uid := range []int64{firstUser, bigUser} {
		if uid == 0 {
			continue
		}
		secret, _, err := services.NewTokens(db, audit, nil).Create(ctx, services.Principal{UserID: uid}, "load", []string{services.ScopeVMRead}, 0)
		must(err)
		fmt.Println(secret)
	}
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
