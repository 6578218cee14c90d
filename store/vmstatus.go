package store

import (
	"strings"

	"abrak/vmstatus"
)

// sqlIn quotes statuses for SQL: an IN list, or one literal. They are the
// vocabulary's constants, never input, so quoting them here is safe, and no
// query spells a status by hand.
func sqlIn(ss ...vmstatus.Status) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + string(s) + "'"
	}
	return strings.Join(q, ", ")
}

var (
	sqlDestroyed = sqlIn(vmstatus.Destroyed)
	sqlCreating  = sqlIn(vmstatus.Creating)
	sqlFailed    = sqlIn(vmstatus.Failed)
	sqlDeleted   = sqlIn(vmstatus.Deleted)
	sqlRunning   = sqlIn(vmstatus.Running)
	sqlBilled    = sqlIn(vmstatus.Billed()...)
	// sqlGone is what lists and totals leave out unless asked: the recycle
	// bin and what is destroyed.
	sqlGone = sqlIn(vmstatus.Deleted, vmstatus.Destroyed)
)

// statusSet is the SET clause of every status writer: ?1 is the status, ?2 the
// time; a VM gets its destroyed_at once, the first time it is recorded destroyed.
var statusSet = `status = ?1, updated_at = ?2, destroyed_at = CASE WHEN ?1 = ` + sqlDestroyed + ` THEN coalesce(destroyed_at, ?2) ELSE destroyed_at END`
