package handlers

import (
	"context"
	"strconv"
	"strings"

	"abrak/services"
)

// A script written for another provider's API (the seeds) orders a VM with
// that provider's names. Each is read here into the order Abrak's own names
// make; where both are sent, Abrak's own wins. What a seed defines and Abrak
// cannot do is refused by name, never ignored (docs/decisions.md).

// planBilledHourly is seed 001's plan that bills by use: Abrak's hourly billing.
const planBilledHourly = "PLAN_ID_STD"

// unsupportedAsked names the fields of b that ask for what Abrak cannot
// honour; off (false, null, "", 0) is what Abrak does anyway.
func unsupportedAsked(b apiCreateVM) []string {
	var out []string
	switch v := b.PrivateNetworking.(type) {
	case nil, bool, string, float64:
		if v != nil && v != false && v != "" && v != float64(0) {
			out = append(out, "private_networking")
		}
	default:
		out = append(out, "private_networking")
	}
	return out
}

// createInput is the order b asks for, in Abrak's names.
func (h *Handlers) createInput(ctx context.Context, p services.Principal, b apiCreateVM) (services.CreateVMInput, error) {
	if names := unsupportedAsked(b); len(names) > 0 {
		fields := map[string]string{}
		for _, n := range names {
			fields[n] = "api.field_not_supported"
		}
		return services.CreateVMInput{}, services.InvalidWith("api.fields_not_supported", fields, "fields", strings.Join(names, ", "))
	}
	if b.Plan != "" && b.Plan != planBilledHourly {
		return services.CreateVMInput{}, services.Invalid(map[string]string{"plan": "api.plan_hourly_only"})
	}
	if b.Location != "" && b.Region != "" && b.Location != b.Region {
		return services.CreateVMInput{}, services.Invalid(map[string]string{"location": "api.location_region_differ"})
	}
	in := services.CreateVMInput{PlanSlug: first(b.PlanSlug, b.PlanID), OSTemplateSlug: first(b.OSTemplateSlug, b.Image, b.OSID),
		AuthMode: b.AuthMode, CustomPassword: b.CustomPassword, SSHKeyIDs: b.SSHKeyIDs, DisplayName: first(b.DisplayName, b.Name),
		Hostname: b.Hostname, Region: first(b.Region, b.Location), UserData: b.UserData,
		BackupsEnabled: b.BackupsEnabled || b.Backups != nil && *b.Backups}
	// Seed 001: the name also names the host, when it can.
	if in.Hostname == "" && b.Name != "" && services.ValidHostname(strings.ToLower(b.Name)) {
		in.Hostname = b.Name
	}
	if b.Size != nil || b.CPU != nil || b.DiskSize != nil {
		in.Size = &services.Size{RAM: deref0(b.Size), CPU: deref0(b.CPU), Disk: deref0(b.DiskSize)}
	}
	if b.SSHKeyID != nil {
		in.SSHKeyIDs = append(in.SSHKeyIDs, *b.SSHKeyID)
	}
	if len(b.SSHKeys) > 0 {
		refs := make([]string, 0, len(b.SSHKeys))
		for _, k := range b.SSHKeys {
			switch v := k.(type) {
			case float64:
				refs = append(refs, strconv.FormatFloat(v, 'f', -1, 64))
			case string:
				refs = append(refs, v)
			default:
				return in, services.Invalid(map[string]string{"ssh_keys": "api.field_type"})
			}
		}
		if h.SSHKeys == nil {
			return in, services.Invalid(map[string]string{"ssh_keys": "sshkeys.error_unknown_id"})
		}
		ids, err := h.SSHKeys.IDsOf(ctx, p, refs)
		if err != nil {
			return in, err
		}
		in.SSHKeyIDs = append(in.SSHKeyIDs, ids...)
	}
	// A script that names keys or a password and no auth_mode means that way in.
	if in.AuthMode == "" {
		switch {
		case len(in.SSHKeyIDs) > 0:
			in.AuthMode = "ssh_key"
		case in.CustomPassword != "":
			in.AuthMode = "password"
		case b.Name != "" || b.Image != "" || b.OSID != "":
			// A seed's order with no way in (seed 001's own example: ssh_keys
			// null): a root password is made and shown once in the answer.
			in.GeneratePassword = true
		}
	}
	return in, nil
}

func first(names ...string) string {
	for _, n := range names {
		if n != "" {
			return n
		}
	}
	return ""
}

func deref0(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}
