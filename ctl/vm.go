package ctl

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"abrak/client"
)

func (r *run) vmTable(vms []client.VM) *table {
	t := r.table("UUID", "NAME", "STATUS", "PLAN", "REGION", "IP", "CREATED")
	for _, v := range vms {
		ip := v.IP()
		if ip == "" {
			ip = "-"
		}
		t.row(v.UUID, v.DisplayName, r.word(v.Status), v.Plan.Slug, v.Region, ip, r.when(v.CreatedAt))
	}
	return t
}

func (r *run) actionTable(as []client.Action) *table {
	t := r.table("ID", "TYPE", "STATUS", "PROGRESS", "RESOURCE", "STARTED")
	for _, a := range as {
		t.row(r.num(a.ID), a.Type, r.word(a.Status), r.percent(a.Progress), a.ResourceID, r.when(a.StartedAt))
	}
	return t
}

// group is a command of commands: a word it does not know is a usage error
// (exit 2), not its help with exit 0.
func group(use, short string) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for %q", args[0], c.CommandPath())
			}
			return c.Help()
		}}
}

// cmd is a subcommand that talks to the panel.
func (r *run) cmd(use, short string, args cobra.PositionalArgs, do func(ctx context.Context, args []string) error) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Args: args,
		RunE: func(c *cobra.Command, a []string) error {
			if err := r.connect(); err != nil {
				return err
			}
			return do(c.Context(), a)
		}}
}

func (r *run) vmCmd() *cobra.Command {
	vm := group("vm", "Virtual machines")

	var lo client.ListVMs
	list := r.cmd("list", "The VMs, every page", cobra.NoArgs, func(ctx context.Context, _ []string) error {
		var all []client.VM
		for v, err := range r.c.VMs(ctx, lo) {
			if err != nil {
				return err
			}
			all = append(all, v)
		}
		if all == nil {
			all = []client.VM{}
		}
		return r.show(all, func() *table { return r.vmTable(all) })
	})
	list.Flags().StringVar(&lo.Status, "status", "", "only VMs in this status (deleted: the recycle bin)")
	list.Flags().StringVar(&lo.Region, "region", "", "only VMs of this region")
	list.Flags().StringVar(&lo.Query, "query", "", "a part of the uuid, IP or name")

	get := r.cmd("get UUID", "One VM", cobra.ExactArgs(1), func(ctx context.Context, a []string) error {
		v, err := r.c.GetVM(ctx, a[0])
		if err != nil {
			return err
		}
		return r.show(v, func() *table { return r.vmTable([]client.VM{v}) })
	})

	var in client.CreateVM
	var password string
	create := r.cmd("create", "Order a VM (the first hour is paid from the wallet)", cobra.NoArgs, func(ctx context.Context, _ []string) error {
		in.AuthMode = "ssh_key"
		if password != "" {
			in.AuthMode, in.CustomPassword = "password", password
		} else if len(in.SSHKeyIDs) == 0 {
			return usagef("give --ssh-key ID (repeatable) or --password")
		}
		v, err := r.c.CreateVM(ctx, in)
		if err != nil {
			return err
		}
		if r.wait {
			a, err := r.c.CreateActionOf(ctx, v.UUID)
			if err != nil {
				return err
			}
			if _, err := r.follow(ctx, a); err != nil {
				return err
			}
			if v, err = r.c.GetVM(ctx, v.UUID); err != nil {
				return err
			}
		}
		return r.show(v, func() *table { return r.vmTable([]client.VM{v}) })
	})
	f := create.Flags()
	f.StringVar(&in.PlanSlug, "plan", "", "the plan's slug")
	f.StringVar(&in.OSTemplateSlug, "template", "", "the OS template's slug")
	f.StringVar(&in.DisplayName, "name", "", "a display name")
	f.StringVar(&in.Hostname, "hostname", "", "the guest's hostname")
	f.StringVar(&in.Region, "region", "", "the region's slug")
	f.StringVar(&password, "password", "", "root's password (or use --ssh-key)")
	f.Int64SliceVar(&in.SSHKeyIDs, "ssh-key", nil, "an SSH key's id for root (repeatable)")
	f.BoolVar(&in.BackupsEnabled, "backups", false, "daily backups (billed hourly)")
	f.StringVar(&in.UserData, "user-data", "", "cloud-init user data")
	f.StringVar(&in.IdempotencyKey, "idempotency-key", "", "order once for this key, however often the command runs")
	_ = create.MarkFlagRequired("plan")
	_ = create.MarkFlagRequired("template")
	r.waitFlags(create)

	vm.AddCommand(list, get, create)
	for _, p := range []struct{ use, power, short string }{
		{"start", client.PowerStart, "Power a VM on"},
		{"stop", client.PowerShutdown, "Shut a VM down (ACPI; --force pulls the plug)"},
		{"reboot", client.PowerReboot, "Reboot a VM through its OS"},
		{"reset", client.PowerReset, "Hard-reset a VM without asking its OS"},
	} {
		var force bool
		var waitFor float64
		c := r.cmd(p.use+" UUID", p.short, cobra.ExactArgs(1), func(ctx context.Context, a []string) error {
			power := p.power
			if force {
				power = client.PowerKill
			}
			if power == client.PowerShutdown && waitFor > 0 {
				return r.actionThen(ctx, func() (client.Action, error) { return r.c.ShutdownWait(ctx, a[0], waitFor) })
			}
			return r.actionThen(ctx, func() (client.Action, error) { return r.c.Power(ctx, a[0], power) })
		})
		if p.use == "stop" {
			c.Flags().BoolVar(&force, "force", false, "power off at once (kill)")
			c.Flags().Float64Var(&waitFor, "wait-for", 0, "minutes the OS has to shut down before it is powered off (at most 15; default: the panel's, 1)")
		}
		r.waitFlags(c)
		vm.AddCommand(c)
	}

	var resizeWait float64
	resize := r.cmd("resize UUID PLAN", "Move a VM to another plan", cobra.ExactArgs(2), func(ctx context.Context, a []string) error {
		if resizeWait > 0 {
			return r.actionThen(ctx, func() (client.Action, error) { return r.c.ResizeWait(ctx, a[0], a[1], resizeWait) })
		}
		return r.actionThen(ctx, func() (client.Action, error) { return r.c.Resize(ctx, a[0], a[1]) })
	})
	resize.Flags().Float64Var(&resizeWait, "wait-for", 0, "a running VM: minutes its OS has to shut down before it is powered off, then resized (at most 15)")
	r.waitFlags(resize)

	rename := r.cmd("rename UUID NAME", "Give a VM a new display name", cobra.ExactArgs(2), func(ctx context.Context, a []string) error {
		v, err := r.c.RenameVM(ctx, a[0], a[1])
		if err != nil {
			return err
		}
		return r.show(v, func() *table { return r.vmTable([]client.VM{v}) })
	})

	var purge bool
	del := r.cmd("delete UUID", "Move a VM to the recycle bin (--purge: destroy it now)", cobra.ExactArgs(1), func(ctx context.Context, a []string) error {
		if err := r.c.DeleteVM(ctx, a[0], purge); err != nil {
			return err
		}
		return r.done(map[string]any{"uuid": a[0], "deleted": true, "purged": purge}, r.word("deleted."))
	})
	del.Flags().BoolVar(&purge, "purge", false, "skip the recycle bin: the VM and its disk are gone at once")

	snapshot := r.cmd("snapshot UUID [NAME]", "Take a snapshot under any name", cobra.RangeArgs(1, 2), func(ctx context.Context, a []string) error {
		name := ""
		if len(a) == 2 {
			name = a[1]
		}
		return r.actionThen(ctx, func() (client.Action, error) { return r.c.CreateSnapshot(ctx, a[0], name) })
	})
	r.waitFlags(snapshot)

	snapshots := r.cmd("snapshots UUID", "A VM's snapshots", cobra.ExactArgs(1), func(ctx context.Context, a []string) error {
		ss, err := r.c.Snapshots(ctx, a[0])
		if err != nil {
			return err
		}
		return r.show(ss, func() *table {
			t := r.table("NAME", "CREATED", "CURRENT")
			for _, s := range ss {
				cur := ""
				if s.Current {
					cur = "*"
				}
				t.row(s.DisplayName, r.when(s.CreatedAt), cur)
			}
			return t
		})
	})

	console := r.cmd("console UUID", "A short-lived link to a VM's screen", cobra.ExactArgs(1), func(ctx context.Context, a []string) error {
		s, err := r.c.OpenConsole(ctx, a[0])
		if err != nil {
			return err
		}
		return r.done(s, s.URL)
	})

	vm.AddCommand(resize, rename, del, snapshot, snapshots, console)
	return vm
}

// actionThen starts an action, follows it under --wait, and shows it.
func (r *run) actionThen(ctx context.Context, start func() (client.Action, error)) error {
	a, err := start()
	if err != nil {
		return err
	}
	if a, err = r.follow(ctx, a); err != nil {
		return err
	}
	return r.show(a, func() *table { return r.actionTable([]client.Action{a}) })
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, usagef("%q is not an id (a whole number)", s)
	}
	return id, nil
}
