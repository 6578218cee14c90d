package hypervisor

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// probeBootSector is the probe guest's whole disk: see probe/probe.S.
//
//go:embed probe/probe.bin
var probeBootSector []byte

// probePrefix names the probe's domain and volume, so a connect can sweep away
// what a panel that died mid-probe left.
const probePrefix = "abrak-probe-"

// probeDiskSize is the probe volume's size: SeaBIOS does not boot a disk of one sector.
const probeDiskSize = 1 << 20

type probeResult struct {
	ran     bool
	outcome string // what happened instead, when it did not run
	took    time.Duration
	err     error // the probe could not be run at all
}

// probe boots the probe boot sector in a transient kvm domain and waits for it to
// power itself off. The domain is started with autodestroy, so libvirt removes it
// if this connection drops; the volume is removed here and, should the panel die
// first, by the next connect's sweep (sweepProbes).
func (n *Node) probe(lv *libvirt.Libvirt, cfg NodeConfig, events <-chan libvirt.DomainEventLifecycleMsg) probeResult {
	timeout := n.opts.CallTimeout
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	name := probePrefix + hex.EncodeToString(suffix[:])
	volName := name + ".img"

	var pool libvirt.StoragePool
	var vol libvirt.StorageVol
	err := bounded(lv, timeout, func() (err error) {
		if pool, err = ensurePool(lv, cfg); err != nil {
			return err
		}
		doc, err := volumeXML(volName, probeDiskSize, "raw")
		if err != nil {
			return err
		}
		vol, err = lv.StorageVolCreateXML(pool, doc, 0)
		return err
	})
	if err != nil {
		return probeResult{err: err}
	}
	defer bounded(lv, timeout, func() error { return lv.StorageVolDelete(vol, 0) })
	disk := probeBootSector
	if n.opts.ProbeDisk != nil {
		disk = n.opts.ProbeDisk
	}
	err = bounded(lv, timeout, func() error {
		return lv.StorageVolUpload(vol, bytes.NewReader(disk), 0, uint64(len(disk)), 0)
	})
	if err != nil {
		return probeResult{err: fmt.Errorf("upload the probe disk: %w", err)}
	}
	doc, err := probeDomainXML(name, "kvm", cfg.Pool, volName)
	if err != nil {
		return probeResult{err: err}
	}
	start := time.Now()
	var dom libvirt.Domain
	if err := bounded(lv, timeout, func() (err error) {
		dom, err = lv.DomainCreateXML(doc, libvirt.DomainStartAutodestroy)
		return err
	}); err != nil {
		// QEMU refusing the accelerator outright is a failed probe, not a broken node.
		return probeResult{outcome: "QEMU did not start: " + firstLine(err), took: time.Since(start)}
	}
	defer bounded(lv, timeout, func() error { return lv.DomainDestroy(dom) })
	res := n.awaitProbe(lv, dom, start, events)
	res.took = time.Since(start)
	return res
}

// awaitProbe watches the probe domain until it powers off, faults or runs out of
// time. Events of other domains arriving meanwhile are passed on as usual.
func (n *Node) awaitProbe(lv *libvirt.Libvirt, dom libvirt.Domain, start time.Time, events <-chan libvirt.DomainEventLifecycleMsg) probeResult {
	deadline := time.NewTimer(n.opts.ProbeTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return probeResult{err: errors.New("connection lost during the probe")}
			}
			if ev.Dom.Name != dom.Name {
				n.handleEvent(lv, ev)
				continue
			}
			switch libvirt.DomainEventType(ev.Event) {
			case libvirt.DomainEventShutdown:
				// Only the guest's own ACPI power-off gets here: a reset restarts it.
				if libvirt.DomainEventShutdownDetailType(ev.Detail) != libvirt.DomainEventShutdownHost {
					return probeResult{ran: true}
				}
			case libvirt.DomainEventStopped, libvirt.DomainEventCrashed:
				return probeResult{outcome: "stopped without powering off"}
			}
		case <-tick.C:
			var st, reason int32
			err := bounded(lv, n.opts.CallTimeout, func() (err error) {
				st, reason, err = lv.DomainGetState(dom, 0)
				return err
			})
			if err != nil {
				continue // gone: its events say why
			}
			if libvirt.DomainState(st) == libvirt.DomainPaused {
				outcome := "paused"
				if rs := qemuRunState(lv, dom); rs != "" {
					outcome += ", QEMU run state " + rs
				} else if libvirt.DomainPausedReason(reason) != libvirt.DomainPausedUnknown {
					outcome += fmt.Sprintf(", reason %d", reason)
				}
				return probeResult{outcome: outcome}
			}
		case <-deadline.C:
			return probeResult{outcome: fmt.Sprintf("no power-off within %s", n.opts.ProbeTimeout)}
		case <-n.stop:
			return probeResult{err: errors.New("node closed during the probe")}
		}
	}
}

// sweepProbes removes probe domains and volumes left by a panel that died
// mid-probe. It runs at every connect of a QEMU node, probe or not: a node that
// has lost its kvm since still lists a kvm probe domain defined then (libvirt
// loads it, refuses to start it, and undefines it).
func sweepProbes(lv *libvirt.Libvirt, cfg NodeConfig) {
	pool, err := ensurePool(lv, cfg)
	if err != nil {
		return
	}
	if doms, _, err := lv.ConnectListAllDomains(1, 0); err == nil {
		for _, d := range doms {
			if strings.HasPrefix(d.Name, probePrefix) {
				_ = lv.DomainDestroy(d)
				_ = lv.DomainUndefine(d)
			}
		}
	}
	if err := lv.StoragePoolRefresh(pool, 0); err != nil {
		return
	}
	if vols, _, err := lv.StoragePoolListAllVolumes(pool, 1, 0); err == nil {
		for _, v := range vols {
			if strings.HasPrefix(v.Name, probePrefix) {
				_ = lv.StorageVolDelete(v, 0)
			}
		}
	}
}

// probeDomainXML is the smallest machine of domain type typ that boots a disk the
// way a VM does: same machine type and firmware, no devices beyond the disk. A
// guest reset restarts it (so only a power-off ends it well); a guest crash destroys it.
func probeDomainXML(name, typ, pool, volume string) (string, error) {
	d := libvirtxml.Domain{
		Type:   typ,
		Name:   name,
		Memory: &libvirtxml.DomainMemory{Value: 32, Unit: "MiB"},
		VCPU:   &libvirtxml.DomainVCPU{Value: 1},
		OS: &libvirtxml.DomainOS{
			Type:        &libvirtxml.DomainOSType{Type: "hvm"},
			BootDevices: []libvirtxml.DomainBootDevice{{Dev: "hd"}},
		},
		Features:   &libvirtxml.DomainFeatureList{ACPI: &libvirtxml.DomainFeature{}, APIC: &libvirtxml.DomainFeatureAPIC{}},
		OnPoweroff: "destroy",
		OnReboot:   "restart",
		OnCrash:    "destroy",
		Devices: &libvirtxml.DomainDeviceList{
			Disks: []libvirtxml.DomainDisk{{
				Device: "disk",
				Driver: &libvirtxml.DomainDiskDriver{Name: "qemu", Type: "raw"},
				Source: &libvirtxml.DomainDiskSource{Volume: &libvirtxml.DomainDiskSourceVolume{Pool: pool, Volume: volume}},
				Target: &libvirtxml.DomainDiskTarget{Dev: "vda", Bus: "virtio"},
			}},
			MemBalloon: &libvirtxml.DomainMemBalloon{Model: "none"},
		},
	}
	return d.Marshal()
}

// bounded runs fn on lv, giving up after timeout or when the connection drops.
// It serves the calls made while a connection is being set up, before it is
// published for n.call.
func bounded(lv *libvirt.Libvirt, timeout time.Duration, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return classify(err)
	case <-lv.Disconnected():
		return fmt.Errorf("%w: connection lost", ErrUnavailable)
	case <-t.C:
		return fmt.Errorf("%w: no answer within %s", ErrUnavailable, timeout)
	}
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
