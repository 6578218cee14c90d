// Package cli is the abrak binary's commands: serving the panel, the
// database's upkeep and the operator's admin commands, with the settings
// (ABRAK_* variables and flags) they read.
package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func usage() {
	fmt.Fprint(os.Stderr, `usage: abrak [command] [flags]

commands:
  serve                   run the panel (default)
  migrate                 apply database migrations and exit
  admin create-user       --email E --password P [--name N] [--admin] [--balance RIALS]
  admin top-up            --email E --amount RIALS [--ref R]: credit a wallet
  admin add-node          --name N --region R --uri U [--vcpus --memory-mb --disk-gb] [--virt-type auto|kvm|qemu]
                          [--bridge BR] [--vnc-socket-dir DIR]
  admin add-pool          --region R --network CIDR [--gateway G] [--first A --last B] [--resolvers A,B]
  admin pools             one line per address pool: range, gateway, live, quarantined, free
  admin mail-queue        [--limit N] [--retry ID]: letters pending, sent and refused, with their errors
  admin set-node          --name N --virt-type auto|kvm|qemu: change a node's accelerator
  admin nodes             one line per node: region, URI, state, virt type and why
  admin import-template   --slug S --name N --file IMG [--min-disk-gb N] [--features password,ssh_key,user_data]
  admin import-iso        --slug S --name N --file X.iso: an ISO image customers can boot their VMs from
  admin templates         each template and ISO with its state on every node
  admin set-template      --slug S --disabled|--enabled: hide a template from new orders or offer it again
  admin seed-demo         [--node-uri URI] [--bridge BR]: demo region, pools, plans, tiny OS template and node
  admin demo-vm           --email E --ssh-key FILE.pub: the demo customer's key and a VM named demo
  admin create-token      --email E --scopes vm:read,vm:write [--name N] [--expires 720h]
  backup                  --to FILE: consistent copy of the live database

Run "abrak COMMAND -h" for a command's flags.
`)
}

// Main runs the command that os.Args names.
func Main() {
	args := os.Args[1:]
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd {
	case "serve":
		err = cmdServe(ctx, args)
	case "migrate":
		err = cmdMigrate(ctx, args)
	case "backup":
		err = cmdBackup(ctx, args)
	case "admin":
		err = cmdAdmin(ctx, args)
	case "help", "-h", "--help":
		usage()
		return
	default:
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "abrak:", err)
		os.Exit(1)
	}
}

// parse parses a subcommand's flags, exiting with usage on error.
func parse(fs *flag.FlagSet, args []string) {
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		os.Exit(2)
	}
}

func timeoutCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 5*time.Minute)
}
