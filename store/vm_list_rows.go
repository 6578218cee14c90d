package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// A list reads each VM's packed row (vmListRow) from vm_list_rows, where
// triggers keep it, instead of packing it at every read: measured on 50 rows,
// the packing (28 coalesced values joined by concat_ws in the transpiled
// engine) was 130 of the query's 190 µs, and reading the kept row is 55 µs.
// The work moves to the writes that change what a list shows, which are few
// beside the reads (a status, an order's attempt, an address, the traffic of
// the month), and a trigger cannot be forgotten by a future writer.
//
// The triggers are made from listFields here, not written in a migration: a
// migration is never edited, and the fields are named once. Open compares
// them with what the file holds and, when they differ or are missing (a new
// field, a migration that rebuilt a table and dropped its triggers), makes
// them again and rebuilds every row, in one transaction.

const listRowsPrefix = "list_rows_"

// listRowsRefresh writes the rows of the VMs whose ids are given (SQL
// expressions, NEW.vm_id and the like); an id that is NULL or names no VM
// writes nothing.
func listRowsRefresh(ids ...string) string {
	// An upsert, not INSERT OR REPLACE: a trigger's conflict policy gives way
	// to the one of the statement that fired it (an INSERT OR IGNORE, an upsert).
	return `INSERT INTO vm_list_rows (vm_id, packed) SELECT v.id, ` + vmListRow + vmListFrom +
		` WHERE v.id IN (` + strings.Join(ids, ", ") + `) ON CONFLICT (vm_id) DO UPDATE SET packed = excluded.packed;`
}

// listedVMColumns are the columns of vms that the packed row holds: an update
// of any other (billing's paid_until, the VNC password) leaves the row be.
var listedVMColumns = func() []string {
	var cols []string
	column := regexp.MustCompile(`\bv\.([a-z0-9_]+)`)
	for _, f := range listFields {
		for _, m := range column.FindAllStringSubmatch(f.expr, -1) {
			if !slices.Contains(cols, m[1]) {
				cols = append(cols, m[1])
			}
		}
	}
	return cols
}()

// vmBurn is what VM row r (a table alias, NEW or OLD) costs its owner each
// hour now: its plan's price, and its backups' when they are on, while it is
// billed and not unpaid.
func vmBurn(r string) string {
	return `(CASE WHEN ` + r + `.status IN (` + sqlBilled + `) AND ` + r + `.unpaid_since IS NULL
		THEN coalesce((SELECT p.price_hourly_rials FROM plans p WHERE p.slug = ` + r + `.plan_slug), 0) + ` + r + `.backups_enabled * ` + r + `.backup_price_rials ELSE 0 END)`
}

// totalsMove adds (sign "+") or takes away ("-") VM row r from its owner's totals.
func totalsMove(r, sign string) string {
	return `INSERT INTO vm_totals (user_id, live, burn_rials) SELECT ` + r + `.user_id, ` + sign + `(` + r + `.status NOT IN (` + sqlGone + `)), ` +
		sign + vmBurn(r) + ` WHERE true ON CONFLICT (user_id) DO UPDATE SET live = live + excluded.live, burn_rials = burn_rials + excluded.burn_rials;`
}

// totalsBurnAgain sums again the burn of the customers with VMs on the plans given.
func totalsBurnAgain(slugs ...string) string {
	return `UPDATE vm_totals SET burn_rials = (SELECT coalesce(sum(` + vmBurn("v") + `), 0) FROM vms v WHERE v.user_id = vm_totals.user_id)
		WHERE user_id IN (SELECT user_id FROM vms WHERE plan_slug IN (` + strings.Join(slugs, ", ") + `));`
}

// listRowsTriggers are the triggers, by name, that keep vm_list_rows and vm_totals.
var listRowsTriggers = func() map[string]string {
	t := map[string]string{}
	add := func(name, event, body string) {
		t[listRowsPrefix+name] = "CREATE TRIGGER " + listRowsPrefix + name + " " + event + " BEGIN " + body + " END"
	}
	add("vms_insert", "AFTER INSERT ON vms", listRowsRefresh("NEW.id"))
	add("vms_update", "AFTER UPDATE OF "+strings.Join(listedVMColumns, ", ")+" ON vms", listRowsRefresh("NEW.id"))
	add("vms_delete", "AFTER DELETE ON vms", "DELETE FROM vm_list_rows WHERE vm_id = OLD.id;")
	// A customer's totals (vm_totals), moved as VMs come, go, change plan or
	// stop being billed: the total of an unfiltered list without a count(*)
	// over every VM the customer has, and the hourly burn every signed-in page
	// shows without a sum over them.
	for _, trig := range []struct{ name, event, body string }{
		{"totals_insert", "AFTER INSERT ON vms", totalsMove("NEW", "+")},
		{"totals_update", "AFTER UPDATE OF status, plan_slug, unpaid_since, user_id, backups_enabled, backup_price_rials ON vms", totalsMove("OLD", "-") + " " + totalsMove("NEW", "+")},
		{"totals_delete", "AFTER DELETE ON vms", totalsMove("OLD", "-")},
		// A plan's price moves the burn of everyone on it: summed again, for
		// them only (catalog writes are rare). A plan nobody's VM names yet
		// (the foreign key) moves nothing when it comes or goes.
		{"totals_plans_update", "AFTER UPDATE OF slug, price_hourly_rials ON plans", totalsBurnAgain("OLD.slug", "NEW.slug")},
	} {
		add(trig.name, trig.event, trig.body)
	}
	// The joined tables, with the columns vmListFrom and listFields read of them.
	for table, cols := range map[string]string{
		"orders":    "vm_id, status, last_error, attempts",
		"addresses": "vm_id, family, released_at, pool_id",
		"traffic":   "vm_id, month, rx_bytes, tx_bytes",
		"backups":   "vm_id, status",
	} {
		add(table+"_insert", "AFTER INSERT ON "+table, listRowsRefresh("NEW.vm_id"))
		add(table+"_update", "AFTER UPDATE OF "+cols+" ON "+table, listRowsRefresh("OLD.vm_id", "NEW.vm_id"))
		add(table+"_delete", "AFTER DELETE ON "+table, listRowsRefresh("OLD.vm_id"))
	}
	return t
}()

// keepListRows makes vm_list_rows, vm_totals and their triggers what this binary's
// listFields say, rebuilding the rows when anything had to change. It
// reports whether it rebuilt them.
func keepListRows(ctx context.Context, db *DB) (bool, error) {
	have := map[string]string{}
	err := scanInto(db, ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? ESCAPE '\'`,
		func(scan func(...any) error) error {
			var name, text string
			err := scan(&name, &text)
			have[name] = text
			return err
		}, strings.ReplaceAll(listRowsPrefix, "_", `\_`)+"%")
	if err != nil {
		return false, fmt.Errorf("store: list rows' triggers: %w", err)
	}
	var tables int
	if err := db.readRow(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('vm_list_rows', 'vm_totals')`).Scan(&tables); err != nil {
		return false, err
	}
	if tables == 2 && len(have) == len(listRowsTriggers) {
		same := true
		for name, text := range listRowsTriggers {
			same = same && have[name] == text
		}
		if same {
			return false, nil
		}
	}
	stmts := []string{`CREATE TABLE IF NOT EXISTS vm_list_rows (vm_id INTEGER PRIMARY KEY, packed TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS vm_totals (user_id INTEGER PRIMARY KEY, live INTEGER NOT NULL, burn_rials INTEGER NOT NULL)`}
	for name := range have {
		stmts = append(stmts, `DROP TRIGGER `+name)
	}
	for _, text := range listRowsTriggers {
		stmts = append(stmts, text)
	}
	stmts = append(stmts, `DELETE FROM vm_list_rows`,
		`INSERT INTO vm_list_rows (vm_id, packed) SELECT v.id, `+vmListRow+vmListFrom,
		`DELETE FROM vm_totals`,
		`INSERT INTO vm_totals (user_id, live, burn_rials) SELECT v.user_id, sum(v.status NOT IN (`+sqlGone+`)), sum(`+vmBurn("v")+`) FROM vms v GROUP BY v.user_id`)
	return true, db.Tx(ctx, func(tx *sql.Tx) error {
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("store: list rows: %s: %w", s, err)
			}
		}
		return nil
	})
}
