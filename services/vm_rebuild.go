package services

import (
	"context"
	"strings"
	"time"

	"abrak/vmstatus"
)

// Rebuild gives the VM a fresh root disk from an active OS template (its own
// when templateSlug is empty) and boots it. The VM keeps its UUID, address,
// hostname, root password hash and SSH keys; its data and snapshots are gone.
func (s *VMs) Rebuild(ctx context.Context, p Principal, uuid, templateSlug string) (Action, error) {
	vm, err := s.writable(ctx, p, uuid, ScopeVMWrite)
	if err != nil {
		return Action{}, err
	}
	slug := strings.TrimSpace(templateSlug)
	if slug == "" {
		slug = vm.OSTemplateSlug
	}
	tmpl, ok, err := s.activeTemplate(ctx, slug)
	switch {
	case err != nil:
		return Action{}, err
	case !ok:
		return Action{}, Invalid(map[string]string{"os_template_slug": "vm.template_unknown"})
	case tmpl.MinDiskGB > vm.DiskGB:
		return Action{}, Invalid(map[string]string{"os_template_slug": "vm.template_too_big"})
	}
	if err := built(vm); err != nil {
		return Action{}, err
	}
	// A rebuild boots the VM: only with its next hour in the wallet.
	if err := s.canPay(ctx, vm, vm.HourlyCost()); err != nil {
		return Action{}, err
	}
	node, err := s.nodeOf(vm)
	if err != nil {
		return Action{}, err
	}
	if ok, err := s.nodesWithTemplate(ctx, tmpl.Slug); err != nil {
		return Action{}, Internal(err)
	} else if ok != nil && !ok(vm.NodeID) {
		return Action{}, Unavailable("vm.template_not_on_node", nil)
	}
	target := vm
	target.OSTemplateSlug = tmpl.Slug
	spec, err := s.specFor(ctx, target)
	if err != nil {
		return Action{}, Internal(err)
	}
	s.audit.Record(ctx, p, "vm.rebuild", SeverityWarning, "vm", vm.UUID, tmpl.Slug)
	return s.exclusive(ctx, p, vm, "rebuild", 10*time.Minute, func(ctx context.Context) error {
		if err := node.Rebuild(ctx, spec); err != nil {
			return err
		}
		// A fresh disk boots from itself: out of rescue, off any ISO.
		if err := s.db.SetVMBoot(ctx, vm.ID, "", ""); err != nil {
			return err
		}
		if err := s.resumeBilling(ctx, vm, node); err != nil {
			return err
		}
		if tmpl.Slug != vm.OSTemplateSlug {
			if err := s.db.SetVMTemplate(ctx, vm.ID, tmpl.Slug); err != nil {
				return err
			}
		}
		return s.db.SetVMStatus(ctx, vm.ID, vmstatus.Running)
	})
}
