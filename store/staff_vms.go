package store

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// StaffVM is a VM as the operator's list shows it: no secret.
type StaffVM struct {
	UUID, Name, Status, Plan, Region, IP, Node string
	OwnerID                                    int64
	OwnerEmail                                 string
	LockReason                                 string
	CreatedAt                                  time.Time
}

// StaffVMFilter is the operator's search of VMs: Q a uuid, an address, part
// of a name or of the owner's address, or a node's name; Status one status.
type StaffVMFilter struct {
	Q, Status     string
	Locked        bool
	Sort          string // one of StaffVMSorts; newest first otherwise
	Desc          bool
	Limit, Offset int
}

// StaffVMSorts are the columns the operator's VM list sorts by.
var StaffVMSorts = map[string]string{
	"created": "v.id",
	"name":    "CASE WHEN v.display_name <> '' THEN v.display_name ELSE v.hostname END COLLATE NOCASE",
	"status":  "v.status",
	"owner":   "u.email COLLATE NOCASE",
	"node":    "coalesce(n.name, '') COLLATE NOCASE",
	"ip":      "coalesce(v.public_ip, '')",
}

// StaffVMs lists one page of VMs (not destroyed), newest first, and how many match.
func (db *DB) StaffVMs(ctx context.Context, f StaffVMFilter) ([]StaffVM, int, error) {
	where := `v.status <> 'destroyed'`
	var args []any
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		n := len(args)
		where += ` AND (v.uuid = ?` + strconv.Itoa(n+1) + ` OR v.public_ip = ?` + strconv.Itoa(n+1) + ` OR v.public_ipv6 = ?` + strconv.Itoa(n+1) +
			` OR v.display_name LIKE ?` + strconv.Itoa(n+2) + ` ESCAPE '\' OR v.hostname LIKE ?` + strconv.Itoa(n+2) + ` ESCAPE '\'` +
			` OR u.email LIKE ?` + strconv.Itoa(n+2) + ` ESCAPE '\' OR n.name = ?` + strconv.Itoa(n+1) + `)`
		args = append(args, q, like)
	}
	if f.Status != "" {
		args = append(args, f.Status)
		where += ` AND v.status = ?` + strconv.Itoa(len(args))
	}
	if f.Locked {
		where += ` AND v.admin_lock_reason <> ''`
	}
	from := ` FROM vms v JOIN users u ON u.id = v.user_id LEFT JOIN nodes n ON n.id = v.node_id WHERE ` + where
	var total int
	if err := db.readRow(ctx, `SELECT count(*)`+from, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	order := `v.id DESC`
	if col, ok := StaffVMSorts[f.Sort]; ok {
		dir := " ASC"
		if f.Desc {
			dir = " DESC"
		}
		order = col + dir + `, v.id` + dir
	}
	n := len(args)
	rows, err := db.read(ctx, `SELECT v.uuid, CASE WHEN v.display_name <> '' THEN v.display_name ELSE v.hostname END, v.status, v.plan_slug, v.region,
		coalesce(v.public_ip, ''), coalesce(n.name, ''), u.id, u.email, v.admin_lock_reason, v.created_at`+from+
		` ORDER BY `+order+` LIMIT ?`+strconv.Itoa(n+1)+` OFFSET ?`+strconv.Itoa(n+2), append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []StaffVM
	for rows.Next() {
		var v StaffVM
		var created int64
		if err := rows.Scan(&v.UUID, &v.Name, &v.Status, &v.Plan, &v.Region, &v.IP, &v.Node, &v.OwnerID, &v.OwnerEmail, &v.LockReason, &created); err != nil {
			return nil, 0, err
		}
		v.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, v)
	}
	return out, total, rows.Err()
}
