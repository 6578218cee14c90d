package views

import (
	"strconv"
	"time"
)

// VMBackupsView is the Backups tab: the switch with its price, backups on
// demand, the VM's backups and the forms that restore or delete one.
type VMBackupsView struct {
	Enabled bool
	// PriceHourlyRials is what backups cost an hour: the price fixed when they
	// were turned on, or, while they are off, what turning them on costs now.
	PriceHourlyRials int64
	// Keep is how many daily backups are kept; LeftToday of PerDay backups on
	// demand may still be asked for in the last 24 hours.
	Keep, LeftToday, PerDay int
	// Available: the VM's region has somewhere off its host to keep backups.
	Available bool
	List      []BackupRow
	// Plans a backup may be restored onto as a new VM, with what backups of
	// such a VM would cost; SSHKeys the keys the new VM may be given.
	Plans   []RestorePlan
	SSHKeys []SSHKeyOption
	// The forms, each with its errors; Restore and RestoreNew are those of the
	// backup RestoreID and RestoreNewID.
	Switch, Now             Form
	Restore, RestoreNew     Form
	RestoreID, RestoreNewID int64
	PasswordMin             int
	// NewKey is a fresh idempotency key for each new-VM form, so a double click orders one VM.
	NewKey string
}

// BackupRow is one backup of the VM.
type BackupRow struct {
	ID             int64
	Kind, Status   string
	Consistency    string
	Size, Capacity int64
	CreatedAt      time.Time
	// Progress is its action's, in percent, while it is being taken.
	Progress int
}

// RestorePlan is a plan the new-VM form lists.
type RestorePlan struct {
	Slug, Name              string
	VCPUs, MemoryMB, DiskGB int
	PriceHourlyRials        int64
	BackupPriceHourlyRials  int64
}

// Refused reports a backups form sent back with its errors, so the page opens on the tab.
func (b VMBackupsView) Refused() bool {
	return b.Switch.Refused() || b.Now.Refused() || b.Restore.Refused() || b.RestoreNew.Refused()
}

// InProgress reports a backup still being taken.
func (r BackupRow) InProgress() bool { return r.Status == "in-progress" }

// holds reports whether p's disk can take the backup's.
func (p RestorePlan) holds(r BackupRow) bool { return int64(p.DiskGB)<<30 >= r.Capacity }

// restoreNewForm is the new-VM form of r: the one sent back, or a fresh one.
func (b VMBackupsView) restoreNewForm(r BackupRow) Form {
	if b.RestoreNewID == r.ID {
		return b.RestoreNew
	}
	return Form{}
}

// restorePlan is the plan r's new-VM form starts on: the one chosen before a
// refusal, else the smallest that holds the backup.
func (b VMBackupsView) restorePlan(r BackupRow) string {
	if chosen := b.restoreNewForm(r).V("plan_slug"); chosen != "" {
		return chosen
	}
	for _, p := range b.Plans {
		if p.holds(r) {
			return p.Slug
		}
	}
	return ""
}

// backupFieldID names a field of backup r's forms apart from the same field of
// every other form on the page.
func backupFieldID(r BackupRow, form, name string) string {
	return "f-" + form + "-" + strconv.FormatInt(r.ID, 10) + "-" + name
}

// restoreBackupPrice is what backups of the new VM cost an hour on the plan
// r's form starts on.
func (b VMBackupsView) restoreBackupPrice(r BackupRow) int64 {
	chosen := b.restorePlan(r)
	for _, p := range b.Plans {
		if p.Slug == chosen {
			return p.BackupPriceHourlyRials
		}
	}
	return 0
}

// restoreKey is the idempotency key of r's new-VM form: kept when the form
// comes back refused, so its second sending still orders one VM.
func restoreKey(v VMPageView, r BackupRow, f Form) string {
	if k := f.V("idempotency_key"); k != "" {
		return k
	}
	return v.Backups.NewKey + "-" + strconv.FormatInt(r.ID, 10)
}
