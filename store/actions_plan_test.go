package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// GET /api/v1/actions reads one customer's actions through an index, with or
// without its filters: no full scan of every customer's actions, and no sort
// of them in a temporary tree for "newest first".
func TestActionsForUserReadAnIndex(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "abrak.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range []ActionFilter{
		{UserID: 1},
		{UserID: 1, Type: "reboot"},
		{UserID: 1, Status: ActionCompleted},
		{UserID: 1, Type: "reboot", Status: ActionCompleted},
	} {
		count, list, args := actionsForUserQueries(f)
		for _, q := range []struct {
			name, sql string
			args      []any
		}{{"count", count, args}, {"page", list, append(append([]any{}, args...), 50, 0)}} {
			rows, err := db.R.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.sql, q.args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rows.Close()
			p := strings.Join(plan, "\n")
			if strings.Contains(p, "SCAN a") && !strings.Contains(p, "USING") || !strings.Contains(p, "actions_user") ||
				strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("%s of %+v:\n%s", q.name, f, p)
			}
		}
	}
}
