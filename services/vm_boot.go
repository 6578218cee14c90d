package services

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// Boot types (seed 002's boot_type): the VM's own disk, an ISO with the disk
// still attached, or the rescue system with the disk as its second disk.
const (
	BootDisk   = "disk"
	BootCDROM  = "cdrom"
	BootRescue = "rescue"
)

// BootInput says what a VM is to boot from; ISO names the image for BootCDROM.
type BootInput struct {
	Type string
	ISO  string
}

// Booted is what SetBoot answers: the action, and for rescue the rescue
// system's one-time root password, which is shown once and kept only hashed.
type Booted struct {
	Action         Action
	RescuePassword string
}

// rescueHostname is the rescue system's name, so no one mistakes it for the VM.
const rescueHostname = "rescue"

// SetBoot restarts a VM from its disk, an ISO or the rescue system. The VM is
// powered off first (its disks change under it); it runs afterwards, so the
// wallet must pay its next hour, as for a start.
func (s *VMs) SetBoot(ctx context.Context, p Principal, uuid string, in BootInput) (Booted, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return Booted{}, err
	}
	var target string // the ISO or rescue volume
	iso := ""
	switch in.Type {
	case BootDisk:
	case BootCDROM:
		t, err := s.db.OSTemplate(ctx, strings.TrimSpace(in.ISO))
		switch {
		case strings.TrimSpace(in.ISO) == "":
			return Booted{}, Invalid(map[string]string{"cdrom": "form.required"})
		case errors.Is(err, store.ErrNotFound) || err == nil && (!t.Active || t.Kind != store.KindISO):
			return Booted{}, Invalid(map[string]string{"cdrom": "vm.iso_unknown"})
		case err != nil:
			return Booted{}, Internal(err)
		}
		target, iso = t.Volume, t.Slug
	case BootRescue:
		t, err := s.db.OSTemplate(ctx, s.cfg.RescueTemplate)
		if err != nil {
			return Booted{}, Unavailable("vm.rescue_unavailable", err)
		}
		target, iso = t.Volume, t.Slug
	case "":
		return Booted{}, Invalid(map[string]string{"boot_type": "form.required"})
	default:
		return Booted{}, Invalid(map[string]string{"boot_type": "vm.boot_type_invalid"})
	}
	if err := built(vm); err != nil {
		return Booted{}, err
	}
	if err := s.canPay(ctx, vm, vm.HourlyCost()); err != nil {
		return Booted{}, err
	}
	node, err := s.nodeOf(vm)
	if err != nil {
		return Booted{}, err
	}
	if iso != "" {
		if ok, err := s.nodesWithTemplate(ctx, iso); err != nil {
			return Booted{}, Internal(err)
		} else if ok != nil && !ok(vm.NodeID) {
			return Booted{}, Unavailable("vm.template_not_on_node", nil)
		}
	}
	spec, err := s.specFor(ctx, vm)
	if err != nil {
		return Booted{}, Internal(err)
	}
	var out Booted
	var rescueCrypt, bootISO string
	switch in.Type {
	case BootCDROM:
		spec.Boot.ISO, bootISO = target, iso
	case BootRescue:
		out.RescuePassword = generatedPassword()
		rescueCrypt = hypervisor.CryptPassword(out.RescuePassword)
		spec.Boot.Rescue = target
		spec.Hostname, spec.RootPasswordCrypt, spec.UserData = rescueHostname, rescueCrypt, ""
	}
	s.audit.Record(ctx, p, "vm.boot", SeverityWarning, "vm", vm.UUID, in.Type)
	out.Action, err = s.exclusive(ctx, p, vm, "boot_"+in.Type, 5*time.Minute, func(ctx context.Context) error {
		if err := node.SetBoot(ctx, spec); err != nil {
			return err
		}
		if err := s.db.SetVMBoot(ctx, vm.ID, bootISO, rescueCrypt); err != nil {
			return err
		}
		if err := s.resumeBilling(ctx, vm, node); err != nil {
			return err
		}
		return s.db.SetVMStatus(ctx, vm.ID, vmstatus.Running)
	})
	return out, err
}

// generatedPassword is 16 characters from an alphabet without look-alikes.
func generatedPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
