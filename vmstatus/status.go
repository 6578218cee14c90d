// Package vmstatus is the one vocabulary of a VM's status, imported by every layer:
// the store keeps it, the hypervisor package maps libvirt's domain states onto it,
// services decide with it, handlers and views show it and ask it which power
// actions a status allows. It imports nothing of the project.
package vmstatus

// Status is where a VM stands, in the words customers and the API see.
type Status string

const (
	// Creating: ordered and paid; its domain is being built.
	Creating Status = "creating"
	Running  Status = "running"
	Stopped  Status = "stopped"
	// Paused: its vCPUs are frozen in memory by an operation.
	Paused Status = "paused"
	// Suspended: the guest put itself to sleep (ACPI S3).
	Suspended Status = "suspended"
	// Crashed: QEMU stopped the guest on its own, after an internal error of the
	// accelerator or a guest kernel panic. The disk is intact; it can be started again.
	Crashed Status = "crashed"
	// Failed: its order was given up and refunded; nothing runs.
	Failed Status = "failed"
	// Deleted: in the recycle bin. Its domain is off and its disk and
	// addresses are kept for a grace period, unbilled; it can be restored
	// until then, and is destroyed after.
	Deleted   Status = "deleted"
	Destroyed Status = "destroyed"
)

// All lists every status, in the order the list filter offers them.
var All = []Status{Running, Stopped, Paused, Suspended, Crashed, Creating, Deleted, Destroyed, Failed}

// Valid reports whether s is one of the vocabulary's statuses.
func Valid(s string) bool {
	for _, v := range All {
		if string(v) == s {
			return true
		}
	}
	return false
}

// Live reports a VM that exists on a node and can be operated on.
func (s Status) Live() bool {
	switch s {
	case Creating, Failed, Deleted, Destroyed:
		return false
	}
	return s != ""
}

// Billed lists the statuses charged by the hour: every live VM keeps its disk
// and address reserved, whether it runs or not.
func Billed() []Status {
	var out []Status
	for _, s := range All {
		if s.Live() {
			out = append(out, s)
		}
	}
	return out
}

// Active reports a VM whose QEMU process holds the node's memory and CPU.
func (s Status) Active() bool { return s == Running || s == Paused }
