package hypervisor

import (
	"encoding/json"
	"fmt"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"abrak/vmstatus"
)

// Event is a change of a domain's state reported by its node.
type Event struct {
	NodeID int64
	UUID   string
	State  vmstatus.Status
	// Detail says why a domain crashed (QEMU's run state, e.g. "internal-error"),
	// for the operator's log; empty otherwise.
	Detail string
}

// domainState maps libvirt's state and reason onto the panel's words. A paused
// domain needs a second look: see pausedState.
func domainState(s libvirt.DomainState) vmstatus.Status {
	switch s {
	case libvirt.DomainPaused:
		return vmstatus.Paused
	case libvirt.DomainShutoff:
		return vmstatus.Stopped
	case libvirt.DomainCrashed:
		return vmstatus.Crashed
	case libvirt.DomainPmsuspended:
		return vmstatus.Suspended
	}
	// Running, blocked on I/O, shutting down, or a driver that reports no state:
	// the guest is still up.
	return vmstatus.Running
}

// crashRunStates are QEMU's run states of a guest it stopped by itself: the
// accelerator could not go on (a KVM "emulation failure"), or the guest reported a
// kernel panic. libvirt shows the first as "paused (unknown)", like nothing special.
var crashRunStates = map[string]bool{"internal-error": true, "guest-panicked": true}

// pausedState tells a domain QEMU stopped on its own from one an operation paused.
// Only a pause libvirt cannot explain costs a question to QEMU's monitor; a
// driver without a monitor (the test driver) answers with an error, which means paused.
func pausedState(lv *libvirt.Libvirt, dom libvirt.Domain, reason int32) (vmstatus.Status, string) {
	switch libvirt.DomainPausedReason(reason) {
	case libvirt.DomainPausedCrashed:
		return vmstatus.Crashed, "guest-panicked"
	case libvirt.DomainPausedStartingUp:
		// libvirt starts QEMU with its CPUs stopped and lets them go once the
		// domain is set up: a guest being started, seen in between by a poll,
		// was reported paused (and a test that watches for a crash saw a pause).
		return vmstatus.Running, ""
	case libvirt.DomainPausedUnknown:
		if rs := qemuRunState(lv, dom); crashRunStates[rs] {
			return vmstatus.Crashed, rs
		}
	}
	return vmstatus.Paused, ""
}

// qemuRunState asks QEMU's monitor (libvirt's passthrough) for the guest's run
// state. Right after QEMU stops a guest, libvirt may be busy with the domain
// (a job of its own, a stats call of ours) and refuse the question for a
// moment: that refusal is asked again a few times, since taking it for "paused"
// reports a crashed guest as paused. A driver without a monitor is not asked again.
func qemuRunState(lv *libvirt.Libvirt, dom libvirt.Domain) string {
	var out string
	var err error
	for try := 0; ; try++ {
		out, err = lv.QEMUDomainMonitorCommand(dom, `{"execute":"query-status"}`, 0)
		if err == nil || try == 3 || isCode(err, libvirt.ErrNoSupport, libvirt.ErrOperationUnsupported, libvirt.ErrArgumentUnsupported, libvirt.ErrNoDomain) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err != nil {
		return ""
	}
	var reply struct {
		Return struct {
			Status string `json:"status"`
		} `json:"return"`
	}
	if json.Unmarshal([]byte(out), &reply) != nil {
		return ""
	}
	return reply.Return.Status
}

// stateOf is a domain's state in the panel's words, with the crash detail.
func stateOf(lv *libvirt.Libvirt, dom libvirt.Domain, state, reason int32) (vmstatus.Status, string) {
	st := domainState(libvirt.DomainState(state))
	if st == vmstatus.Paused {
		return pausedState(lv, dom, reason)
	}
	return st, ""
}

// eventState maps a lifecycle event to the state it leaves the domain in; events that
// do not change it (defined, guest-initiated shutdown before the stop) report false.
// A suspension is only "paused" until the node has looked closer (see pausedState).
func eventState(event, detail int32) (vmstatus.Status, bool) {
	switch libvirt.DomainEventType(event) {
	case libvirt.DomainEventUndefined:
		return vmstatus.Destroyed, true
	case libvirt.DomainEventStarted, libvirt.DomainEventResumed:
		return vmstatus.Running, true
	case libvirt.DomainEventSuspended:
		return vmstatus.Paused, true
	case libvirt.DomainEventStopped:
		switch libvirt.DomainEventStoppedDetailType(detail) {
		case libvirt.DomainEventStoppedCrashed, libvirt.DomainEventStoppedFailed:
			return vmstatus.Crashed, true
		}
		return vmstatus.Stopped, true
	case libvirt.DomainEventPmsuspended:
		return vmstatus.Suspended, true
	case libvirt.DomainEventCrashed:
		return vmstatus.Crashed, true
	}
	return "", false
}

func uuidString(u libvirt.UUID) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
