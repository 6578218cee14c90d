// Package cli is the abrak binary's commands: serving the panel, the
// database's upkeep and the operator's admin commands, with the settings
// (ABRAK_* variables and flags) they read.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Main runs the command os.Args names and exits with its status: 0 done, 1
// failed, 2 called wrongly (an unknown command, a malformed setting or flag).
func Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	os.Exit(status(err, os.Stderr))
}

// commands are abrak's commands; serve is the default.
var commands = map[string]func(ctx context.Context, args []string, out io.Writer) error{
	"serve":   cmdServe,
	"migrate": cmdMigrate,
	"backup":  cmdBackup,
	"restore": cmdRestore,
	"admin":   cmdAdmin,
}

// adminCommands are the operator's, `abrak admin NAME`.
var adminCommands = map[string]func(ctx context.Context, args []string, out io.Writer) error{
	"create-user":      adminCreateUser,
	"create-token":     adminCreateToken,
	"top-up":           adminTopUp,
	"set-role":         adminSetRole,
	"add-node":         adminAddNode,
	"set-node":         adminSetNode,
	"nodes":            adminNodes,
	"drain-node":       adminDrainNode,
	"add-pool":         adminAddPool,
	"pools":            adminPools,
	"plans":            adminPlans,
	"add-plan":         adminAddPlan,
	"set-plan":         adminSetPlan,
	"regions":          adminRegions,
	"add-region":       adminAddRegion,
	"set-region":       adminSetRegion,
	"add-backup-store": adminAddBackupStore,
	"backup-stores":    adminBackupStores,
	"set-backup-store": adminSetBackupStore,
	"replica":          adminReplica,
	"mail-queue":       adminMailQueue,
	"import-template":  adminImportTemplate,
	"import-iso":       adminImportISO,
	"templates":        adminTemplates,
	"set-template":     adminSetTemplate,
	"seed-demo":        adminSeedDemo,
	"demo-vm":          adminDemoVM,
	"brand":            adminBrand,
	"credit":           adminCredit,
	"suspend":          adminSuspend,
	"unsuspend":        adminUnsuspend,
	"lock":             adminLock,
	"unlock":           adminUnlock,
	"maintenance":      adminMaintenance,
	"support-limits":   adminSupportLimits,
}

// errUsage asks for the list of commands: abrak was called without a known one.
var errUsage = errors.New("usage")

// errHelp is a request for the list of commands.
var errHelp = errors.New("help")

func run(ctx context.Context, args []string, out io.Writer) error {
	name := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	switch name {
	case "help", "-h", "--help":
		return errHelp
	}
	cmd, ok := commands[name]
	if !ok {
		return errUsage
	}
	return cmd(ctx, args, out)
}

func cmdAdmin(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		usage(os.Stderr)
		return errors.New("admin: which command?")
	}
	cmd, ok := adminCommands[args[0]]
	if !ok {
		return fmt.Errorf("admin: unknown command %q", args[0])
	}
	return cmd(ctx, args[1:], out)
}

// status says err on w and turns it into the exit status.
func status(err error, w io.Writer) int {
	var bad badInvocation
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0 // the flag package has listed the command's flags
	case errors.Is(err, errHelp):
		usage(w)
		return 0
	case errors.Is(err, errUsage):
		usage(w)
		return 2
	case errors.As(err, &bad):
		if !bad.told {
			fmt.Fprintln(w, "abrak:", err)
		}
		return 2
	}
	fmt.Fprintln(w, "abrak:", err)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: abrak [command] [flags]

commands:
  serve                   run the panel (default)
  migrate                 apply database migrations and exit
  admin create-user       --email E --password P [--name N] [--admin|--support] [--balance RIALS]
  admin set-role          EMAIL admin|support|none: a person's role on the operator's side (/admin)
  admin support-limits    [--per-act TOMAN] [--per-day TOMAN] [--json]: the most support may credit or debit
  admin top-up            --email E --amount RIALS [--ref R]: credit a wallet
  admin credit            --email E --amount RIALS --reason R [--key K] [--json]: credit (or, negative, debit) with a reason, once per key
  admin suspend           --email E --reason R [--json]; admin unsuspend --email E [--json]
  admin lock              --vm UUID --reason R [--json]; admin unlock --vm UUID [--json]
  admin maintenance       --node N --on [--hours H] [--reason R] | --off [--json]: no new placements; customers see a notice
  admin add-node          --name N --region R --uri U [--vcpus --memory-mb --disk-gb] [--virt-type auto|kvm|qemu] [--no-connect-check]
                          [--bridge BR] [--vnc-socket-dir DIR] [--migration-address tcp://HOST|unix:///DIR] [--peer-uri URI]
  admin add-pool          --region R --network CIDR [--gateway G] [--first A --last B] [--resolvers A,B]
  admin pools             one line per address pool: range, gateway, live, quarantined, free
  admin plans             [--json] every plan: sizes, rials per hour and month, enabled or not, VMs on it
  admin add-plan          --slug S --vcpus N --memory-mb M --disk-gb D [--traffic-gb T] [--price-hourly-rials R] [--name-fa --name-en] [--json]
  admin set-plan          --slug S [--name-fa --name-en] [--price-hourly-rials R] [--disabled|--enabled] [--json]: its VMs keep it
  admin regions           [--json] every region: network, enabled or not, nodes and VMs in it
  admin add-region        --slug S [--name-fa --name-en] [--network CIDR --gateway G] [--json]: the network is its first pool
  admin set-region        --slug S --disabled|--enabled [--json]: offer it to new orders or not (its VMs stay)
  admin add-backup-store  --name N --region R (--dir DIR | --node NODE): where a region's backups are kept, off their VMs' nodes
  admin backup-stores     one line per backup store: region, where, enabled, backups and bytes held
  admin set-backup-store  --name N --disabled|--enabled: take new backups there or not (its backups stay restorable)
  admin mail-queue        [--limit N] [--retry ID]: letters pending, sent and refused, with their errors
  admin set-node          --name N [--virt-type auto|kvm|qemu] [--migration-address A] [--peer-uri URI]: change a node's
                          accelerator, or where it takes live migrations
  admin nodes             one line per node: region, URI, state (draining or not), virt type and why
  admin drain-node        --name N [--undrain] [--wait 2h]: no new VM there; the running panel moves its VMs to other
                          nodes of the region (live or cold), each VM's outcome printed
  admin import-template   --slug S --name N --file IMG [--min-disk-gb N] [--features password,ssh_key,user_data]
  admin import-iso        --slug S --name N --file X.iso: an ISO image customers can boot their VMs from
  admin templates         each template and ISO with its state on every node
  admin set-template      --slug S --disabled|--enabled: hide a template from new orders or offer it again
  admin seed-demo         [--node-uri URI] [--bridge BR]: demo region, pools, plans, tiny OS template and node
  admin demo-vm           --email E --ssh-key FILE.pub: the demo customer's key and a VM named demo
  admin create-token      --email E --scopes vm:read,vm:write [--name N] [--expires 720h]
  backup                  --to FILE: consistent copy of the live database
  restore                 --to FILE [--from REPLICA]: a new database file from a replica (ABRAK_REPLICA_URL's first by default)
  admin replica           each replica of the database: synced through when, how far behind, its last error

Run "abrak COMMAND -h" for a command's flags.
`)
}
