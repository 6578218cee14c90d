package ctl

import (
	"context"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"abrak/client"
)

func (r *run) sshKeyCmd() *cobra.Command {
	cmd := group("ssh-key", "SSH keys for root on new VMs")
	keys := func(ks []client.SSHKey) *table {
		t := r.table("ID", "NAME", "FINGERPRINT", "CREATED")
		for _, k := range ks {
			t.row(r.num(k.ID), k.Name, k.Fingerprint, r.when(k.CreatedAt))
		}
		return t
	}
	list := r.cmd("list", "The account's SSH keys", cobra.NoArgs, func(ctx context.Context, _ []string) error {
		ks, err := r.c.SSHKeys(ctx)
		if err != nil {
			return err
		}
		if ks == nil {
			ks = []client.SSHKey{}
		}
		return r.show(ks, func() *table { return keys(ks) })
	})
	var file, key string
	add := r.cmd("add NAME", "Add a public key (--file ~/.ssh/id_ed25519.pub or --key '…')", cobra.ExactArgs(1), func(ctx context.Context, a []string) error {
		if (file == "") == (key == "") {
			return usagef("give one of --file and --key")
		}
		if file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				return usagef("%v", err)
			}
			key = string(b)
		}
		k, err := r.c.CreateSSHKey(ctx, a[0], strings.TrimSpace(key))
		if err != nil {
			return err
		}
		return r.show(k, func() *table { return keys([]client.SSHKey{k}) })
	})
	add.Flags().StringVar(&file, "file", "", "a public key file")
	add.Flags().StringVar(&key, "key", "", "the public key itself")
	del := r.cmd("delete ID", "Remove a key", cobra.ExactArgs(1), func(ctx context.Context, a []string) error {
		id, err := parseID(a[0])
		if err != nil {
			return err
		}
		if err := r.c.DeleteSSHKey(ctx, id); err != nil {
			return err
		}
		return r.done(map[string]any{"id": id, "deleted": true}, r.word("deleted."))
	})
	cmd.AddCommand(list, add, del)
	return cmd
}

func (r *run) actionCmd() *cobra.Command {
	cmd := group("action", "What the panel did and is doing")
	var lo client.ListActions
	var all bool
	list := r.cmd("list", "Actions across the VMs, newest first", cobra.NoArgs, func(ctx context.Context, _ []string) error {
		if lo.Limit == 0 {
			lo.Limit = 20
		}
		var as []client.Action
		if all {
			for a, err := range r.c.Actions(ctx, lo) {
				if err != nil {
					return err
				}
				as = append(as, a)
			}
		} else {
			var err error
			if as, _, err = r.c.ListActions(ctx, lo); err != nil {
				return err
			}
		}
		if as == nil {
			as = []client.Action{}
		}
		return r.show(as, func() *table { return r.actionTable(as) })
	})
	list.Flags().StringVar(&lo.Status, "status", "", "in-progress, completed or errored")
	list.Flags().StringVar(&lo.Type, "type", "", "create, reboot, power_off, …")
	list.Flags().IntVar(&lo.Limit, "limit", 20, "how many (newest first)")
	list.Flags().BoolVar(&all, "all", false, "every page")
	get := r.cmd("get ID", "One action (--wait follows it)", cobra.ExactArgs(1), func(ctx context.Context, a []string) error {
		id, err := parseID(a[0])
		if err != nil {
			return err
		}
		return r.actionThen(ctx, func() (client.Action, error) { return r.c.GetAction(ctx, id) })
	})
	r.waitFlags(get)
	cmd.AddCommand(list, get)
	return cmd
}

func (r *run) accountCmd() *cobra.Command {
	return r.cmd("account", "The account and its wallet", cobra.NoArgs, func(ctx context.Context, _ []string) error {
		acc, err := r.c.GetAccount(ctx)
		if err != nil {
			return err
		}
		return r.show(acc, func() *table {
			t := r.table("EMAIL", "NAME", "BALANCE", "BURN RATE", "HOURS LEFT")
			left := "-"
			if acc.HoursLeft != nil {
				left = r.num(*acc.HoursLeft)
			}
			t.row(acc.Email, acc.Name, r.num(acc.BalanceRials), r.num(acc.BurnRateRialsPerHour), left)
			return t
		})
	})
}
