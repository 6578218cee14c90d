package hypervisor

import (
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"

	"abrak/vmstatus"
)

// A pause libvirt explains is told without asking QEMU: a guest still being
// started (libvirt holds its CPUs until the domain is set up) is not shown to
// the customer as paused, a pause someone asked for is, and a panic is a crash.
func TestPausedReasons(t *testing.T) {
	for reason, want := range map[libvirt.DomainPausedReason]vmstatus.Status{
		libvirt.DomainPausedStartingUp: vmstatus.Running,
		libvirt.DomainPausedUser:       vmstatus.Paused,
		libvirt.DomainPausedSnapshot:   vmstatus.Paused,
		libvirt.DomainPausedCrashed:    vmstatus.Crashed,
	} {
		if got, _ := pausedState(nil, libvirt.Domain{}, int32(reason)); got != want {
			t.Errorf("paused for reason %d reads %s, want %s", reason, got, want)
		}
	}
}
