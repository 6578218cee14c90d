package hypervisor

import (
	"encoding/xml"
	"fmt"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// metadataNS is the namespace of Abrak's element in a domain's <metadata>.
const metadataNS = "https://abrak.dev/xmlns/libvirt/vm/1"

type vmMetadata struct {
	XMLName xml.Name `xml:"abrak:vm"`
	NS      string   `xml:"xmlns:abrak,attr"`
	Owner   string   `xml:"abrak:owner"`
	Plan    string   `xml:"abrak:plan"`
}

// bootPaths are the host paths of a template's direct-boot volumes.
type bootPaths struct{ kernel, initrd string }

func domainXML(spec DomainSpec, cfg NodeConfig, caps Caps, boot bootPaths) (string, error) {
	meta, err := xml.Marshal(vmMetadata{NS: metadataNS, Owner: spec.Owner, Plan: spec.Plan})
	if err != nil {
		return "", err
	}
	os := &libvirtxml.DomainOS{
		Type: &libvirtxml.DomainOSType{Type: "hvm", Arch: caps.Arch},
	}
	switch {
	case spec.Boot.ISO != "":
		// Per-device order (below): the ISO first, then the disk.
	case boot.kernel != "" && spec.Boot.Rescue == "":
		os.Kernel, os.Initrd, os.Cmdline = boot.kernel, boot.initrd, spec.Template.Cmdline
	default:
		os.BootDevices = []libvirtxml.DomainBootDevice{{Dev: "hd"}}
	}
	serialPort := uint(0)
	d := libvirtxml.Domain{
		Type:          caps.DomainType,
		Name:          spec.UUID,
		UUID:          spec.UUID,
		Metadata:      &libvirtxml.DomainMetadata{XML: string(meta)},
		Memory:        &libvirtxml.DomainMemory{Value: uint(spec.MemoryMB), Unit: "MiB"},
		CurrentMemory: &libvirtxml.DomainCurrentMemory{Value: uint(spec.MemoryMB), Unit: "MiB"},
		VCPU:          &libvirtxml.DomainVCPU{Placement: "static", Value: uint(spec.VCPUs)},
		OS:            os,
		Features: &libvirtxml.DomainFeatureList{
			ACPI: &libvirtxml.DomainFeature{},
			APIC: &libvirtxml.DomainFeatureAPIC{},
		},
		OnPoweroff: "destroy",
		OnReboot:   "restart",
		OnCrash:    "destroy",
		Devices: &libvirtxml.DomainDeviceList{
			Disks:      guestDisks(spec, cfg),
			Interfaces: []libvirtxml.DomainInterface{guestInterface(spec.Net, cfg)},
			Serials: []libvirtxml.DomainSerial{{
				Target: &libvirtxml.DomainSerialTarget{Port: &serialPort},
			}},
			Consoles: []libvirtxml.DomainConsole{{
				Target: &libvirtxml.DomainConsoleTarget{Type: "serial", Port: &serialPort},
			}},
			Channels: []libvirtxml.DomainChannel{{
				Source: &libvirtxml.DomainChardevSource{UNIX: &libvirtxml.DomainChardevSourceUNIX{Mode: "bind"}},
				Target: &libvirtxml.DomainChannelTarget{VirtIO: &libvirtxml.DomainChannelTargetVirtIO{
					Name: "org.qemu.guest_agent.0"}},
			}},
			Graphics: []libvirtxml.DomainGraphic{{VNC: vncGraphic(spec, cfg)}},
			Videos:   []libvirtxml.DomainVideo{{Model: libvirtxml.DomainVideoModel{Type: "vga"}}},
			// The balloon's statistics every 10 s, so that a guest with its driver
			// reports the memory it uses (see DomainInfo.MemoryUsed) by the time
			// the usage sampler asks, every 30 s.
			MemBalloon: &libvirtxml.DomainMemBalloon{Model: "virtio", Stats: &libvirtxml.DomainMemBalloonStats{Period: 10}},
		},
	}
	out, err := d.Marshal()
	if err != nil {
		return "", fmt.Errorf("hypervisor: domain XML: %w", err)
	}
	return out, nil
}

// guestInterface is the guest's one NIC. On a node with a bridge it joins the
// bridge under the anti-spoofing filter, bound to the VM's MAC and addresses;
// without one it gets user-mode networking, which nobody outside can reach.
func guestInterface(n Network, cfg NodeConfig) libvirtxml.DomainInterface {
	iface := libvirtxml.DomainInterface{
		Model: &libvirtxml.DomainInterfaceModel{Type: "virtio"},
	}
	if n.MAC != "" {
		iface.MAC = &libvirtxml.DomainInterfaceMAC{Address: n.MAC}
	}
	if cfg.Bridge == "" {
		iface.Source = &libvirtxml.DomainInterfaceSource{User: &libvirtxml.DomainInterfaceSourceUser{}}
		return iface
	}
	iface.Source = &libvirtxml.DomainInterfaceSource{Bridge: &libvirtxml.DomainInterfaceSourceBridge{Bridge: cfg.Bridge}}
	iface.FilterRef = &libvirtxml.DomainInterfaceFilterRef{Filter: filterName, Parameters: filterParams(n)}
	return iface
}

// vncGraphic listens on a UNIX socket when the node keeps them in a folder the
// panel shares (a node in a network namespace of its own), else on TCP.
func vncGraphic(spec DomainSpec, cfg NodeConfig) *libvirtxml.DomainGraphicVNC {
	g := &libvirtxml.DomainGraphicVNC{Passwd: spec.VNCPassword}
	if cfg.VNCSocketDir != "" {
		g.Listeners = []libvirtxml.DomainGraphicListener{{Socket: &libvirtxml.DomainGraphicListenerSocket{
			Socket: vncSocketPath(cfg, spec.UUID)}}}
		return g
	}
	g.Port, g.AutoPort = -1, "yes"
	g.Listeners = []libvirtxml.DomainGraphicListener{{Address: &libvirtxml.DomainGraphicListenerAddress{Address: cfg.VNCHost}}}
	return g
}

func vncSocketPath(cfg NodeConfig, id string) string {
	return strings.TrimRight(cfg.VNCSocketDir, "/") + "/" + id + ".sock"
}

// guestDisks are the VM's disk and its seed, plus what Boot adds: an ISO as a
// second CD-ROM to boot from, or a rescue system's disk in front of the VM's own.
func guestDisks(spec DomainSpec, cfg NodeConfig) []libvirtxml.DomainDisk {
	volume := func(name string) *libvirtxml.DomainDiskSource {
		return &libvirtxml.DomainDiskSource{Volume: &libvirtxml.DomainDiskSourceVolume{Pool: cfg.Pool, Volume: name}}
	}
	root := libvirtxml.DomainDisk{
		Device: "disk",
		Driver: &libvirtxml.DomainDiskDriver{Name: "qemu", Type: "qcow2"},
		Source: volume(rootVolume(spec.UUID)),
		Target: &libvirtxml.DomainDiskTarget{Dev: "vda", Bus: "virtio"},
	}
	seed := libvirtxml.DomainDisk{
		// The seed is read-only and outside snapshots: internal snapshots need
		// every snapshotted disk to be qcow2.
		Device:   "cdrom",
		Snapshot: "no",
		Driver:   &libvirtxml.DomainDiskDriver{Name: "qemu", Type: "raw"},
		Source:   volume(seedVolume(spec.UUID)),
		// IDE, not SATA: Debian's cloud kernel has no AHCI driver, and the guest
		// must find its seed to learn its hostname.
		Target:   &libvirtxml.DomainDiskTarget{Dev: "hdc", Bus: "ide"},
		ReadOnly: &libvirtxml.DomainDiskReadOnly{},
	}
	switch {
	case spec.Boot.Rescue != "":
		// The rescue system boots from a read-only copy of its template, which
		// any number of VMs share; the VM's disk is the second disk, untouched
		// until the customer mounts it.
		rescue := libvirtxml.DomainDisk{
			Device:   "disk",
			Snapshot: "no",
			Driver:   &libvirtxml.DomainDiskDriver{Name: "qemu", Type: "qcow2"},
			Source:   volume(spec.Boot.Rescue),
			Target:   &libvirtxml.DomainDiskTarget{Dev: "vda", Bus: "virtio"},
			ReadOnly: &libvirtxml.DomainDiskReadOnly{},
		}
		root.Target = &libvirtxml.DomainDiskTarget{Dev: "vdb", Bus: "virtio"}
		seed.Source = volume(rescueSeedVolume(spec.UUID))
		return []libvirtxml.DomainDisk{rescue, root, seed}
	case spec.Boot.ISO != "":
		iso := libvirtxml.DomainDisk{
			Device:   "cdrom",
			Snapshot: "no",
			Driver:   &libvirtxml.DomainDiskDriver{Name: "qemu", Type: "raw"},
			Source:   volume(spec.Boot.ISO),
			Target:   &libvirtxml.DomainDiskTarget{Dev: "hdd", Bus: "ide"},
			ReadOnly: &libvirtxml.DomainDiskReadOnly{},
			Boot:     &libvirtxml.DomainDeviceBoot{Order: 1},
		}
		root.Boot = &libvirtxml.DomainDeviceBoot{Order: 2}
		return []libvirtxml.DomainDisk{root, seed, iso}
	}
	return []libvirtxml.DomainDisk{root, seed}
}
