package cli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"abrak/hypervisor"
	"abrak/services"
	"abrak/store"
)

func adminAddNode(ctx context.Context, args []string, out io.Writer) error {
	var n store.Node
	cmd := newCommand("admin add-node")
	cmd.StringVar(&n.Name, "name", "", "node name (required; an existing name is updated)")
	cmd.StringVar(&n.Region, "region", "", "region slug (required; must exist, see seed-demo)")
	cmd.StringVar(&n.URI, "uri", "", "libvirt URI, e.g. qemu+tcp://host/system or qemu+unix:///system?socket=/path (required)")
	cmd.StringVar(&n.VNCHost, "vnc-host", "", "address the panel reaches the node's VNC ports at (default 127.0.0.1)")
	cmd.IntVar(&n.VCPUs, "vcpus", 0, "vCPUs offered to customers (0: unlimited)")
	cmd.IntVar(&n.MemoryMB, "memory-mb", 0, "memory offered, MB (0: unlimited)")
	cmd.IntVar(&n.DiskGB, "disk-gb", 0, "disk offered, GB (0: unlimited)")
	virt := cmd.String("virt-type", "", "accelerator: auto (a probe guest decides at every connect), kvm or qemu (software emulation); default auto, or the node's present choice")
	cmd.StringVar(&n.Bridge, "bridge", "", "the host bridge guests join, on the provider's public network (see README, \"A node's network\"); empty: user-mode networking, which nobody can reach")
	cmd.StringVar(&n.VNCSocketDir, "vnc-socket-dir", "", "for a node on the panel's own host: a folder both share, where guests' VNC servers listen as UNIX sockets (empty: TCP at --vnc-host)")
	cmd.StringVar(&n.MigrationAddress, "migration-address", "", migrationAddressUsage)
	cmd.StringVar(&n.PeerURI, "peer-uri", "", peerURIUsage)
	noCheck := cmd.Bool("no-connect-check", false, "record the node without connecting to --uri first (a node not up yet)")
	db, err := cmd.open(ctx, args, func() error {
		if n.Name == "" || n.Region == "" || n.URI == "" {
			return errors.New("add-node: --name, --region and --uri are required")
		}
		if err := checkMigrationAddress(n.MigrationAddress); err != nil {
			return fmt.Errorf("add-node: %w", err)
		}
		if *virt != "" {
			m, err := hypervisor.ParseVirtMode(*virt)
			if err != nil {
				return fmt.Errorf("add-node: %w", err)
			}
			n.VirtType = string(m)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	// The same service as the Nodes page's form: the fields checked, the URI
	// dialled once, the addition audited as the operator's at the machine.
	staff := services.NewStaff(db, services.NewAudit(db, newLogger(cmd.LogFormat, io.Discard)), nil, 0)
	added, err := staff.AddNode(ctx, services.OperatorOnMachine(), services.NodeInput{Name: n.Name, Region: n.Region, URI: n.URI,
		VNCHost: n.VNCHost, VCPUs: n.VCPUs, MemoryMB: n.MemoryMB, DiskGB: n.DiskGB, VirtType: n.VirtType, Bridge: n.Bridge,
		VNCSocketDir: n.VNCSocketDir, MigrationAddress: n.MigrationAddress, PeerURI: n.PeerURI, Replace: true, NoReach: *noCheck})
	if err != nil {
		return fmt.Errorf("add-node: %w", explain(err))
	}
	n.ID, n.VirtType, n.Bridge, n.MigrationAddress = added.ID, added.VirtType, added.Bridge, added.MigrationAddress
	bridge := n.Bridge
	if bridge == "" {
		bridge = "none (user-mode networking)"
	}
	migration := n.MigrationAddress
	if migration == "" {
		migration = "none (VMs reach it by cold moves only)"
	}
	fmt.Fprintf(out, "node %d %s in %s at %s, virt type %s, bridge %s, live migrations in at %s\n", n.ID, n.Name, n.Region, n.URI, n.VirtType,
		bridge, migration)
	return nil
}

const (
	migrationAddressUsage = "where the node takes VMs migrating in live: tcp://HOST (an address on the region's private network; libvirt picks the ports) or unix:///DIR (nodes of one machine); empty: VMs reach it by cold moves only"
	peerURIUsage          = "the libvirt URI other nodes' libvirtd dial this one at to hand a VM over, e.g. qemu+tls://node2.internal/system (empty: --uri)"
)

// checkMigrationAddress refuses an address libvirt could not listen at.
func checkMigrationAddress(a string) error {
	switch {
	case a == "":
		return nil
	case strings.HasPrefix(a, "tcp://") && len(a) > len("tcp://") && !strings.ContainsAny(a[len("tcp://"):], "/ "):
		return nil
	case strings.HasPrefix(a, "unix:///") && !strings.Contains(a, " "):
		return nil
	}
	return fmt.Errorf("--migration-address %q: tcp://HOST or unix:///DIR", a)
}

// adminSetNode changes an existing node's settings; the running panel picks the
// change up at its next reconcile pass (within 15 s), and reconnects the node
// for another accelerator.
func adminSetNode(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin set-node")
	name := cmd.String("name", "", "node name (required)")
	virt := cmd.String("virt-type", "", "accelerator: auto, kvm or qemu")
	address := cmd.String("migration-address", "", migrationAddressUsage)
	peer := cmd.String("peer-uri", "", peerURIUsage)
	var m hypervisor.VirtMode
	set := map[string]bool{}
	db, err := cmd.open(ctx, args, func() (err error) {
		cmd.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if *name == "" || !set["virt-type"] && !set["migration-address"] && !set["peer-uri"] {
			return errors.New("set-node: --name and one of --virt-type, --migration-address, --peer-uri are required")
		}
		if set["virt-type"] {
			if m, err = hypervisor.ParseVirtMode(*virt); err != nil {
				return fmt.Errorf("set-node: %w", err)
			}
		}
		if err := checkMigrationAddress(*address); err != nil {
			return fmt.Errorf("set-node: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.NodeByName(ctx, *name)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("set-node: no node %q", *name)
	} else if err != nil {
		return err
	}
	if set["virt-type"] {
		if err := db.SetNodeVirtType(ctx, *name, string(m)); err != nil {
			return err
		}
		fmt.Fprintf(out, "node %s: virt type %s (a running panel reconnects it within 15 s)\n", *name, m)
	}
	if set["migration-address"] || set["peer-uri"] {
		if set["migration-address"] {
			n.MigrationAddress = *address
		}
		if set["peer-uri"] {
			n.PeerURI = *peer
		}
		if err := db.SetNodeMigration(ctx, *name, n.MigrationAddress, n.PeerURI); err != nil {
			return err
		}
		fmt.Fprintf(out, "node %s: live migrations in at %q, dialled at %q (a running panel uses them within 15 s)\n", *name,
			n.MigrationAddress, cmp.Or(n.PeerURI, n.URI))
	}
	return nil
}

// adminNodes prints one line per node: what the running panel last recorded of it.
func adminNodes(ctx context.Context, args []string, out io.Writer) error {
	db, err := newCommand("admin nodes").open(ctx, args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	nodes, err := db.AllNodes(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tREGION\tURI\tSTATE\tVIRT\tWHY")
	for _, n := range nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", n.Name, n.Region, n.URI, nodeState(n), nodeVirt(n), nodeWhy(n))
	}
	return tw.Flush()
}

func nodeState(n store.Node) string {
	switch {
	case !n.Enabled:
		return "disabled"
	case n.SeenAt.IsZero() && n.Draining:
		return "draining; unknown (no panel has run since it was added)"
	case n.SeenAt.IsZero():
		return "unknown (no panel has run since it was added)"
	}
	state, _, _ := strings.Cut(n.ConnState, ":")
	if n.Draining {
		state += ", draining"
	}
	return fmt.Sprintf("%s (%s ago)", state, time.Since(n.SeenAt).Round(time.Second))
}

func nodeVirt(n store.Node) string {
	if n.VirtChosen == "" {
		return n.VirtType + " (not decided yet)"
	}
	if n.VirtType == string(hypervisor.VirtAuto) {
		return n.VirtChosen + " (auto)"
	}
	return n.VirtChosen
}

func nodeWhy(n store.Node) string {
	why := n.VirtReason
	if _, down, ok := strings.Cut(n.ConnState, ": "); ok {
		why = strings.TrimSpace(why + "; down: " + down)
	}
	return why
}

// dialNode connects to one node on a fleet of its own, for an upload, waiting
// up to 30 s for it to answer; the caller closes the fleet. An upload needs no
// accelerator: qemu spares this short connection the probe.
func dialNode(n store.Node) (*hypervisor.Fleet, *hypervisor.Node, error) {
	fleet := hypervisor.NewFleet(newLogger("text", io.Discard), hypervisor.Options{})
	cfg := services.NodeConfig(n)
	cfg.VirtType = hypervisor.VirtQEMU
	fleet.SetNodes([]hypervisor.NodeConfig{cfg})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		node, err := fleet.Node(n.ID)
		if err == nil {
			return fleet, node, nil
		}
		if time.Now().After(deadline) {
			fleet.Close()
			return nil, nil, err
		}
	}
}
