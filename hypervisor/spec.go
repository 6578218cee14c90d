package hypervisor

import (
	"fmt"
	"net"

	"github.com/google/uuid"
)

// DomainSpec is everything needed to build a VM on a node.
type DomainSpec struct {
	UUID     string
	VCPUs    int
	MemoryMB int
	DiskGB   int
	Template TemplateRef
	Hostname string
	// RootPassword reaches the guest only as a SHA-512 crypt hash.
	RootPassword string
	// RootPasswordCrypt, when set, is used instead of RootPassword: the panel
	// keeps only the hash, so rebuilds and retries never need the clear text.
	RootPasswordCrypt string
	SSHKeys           []string
	// UserData is the customer's own cloud-config or "#!" script, run once by the
	// guest's cloud-init beside Abrak's settings (see seed.go); empty for none.
	UserData string
	// Net is the guest's one interface: its MAC and addresses, which the seed
	// configures and the anti-spoofing filter holds it to.
	Net Network
	// VNCPassword is the console password; VNC allows at most 8 characters.
	VNCPassword string
	Owner       string
	Plan        string
	// Boot is what the domain boots from; zero: its own disk.
	Boot Boot
	// From, when set, is the disk image the new VM's disk is made of (a
	// backup restored as a new VM) instead of a clone of Template.Volume, which
	// then only names the OS the image came from.
	From *DiskImage
}

// Boot is an alternative to booting the VM's own disk. With ISO the VM boots
// that volume as a CD-ROM, its disk still attached; with Rescue it boots that
// volume (a rescue system) as its first disk, the VM's own disk second, and the
// seed describes the rescue system (its one-time root password).
type Boot struct {
	ISO, Rescue string
}

// Network is a guest's public interface. Without addresses the guest asks DHCP
// (user-mode networking on a node without a bridge).
type Network struct {
	MAC       string
	IPv4      string
	Prefix4   int
	Gateway4  string
	IPv6      string
	Prefix6   int
	Gateway6  string
	Resolvers []string
}

// TemplateRef names an OS template's volumes in the node's pool.
type TemplateRef struct {
	// Volume is the base disk the root disk is cloned from.
	Volume string
	// Kernel and Initrd, when set, are volumes booted directly with Cmdline
	// instead of the disk's own boot loader.
	Kernel, Initrd, Cmdline string
}

func (s DomainSpec) validate() error {
	if _, err := uuid.Parse(s.UUID); err != nil {
		return fmt.Errorf("hypervisor: domain uuid %q: %w", s.UUID, err)
	}
	if s.VCPUs < 1 || s.MemoryMB < 16 || s.DiskGB < 1 {
		return fmt.Errorf("hypervisor: domain %s needs vcpus, memory and disk", s.UUID)
	}
	if s.Template.Volume == "" && s.From == nil {
		return fmt.Errorf("hypervisor: domain %s has no template volume", s.UUID)
	}
	if s.Net.MAC != "" {
		if _, err := net.ParseMAC(s.Net.MAC); err != nil {
			return fmt.Errorf("hypervisor: domain %s MAC %q: %w", s.UUID, s.Net.MAC, err)
		}
	}
	if len(s.VNCPassword) > 8 {
		return fmt.Errorf("hypervisor: VNC passwords are at most 8 characters")
	}
	return nil
}

func rootVolume(id string) string { return id + ".qcow2" }
func seedVolume(id string) string { return id + "-seed.iso" }

// rescueSeedVolume is the seed of a VM's rescue system, apart from its own seed.
func rescueSeedVolume(id string) string { return id + "-rescue-seed.iso" }
