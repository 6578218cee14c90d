package store

import (
	"context"
	"database/sql"
	"time"
)

// Changes is what a customer's lists and pages were built from, as two
// counters the database keeps by triggers (migration 0026): Customer moves with
// every write to the customer's VMs, their orders, actions, addresses, traffic
// and events, and to the account; Catalog with every write to plans, images,
// regions and pools. Equal Changes mean an equal answer.
type Changes struct {
	Customer, Catalog int64
}

// changesOf are the two counters as columns of a query whose rows have the
// customer's id in column col: read in the same statement as the rows, they
// describe the same snapshot of the database.
func changesOf(col string) string {
	return `coalesce((SELECT seq FROM changes WHERE user_id = ` + col + `), 0), coalesce((SELECT seq FROM changes WHERE user_id = 0), 0)`
}

// ChangesOf reads both counters in one query.
func (db *DB) ChangesOf(ctx context.Context, userID int64) (Changes, error) {
	var c Changes
	err := db.pointRead(ctx, `SELECT `+changesOf("?1"), userID).Scan(&c.Customer, &c.Catalog)
	return c, err
}

// SessionUser loads a signed-in browser's user with the counters and the last
// time its recorded session (public id sid) was seen, in one statement: what
// every signed-in page needs before anything else. live is false when that
// session is not the user's or has ended.
func (db *DB) SessionUser(ctx context.Context, id int64, sid string) (u User, c Changes, lastSeen time.Time, live bool, err error) {
	var seen sql.NullInt64
	u, err = scanUser(db.pointRead(ctx, `SELECT `+userColumns+`, `+changesOf("users.id")+`,
		(SELECT last_seen_at FROM user_sessions WHERE public_id = ?2 AND user_id = users.id AND ended_at IS NULL) FROM users WHERE id = ?1`, id, sid),
		&c.Customer, &c.Catalog, &seen)
	return u, c, time.Unix(seen.Int64, 0).UTC(), seen.Valid, err
}
