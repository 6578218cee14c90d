package store

import "context"

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
	err := db.readRow(ctx, `SELECT `+changesOf("?1"), userID).Scan(&c.Customer, &c.Catalog)
	return c, err
}

// UserAndChanges loads a user with the counters, in one statement: what a
// signed-in page needs before anything else.
func (db *DB) UserAndChanges(ctx context.Context, id int64) (User, Changes, error) {
	var c Changes
	u, err := scanUser(db.readRow(ctx, `SELECT `+userColumns+`, `+changesOf("users.id")+` FROM users WHERE id = ?`, id), &c.Customer, &c.Catalog)
	return u, c, err
}
