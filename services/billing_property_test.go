package services_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/vmstatus"
)

// Whatever the customer does (start, stop, resize, rebuild, top up, spend the
// wallet elsewhere) and however the hours pass, the ledger pays for every minute
// a VM runs: running means the current hour is paid, paid time moves only with a
// ledger row, never more than an hour ahead, and the balance is the ledger's sum.
// Random sequences from fixed seeds, so a failure can be replayed.
func TestTheLedgerPaysForEveryRunningMinute(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed-", seed), func(t *testing.T) { billingWalk(t, seed, 120) })
	}
}

func billingWalk(t *testing.T, seed uint64, steps int) {
	e := newVMEnv(t, "test")
	start := time.Now().Truncate(time.Minute)
	clock := testkit.NewClock(start)
	e.cfg.Now = clock.Now
	e.cfg.BillingInterval = 24 * time.Hour // the test ticks the biller itself
	must(t, e.db.UpsertPlan(e.ctx, store.Plan{Slug: "big", NameFA: "بزرگ", NameEN: "Big", VCPUs: 2, MemoryMB: 512, DiskGB: 2,
		PriceHourlyRials: 3 * vmtPrice, Sort: 2, Active: true}))
	owner := e.customer(fmt.Sprintf("walk%d@example.com", seed), 4*vmtPrice)
	p := e.openReady(true)
	vm, err := p.Create(e.ctx, owner, vmOrder("walker"))
	must(t, err)
	e.waitStatus(vm.UUID, vmstatus.Running, time.Minute)

	rng := rand.New(rand.NewPCG(seed, 0xab4a))
	last := e.vm(vm.UUID)
	lastRows := chargeRows(t, e, owner.UserID, vm.UUID)
	var trail []string
	check := func(what string) {
		t.Helper()
		now := clock.Now()
		cur := e.vm(vm.UUID)
		rows := chargeRows(t, e, owner.UserID, vm.UUID)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("seed %d, after %s at +%s: %s\nVM %+v\nsteps: %v", seed, what, now.Sub(start), fmt.Sprintf(format, args...), cur, trail)
		}
		if cur.Status == vmstatus.Running && !cur.PaidUntil.After(now) {
			fail("running with its paid time over (%s)", cur.PaidUntil.Sub(now))
		}
		if cur.Status == vmstatus.Running && cur.Held() {
			fail("running while held for want of funds")
		}
		if cur.PaidUntil.Sub(now) > time.Hour {
			fail("paid %s ahead, more than an hour", cur.PaidUntil.Sub(now))
		}
		if cur.PaidUntil.After(last.PaidUntil) && rows <= lastRows {
			fail("paid time moved from %s to %s without a ledger row", last.PaidUntil, cur.PaidUntil)
		}
		balance, sum := ledgerBalance(t, e, owner.UserID)
		if balance != sum || balance < 0 {
			fail("balance %d, ledger sum %d", balance, sum)
		}
		last, lastRows = cur, rows
	}
	act := func(name string, run func() (services.Action, error)) {
		a, err := run()
		if err == nil {
			a = waitAction(t, p, owner, a.ID)
		}
		trail = append(trail, fmt.Sprintf("%s(%v%s)", name, errStatus(err), a.Error))
		check(name)
	}
	for range steps {
		switch rng.IntN(9) {
		case 0, 1, 2:
			// Hours pass, the biller ticking every minute as in production.
			minutes := 1 + rng.IntN(150)
			for range minutes {
				p.BillDue(e.ctx, clock.Add(time.Minute))
				check("a minute")
			}
			trail = append(trail, fmt.Sprintf("+%dm", minutes))
		case 3:
			act("start", func() (services.Action, error) { return p.Power(e.ctx, owner, vm.UUID, "start") })
		case 4:
			act("kill", func() (services.Action, error) { return p.Power(e.ctx, owner, vm.UUID, "kill") })
		case 5:
			plan := []string{vmtPlan, "big"}[rng.IntN(2)]
			act("resize-"+plan, func() (services.Action, error) { return p.Resize(e.ctx, owner, vm.UUID, plan) })
		case 6:
			act("rebuild", func() (services.Action, error) { return p.Rebuild(e.ctx, owner, vm.UUID, "") })
		case 7:
			n := int64(rng.IntN(6))
			if n > 0 {
				_, err := e.db.Credit(e.ctx, owner.UserID, n*vmtPrice, "topup", "walk")
				must(t, err)
			}
			trail = append(trail, fmt.Sprintf("topup %d", n))
			check("a top-up")
		case 8:
			// The wallet pays for something else: it may run dry between a check and a charge.
			spendAll(t, e, owner.UserID)
			trail = append(trail, "spent")
			check("spending")
		}
	}
}

func chargeRows(t *testing.T, e *vmEnv, userID int64, uuid string) int {
	t.Helper()
	var n int
	must(t, e.db.R.QueryRowContext(context.Background(),
		`SELECT count(*) FROM ledger WHERE user_id = ? AND ref = ? AND kind IN ('hourly', 'vm_order')`, userID, uuid).Scan(&n))
	return n
}

func ledgerBalance(t *testing.T, e *vmEnv, userID int64) (int64, int64) {
	t.Helper()
	var balance, sum int64
	must(t, e.db.R.QueryRowContext(context.Background(),
		`SELECT u.balance_rials, (SELECT coalesce(sum(amount_rials), 0) FROM ledger WHERE user_id = u.id) FROM users u WHERE u.id = ?`, userID).Scan(&balance, &sum))
	return balance, sum
}

func spendAll(t *testing.T, e *vmEnv, userID int64) {
	t.Helper()
	u, err := e.db.UserByID(e.ctx, userID)
	must(t, err)
	if u.BalanceRials == 0 {
		return
	}
	must(t, e.db.Tx(e.ctx, func(tx *sql.Tx) error {
		_, err := store.AddToBalance(e.ctx, tx, userID, -u.BalanceRials, "charge", "elsewhere")
		return err
	}))
}
