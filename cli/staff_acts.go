package cli

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"abrak/services"
	"abrak/store"
)

// The operator's acts on customers, VMs and nodes from the command line:
// the same services as the /admin pages, as the operator at the machine
// (audited "cli"); a table for people, --json for scripts.

// staffCommand is the preamble the acts share: the flags, the database and
// the operator's service.
type staffCommand struct {
	*command
	asJSON *bool
	db     *store.DB
	staff  *services.Staff
}

func newStaffCommand(name string) *staffCommand {
	cmd := &staffCommand{command: newCommand(name)}
	cmd.asJSON = cmd.Bool("json", false, "print the result as JSON")
	return cmd
}

func (cmd *staffCommand) start(ctx context.Context, args []string, check func() error) error {
	db, err := cmd.open(ctx, args, check)
	if err != nil {
		return err
	}
	cmd.db = db
	cmd.staff = services.NewStaff(db, services.NewAudit(db, newLogger(cmd.LogFormat, io.Discard)), nil, 0)
	return nil
}

// customer is the account with email.
func (cmd *staffCommand) customer(ctx context.Context, email string) (store.User, error) {
	u, err := cmd.db.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if errors.Is(err, store.ErrNotFound) {
		return u, fmt.Errorf("%s: no account %q", cmd.Name(), email)
	}
	return u, err
}

// print writes fields (in order) as a two-column table, or as one JSON object.
func (cmd *staffCommand) print(out io.Writer, fields [][2]any) error {
	if *cmd.asJSON {
		m := make(map[string]any, len(fields))
		for _, f := range fields {
			m[f[0].(string)] = f[1]
		}
		return json.NewEncoder(out).Encode(m)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, f := range fields {
		fmt.Fprintf(tw, "%s\t%v\n", strings.ReplaceAll(f[0].(string), "_", "-"), f[1])
	}
	return tw.Flush()
}

// adminCredit credits (or, with a negative amount, debits) a customer's
// wallet with a reason, once per --key.
func adminCredit(ctx context.Context, args []string, out io.Writer) error {
	cmd := newStaffCommand("admin credit")
	email := cmd.String("email", "", "the customer's e-mail (required)")
	amount := cmd.Int64("amount", 0, "rials: positive credits, negative debits (required)")
	reason := cmd.String("reason", "", "why: shown to the customer in their ledger (required)")
	key := cmd.String("key", "", "a key of this credit: run again with the same key, it moves money once (default: a new one)")
	if err := cmd.start(ctx, args, func() error {
		if *email == "" || *amount == 0 || strings.TrimSpace(*reason) == "" {
			return errors.New("credit: --email, --amount and --reason are required")
		}
		return nil
	}); err != nil {
		return err
	}
	defer cmd.db.Close()
	u, err := cmd.customer(ctx, *email)
	if err != nil {
		return err
	}
	if *key == "" {
		*key = "cli-" + rand.Text()
	}
	after, err := cmd.staff.Credit(ctx, services.OperatorOnMachine(), u.ID, services.CreditInput{Rials: *amount, Reason: *reason, Key: *key})
	if err != nil {
		return fmt.Errorf("credit: %w", explain(err))
	}
	return cmd.print(out, [][2]any{{"email", u.Email}, {"amount_rials", *amount}, {"balance_rials", after}, {"reason", strings.TrimSpace(*reason)}, {"key", *key}})
}

// adminSuspend suspends an account with a reason: it signs in read-only and
// its tokens are refused. VMs that run are powered off by the panel's page
// or API (the command line reaches no node): the output says how many run.
func adminSuspend(ctx context.Context, args []string, out io.Writer) error {
	return suspension(ctx, args, out, true)
}

// adminUnsuspend lifts a suspension.
func adminUnsuspend(ctx context.Context, args []string, out io.Writer) error {
	return suspension(ctx, args, out, false)
}

func suspension(ctx context.Context, args []string, out io.Writer, on bool) error {
	cmd, name, email, reason, err := startToggle(ctx, args, on, "suspend", "unsuspend",
		"email", "the customer's e-mail (required)", "why (required; recorded in the audit)")
	if err != nil {
		return err
	}
	defer cmd.db.Close()
	u, err := cmd.customer(ctx, email)
	if err != nil {
		return err
	}
	if on {
		err = cmd.staff.Suspend(ctx, services.OperatorOnMachine(), u.ID, reason)
	} else {
		err = cmd.staff.Unsuspend(ctx, services.OperatorOnMachine(), u.ID)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, explain(err))
	}
	fields := [][2]any{{"email", u.Email}, {"suspended", on}}
	if on {
		running := 0
		vms, err := cmd.db.CustomerVMs(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, v := range vms {
			if v.Status == "running" || v.Status == "paused" {
				running++
			}
		}
		fields = append(fields, [2]any{"reason", reason}, [2]any{"vms_running", running})
	}
	return cmd.print(out, fields)
}

// startToggle opens a command that turns something on (with a required
// reason) or off for the one thing its flag names; it answers the command's
// name, the flag's value and the trimmed reason.
func startToggle(ctx context.Context, args []string, on bool, onName, offName, flag, flagHelp, reasonHelp string) (cmd *staffCommand, name, id, reason string, err error) {
	name = offName
	if on {
		name = onName
	}
	cmd = newStaffCommand("admin " + name)
	value := cmd.String(flag, "", flagHelp)
	why := new(string)
	if on {
		why = cmd.String("reason", "", reasonHelp)
	}
	err = cmd.start(ctx, args, func() error {
		switch {
		case *value == "" && on:
			return fmt.Errorf("%s: --%s and --reason are required", name, flag)
		case *value == "":
			return fmt.Errorf("%s: --%s is required", name, flag)
		case on && strings.TrimSpace(*why) == "":
			return fmt.Errorf("%s: --%s and --reason are required", name, flag)
		}
		return nil
	})
	return cmd, name, *value, strings.TrimSpace(*why), err
}

// adminLock locks a customer's VM with a reason (423 locked to its customer).
func adminLock(ctx context.Context, args []string, out io.Writer) error {
	return vmLock(ctx, args, out, true)
}

// adminUnlock lifts the operator's lock.
func adminUnlock(ctx context.Context, args []string, out io.Writer) error {
	return vmLock(ctx, args, out, false)
}

func vmLock(ctx context.Context, args []string, out io.Writer, on bool) error {
	cmd, name, uuid, reason, err := startToggle(ctx, args, on, "lock", "unlock",
		"vm", "the VM's UUID (required)", "why: its customer reads it with every refusal (required)")
	if err != nil {
		return err
	}
	defer cmd.db.Close()
	if on {
		err = cmd.staff.LockVM(ctx, services.OperatorOnMachine(), uuid, reason)
	} else {
		err = cmd.staff.UnlockVM(ctx, services.OperatorOnMachine(), uuid)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, explain(err))
	}
	fields := [][2]any{{"vm", uuid}, {"locked", on}}
	if on {
		fields = append(fields, [2]any{"reason", reason})
	}
	return cmd.print(out, fields)
}

// adminMaintenance turns a node's maintenance on (no new placements; owners
// of its VMs see a notice with the end) or off.
func adminMaintenance(ctx context.Context, args []string, out io.Writer) error {
	cmd := newStaffCommand("admin maintenance")
	node := cmd.String("node", "", "the node's name (required)")
	on := cmd.Bool("on", false, "start maintenance")
	off := cmd.Bool("off", false, "end maintenance")
	hours := cmd.Int("hours", 0, "with --on: the announced end, this many hours from now (0: none)")
	reason := cmd.String("reason", "", "with --on: what customers are told")
	if err := cmd.start(ctx, args, func() error {
		if *node == "" || *on == *off {
			return errors.New("maintenance: --node and one of --on, --off are required")
		}
		if *hours < 0 || *hours > 720 {
			return errors.New("maintenance: --hours from 0 to 720")
		}
		return nil
	}); err != nil {
		return err
	}
	defer cmd.db.Close()
	n, err := cmd.db.NodeByName(ctx, *node)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("maintenance: no node %q", *node)
	} else if err != nil {
		return err
	}
	in := services.MaintenanceInput{On: *on, Reason: *reason}
	if *on && *hours > 0 {
		in.Until = time.Now().Add(time.Duration(*hours) * time.Hour).Truncate(time.Minute)
	}
	m, err := cmd.staff.SetNodeMaintenance(ctx, services.OperatorOnMachine(), n.ID, in)
	if err != nil {
		return fmt.Errorf("maintenance: %w", explain(err))
	}
	until := ""
	if !m.Until.IsZero() {
		until = m.Until.UTC().Format(time.RFC3339)
	}
	return cmd.print(out, [][2]any{{"node", n.Name}, {"maintenance", m.On}, {"until", until}, {"reason", m.Reason}})
}
