package hypervisor

import (
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
)

// State is a domain's state in the panel's words.
type State string

const (
	StateRunning   State = "running"
	StateStopped   State = "stopped"
	StatePaused    State = "paused"
	StateSuspended State = "suspended"
	StateCreating  State = "creating"
	StateDestroyed State = "destroyed"
	StateFailed    State = "failed"
)

// Event is a change of a domain's state reported by its node.
type Event struct {
	NodeID int64
	UUID   string
	State  State
}

func domainState(s libvirt.DomainState) State {
	switch s {
	case libvirt.DomainPaused:
		return StatePaused
	case libvirt.DomainShutoff:
		return StateStopped
	case libvirt.DomainCrashed:
		return StateFailed
	case libvirt.DomainPmsuspended:
		return StateSuspended
	}
	// Running, blocked on I/O, shutting down, or a driver that reports no state:
	// the guest is still up.
	return StateRunning
}

// eventState maps a lifecycle event to the state it leaves the domain in; events that
// do not change it (defined, guest-initiated shutdown before the stop) report false.
func eventState(event, detail int32) (State, bool) {
	switch libvirt.DomainEventType(event) {
	case libvirt.DomainEventUndefined:
		return StateDestroyed, true
	case libvirt.DomainEventStarted, libvirt.DomainEventResumed:
		return StateRunning, true
	case libvirt.DomainEventSuspended:
		return StatePaused, true
	case libvirt.DomainEventStopped:
		switch libvirt.DomainEventStoppedDetailType(detail) {
		case libvirt.DomainEventStoppedCrashed, libvirt.DomainEventStoppedFailed:
			return StateFailed, true
		}
		return StateStopped, true
	case libvirt.DomainEventPmsuspended:
		return StateSuspended, true
	case libvirt.DomainEventCrashed:
		return StateFailed, true
	}
	return "", false
}

func uuidString(u libvirt.UUID) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
